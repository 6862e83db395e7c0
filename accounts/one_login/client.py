"""The OAuth 2.0 client for One Login's token endpoint: ``private_key_jwt`` (RFC 7523), as
One Login requires, instead of a client secret."""

import time
import uuid

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from jwcrypto import jwt

from accounts.one_login.keys import client_key

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300  # seconds; One Login accepts up to 5 minutes


def client_assertion(client_id: str, token_url: str) -> str:
    """A JWT signed with our key: ``iss`` = ``sub`` = our client id, ``aud`` = the token
    endpoint, a short ``exp`` and a unique ``jti`` (One Login refuses a replay)."""
    now = int(time.time())
    key = client_key()
    token = jwt.JWT(
        header={"alg": "RS256", "kid": key["kid"]},
        claims={
            "iss": client_id,
            "sub": client_id,
            "aud": token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": str(uuid.uuid4()),
        },
    )
    token.make_signed_token(key)
    return token.serialize()


class OneLoginClient(OAuth2Client):
    def get_access_token(self, code, pkce_code_verifier=None, extra_data=None):
        """Exchange the code at the token endpoint, authenticating with a client assertion
        (no secret is ever sent). Raises ``OAuth2Error`` unless the answer holds an access
        token and an ID token."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.callback_url,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(self.consumer_key, self.access_token_url),
        }
        if pkce_code_verifier:
            data["code_verifier"] = pkce_code_verifier
        try:
            with get_adapter().get_requests_session() as session:
                response = session.post(self.access_token_url, data=data, headers=self.headers)
            body = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError) as error:
            raise OAuth2Error("One Login's token endpoint did not answer") from error
        if not isinstance(body, dict) or "access_token" not in body or "id_token" not in body:
            raise OAuth2Error(f"One Login's token endpoint refused ({response.status_code})")
        return body
