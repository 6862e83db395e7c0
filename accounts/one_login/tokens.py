"""Checking what One Login signs: the ID token (its keys at the discovery's ``jwks_uri``) and
fetching published keys. Whatever the TLS, a token is believed only with a good signature
(OpenID Connect Core 3.1.3.7 lets a client skip it; we do not: ADR 0066)."""

import json
import time

import httpx
from django.conf import settings
from django.core.cache import cache
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

KEYS_CACHE_SECONDS = 300
ACCEPTED_ALGORITHMS = ["RS256", "ES256"]
CLOCK_SKEW = 30  # seconds either way


class TokenRefused(Exception):
    """A token failed a check. ``reason`` says which, for the audit (never the token)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def fetch_json(url: str) -> dict:
    """GET a JSON document from One Login (discovery, keys, DID)."""
    try:
        response = httpx.get(url, timeout=settings.ONE_LOGIN_TIMEOUT)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise TokenRefused("keys_unavailable") from error
    if not isinstance(body, dict):
        raise TokenRefused("keys_unavailable")
    return body


def published_keys(url: str, *, did: bool = False, fresh: bool = False) -> jwk.JWKSet:
    """The public keys at ``url``: a JWKS, or (``did``) a DID document whose
    ``assertionMethod`` entries carry ``publicKeyJwk`` (how One Login publishes the keys of
    its identity JWTs). Kept for 5 minutes; ``fresh`` fetches them again."""
    cache_key = f"one-login-keys:{url}"
    document = None if fresh else cache.get(cache_key)
    if document is None:
        document = fetch_json(url)
        cache.set(cache_key, document, KEYS_CACHE_SECONDS)
    keys = jwk.JWKSet()
    if did:
        for method in document.get("assertionMethod", []):
            if isinstance(method, dict) and isinstance(method.get("publicKeyJwk"), dict):
                keys.add(jwk.JWK(**{**method["publicKeyJwk"], "kid": method.get("id", "")}))
    else:
        for key in document.get("keys", []):
            keys.add(jwk.JWK(**key))
    return keys


def verify_jwt(
    token: str,
    *,
    keys: jwk.JWKSet,
    issuer: str,
    audience: str,
    algorithms: list[str] = ACCEPTED_ALGORITHMS,
) -> dict:
    """The claims of ``token`` once its signature (by one of ``keys``, RS256 or ES256 only),
    ``iss``, ``aud`` and ``exp`` are good. Raises ``TokenRefused`` naming the failed check."""
    try:
        parsed = jwt.JWT(jwt=token, key=keys, algs=algorithms, check_claims=False)
    except (JWException, ValueError, TypeError):
        raise TokenRefused("signature") from None
    try:
        claims = json.loads(parsed.claims)
    except ValueError:
        raise TokenRefused("malformed") from None
    if not isinstance(claims, dict):
        raise TokenRefused("malformed")
    if claims.get("iss") != issuer:
        raise TokenRefused("issuer")
    audiences = claims.get("aud")
    if audiences != audience and not (isinstance(audiences, list) and audience in audiences):
        raise TokenRefused("audience")
    now = time.time()
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < now - CLOCK_SKEW:
        raise TokenRefused("expired")
    if isinstance(claims.get("nbf"), int | float) and claims["nbf"] > now + CLOCK_SKEW:
        raise TokenRefused("not_yet_valid")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenRefused("malformed")
    return claims


def verify_with_published_keys(token: str, url: str, *, did: bool = False, **checks) -> dict:
    """``verify_jwt`` with the keys published at ``url``; when the signature fails with the
    kept copy, once more with the keys fetched again (One Login has rotated its keys)."""
    try:
        return verify_jwt(token, keys=published_keys(url, did=did), **checks)
    except TokenRefused as refused:
        if refused.reason != "signature":
            raise
    return verify_jwt(token, keys=published_keys(url, did=did, fresh=True), **checks)
