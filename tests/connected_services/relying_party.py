"""A relying party for the tests, built on authlib (an independent OpenID Connect client)
and httpx, talking to the provider over HTTP like a real connected service."""

import json
import re
import secrets
import time
import uuid
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from jwcrypto import jwk

from connected_services.models import Service
from tests.fixtures.sessions import signed_in_client

REDIRECT_URI = "https://service.example/callback"
ALL_SCOPES = (
    "openid profile basic_demographics profile_extended email phone landline "
    "gp_registration_details gp_integration_credentials client_metadata"
)


def make_service(key: jwk.JWK, **overrides) -> Service:
    fields = {
        "name": "Book a test",
        "client_id": f"client-{uuid.uuid4().hex[:8]}",
        "client_type": Service.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Service.GRANT_AUTHORIZATION_CODE,
        "redirect_uris": REDIRECT_URI,
        "post_logout_redirect_uris": "https://service.example/signed-out",
        "public_key_pem": key.export_to_pem().decode(),
        "allowed_vectors": "P0.Cp.Cd P5.Cp.Cd P9.Cp.Cd P9.Cm",
        "allowed_scopes": ALL_SCOPES,
        "has_care_benefit": True,
        "is_nhs_commissioned": True,
        "is_free_at_point_of_delivery": True,
        "is_live": True,
        "hash_client_secret": False,
    }
    fields.update(overrides)
    service = Service(**fields)
    service.full_clean(exclude=["client_secret"])
    service.save()
    return service


def form_fields(html: str) -> dict:
    """The hidden inputs of the first form on a page."""
    fields = {}
    for match in re.finditer(r"<input[^>]*>", html):
        tag = match.group(0)
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="hidden"' in tag:
            fields[name.group(1)] = unescape(value.group(1)) if value else ""
    return fields


class RelyingParty:
    """Discovery, authorize (driven through a signed-in browser session), code exchange with
    private_key_jwt, ID token validation against JWKS, userinfo and refresh."""

    def __init__(self, issuer: str, client_id: str, key: jwk.JWK, alg: str = "RS512"):
        self.issuer = issuer
        self.client_id = client_id
        self.key_pem = key.export_to_pem(private_key=True, password=None).decode()
        self.http = httpx.Client(timeout=30)
        self.metadata = self.http.get(f"{issuer}/.well-known/openid-configuration").json()
        self.oauth = OAuth2Client(
            client_id,
            self.key_pem,
            token_endpoint_auth_method="private_key_jwt",
            revocation_endpoint_auth_method="private_key_jwt",
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
            timeout=30,
        )
        self.oauth.register_client_auth_method(
            PrivateKeyJWT(self.metadata["token_endpoint"], alg=alg)
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.http.close()
        self.oauth.close()

    # -- authorize -------------------------------------------------------------------------

    def authorization_url(self, scope="openid", vtr=None, **extra):
        self.state = generate_token(16)
        self.nonce = generate_token(16)
        self.code_verifier = generate_token(48)
        params = {"nonce": self.nonce, **extra}
        if vtr is not None:
            params["vtr"] = json.dumps(vtr)
        url, _state = self.oauth.create_authorization_url(
            self.metadata["authorization_endpoint"],
            state=self.state,
            code_verifier=self.code_verifier,
            scope=scope,
            **params,
        )
        return url

    def browser(self, user=None, methods=("Cp", "Cd")) -> httpx.Client:
        """An HTTP client carrying a signed-in patient's session cookie (or none)."""
        client = httpx.Client(base_url=self.issuer, timeout=30)
        if user is not None:
            django_client = signed_in_client(user, methods)
            cookie = django_client.cookies[settings.SESSION_COOKIE_NAME].value
            client.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
        return client

    def follow_to_service(self, browser: httpx.Client, url: str, consent: str | None = "yes"):
        """Follow redirects from ``url`` until one leaves for the service (returned as a dict
        of its query) or a page is shown (returned as the response)."""
        response = browser.get(url)
        for _ in range(10):
            if response.status_code in (301, 302, 303):
                location = response.headers["location"]
                if location.startswith(REDIRECT_URI):
                    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                response = browser.get(location)
                continue
            if consent and "Share your information with" in response.text:
                fields = form_fields(response.text)
                fields["decision"] = consent
                browser.headers["Referer"] = f"{self.issuer}/authorize"
                response = browser.post("/authorize/consent", data=fields)
                consent = None
                continue
            return response
        raise AssertionError("too many redirects")

    def sign_in(self, user, scope="openid", vtr=None, methods=("Cp", "Cd"), **extra) -> dict:
        """Authorize (consenting) and exchange the code: the token response."""
        with self.browser(user, methods) as browser:
            result = self.follow_to_service(browser, self.authorization_url(scope, vtr, **extra))
        assert isinstance(result, dict), result.text[:2000]
        assert result.get("state") == self.state, result
        assert "code" in result, result
        return self.exchange(result["code"])

    def exchange(self, code: str, **extra) -> dict:
        return self.oauth.fetch_token(
            self.metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT_URI,
            code_verifier=self.code_verifier,
            **extra,
        )

    def refresh(self, refresh_token: str) -> dict:
        return self.oauth.refresh_token(
            self.metadata["token_endpoint"], refresh_token=refresh_token
        )

    # -- tokens ----------------------------------------------------------------------------

    def jwks(self):
        return JsonWebKey.import_key_set(self.http.get(self.metadata["jwks_uri"]).json())

    def validate_id_token(self, id_token: str, nonce: str | None = None) -> dict:
        claims = jwt.decode(
            id_token,
            self.jwks(),
            claims_options={
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "exp": {"essential": True},
                "iat": {"essential": True},
            },
        )
        claims.validate(now=int(time.time()), leeway=5)
        if nonce is not None:
            assert claims["nonce"] == nonce
        return dict(claims)

    def userinfo(self, access_token: str, method="GET") -> httpx.Response:
        return self.http.request(
            method,
            self.metadata["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
        )

    def assertion(self, **overrides) -> str:
        """A client assertion signed with the registered key (claims may be overridden)."""
        from jwcrypto import jwt as jjwt

        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.metadata["token_endpoint"],
            "exp": now + 60,
            "iat": now,
            "jti": secrets.token_hex(16),
        }
        key = overrides.pop("key", None) or jwk.JWK.from_pem(self.key_pem.encode())
        alg = overrides.pop("alg", "RS512")
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        token = jjwt.JWT(header={"alg": alg, "typ": "JWT"}, claims=claims)
        token.make_signed_token(key)
        return token.serialize()

    def token_request(self, data: dict, assertion: str | None = "auto") -> httpx.Response:
        """A raw token request (for error cases), with a client assertion unless None."""
        body = dict(data)
        if assertion == "auto":
            assertion = self.assertion()
        if assertion is not None:
            body["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            body["client_assertion"] = assertion
        return self.http.post(self.metadata["token_endpoint"], data=body)

    def code_for(self, user, scope="openid", vtr=None, **extra) -> str:
        with self.browser(user) as browser:
            result = self.follow_to_service(browser, self.authorization_url(scope, vtr, **extra))
        return result["code"]


def authorize_url(issuer: str, params: dict) -> str:
    return f"{issuer}/authorize?{urlencode(params)}"
