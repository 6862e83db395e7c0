"""Access tokens for the PDS FHIR API: NHS England's application-restricted, signed JWT
authentication.

We sign a short-lived JWT (RS512, ``kid`` naming the public key registered with our
application on NHS England's developer portal; ``iss`` and ``sub`` our API key; ``aud`` the
token endpoint; a fresh ``jti``; at most 5 minutes to live) and exchange it at the OAuth 2.0
token endpoint (``grant_type=client_credentials`` with a ``client_assertion``) for a bearer
token that lasts about 10 minutes. The token is kept in the shared cache (Redis in
production), so all web processes and workers use one token until a minute before it
expires, and PDS is not asked for a token per trace. A token PDS refuses (401) is dropped and
one new token is asked for.

Nothing personal is involved: the log names only status codes and error codes.
"""

import hashlib
import logging
import time
import uuid

import httpx
from django.core.cache import cache
from jwcrypto import jwk, jwt

from verification.demographics.types import DemographicsUnavailable

logger = logging.getLogger(__name__)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300  # seconds: the most NHS England's token endpoint accepts
EARLY = 60  # seconds: a token is replaced this long before it expires


class StaticToken:
    """A bearer token given in the configuration (``PDS_FHIR_ACCESS_TOKEN``)."""

    def __init__(self, token: str):
        self._token = token

    def token(self) -> str:
        return self._token

    def refused(self, token: str) -> bool:
        """PDS refused the token: there is no other to try."""
        return False


class SignedJwtAuth:
    """Bearer tokens from the token endpoint, asked for with a signed JWT."""

    def __init__(
        self,
        token_url: str,
        api_key: str,
        private_key_pem: bytes,
        key_id: str,
        *,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.token_url = token_url
        self.api_key = api_key
        self.key_id = key_id
        self.key = jwk.JWK.from_pem(private_key_pem)
        self.http = httpx.Client(timeout=timeout, transport=transport)
        digest = hashlib.sha256(f"{token_url} {api_key} {key_id}".encode()).hexdigest()[:16]
        self.cache_key = f"pds-fhir-access-token:{digest}"

    def assertion(self) -> str:
        now = int(time.time())
        token = jwt.JWT(
            header={"alg": "RS512", "typ": "JWT", "kid": self.key_id},
            claims={
                "iss": self.api_key,
                "sub": self.api_key,
                "aud": self.token_url,
                "jti": str(uuid.uuid4()),
                "iat": now,
                "exp": now + ASSERTION_LIFETIME,
            },
        )
        token.make_signed_token(self.key)
        return token.serialize()

    def token(self) -> str:
        """The shared token, or a new one from the token endpoint."""
        token = cache.get(self.cache_key)
        if token:
            return token
        token, lifetime = self._new_token()
        cache.set(self.cache_key, token, timeout=max(lifetime - EARLY, 1))
        return token

    def refused(self, token: str) -> bool:
        """PDS refused ``token``: forget it, so the next ``token()`` asks for a new one.
        True when there is a new one to try."""
        if cache.get(self.cache_key) == token:
            cache.delete(self.cache_key)
        return True

    def _new_token(self) -> tuple[str, int]:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": self.assertion(),
        }
        try:
            response = self.http.post(self.token_url, data=form)
        except httpx.HTTPError as error:
            logger.warning("PDS token endpoint unreachable (%s)", type(error).__name__)
            raise DemographicsUnavailable("no PDS access token") from error
        if response.status_code != 200:
            logger.warning(
                "PDS token endpoint answered %s (%s)",
                response.status_code,
                _error_code(response),
            )
            raise DemographicsUnavailable("no PDS access token")
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = int(body.get("expires_in", 599))  # NHS England sends it as a string
        except (ValueError, KeyError, TypeError) as error:
            logger.warning("PDS token endpoint answered 200 without a token")
            raise DemographicsUnavailable("no PDS access token") from error
        if not isinstance(token, str) or not token:
            raise DemographicsUnavailable("no PDS access token")
        return token, lifetime


def _error_code(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", "")
    except (ValueError, AttributeError):
        return "no error code"
    return error if isinstance(error, str) and error.isascii() and len(error) < 64 else "?"
