"""``private_key_jwt`` client authentication at the token endpoint (INTERFACE.md).

The client signs a short-lived JWT with its private key (RS512, RS256 also accepted):
``iss`` = ``sub`` = client_id, ``aud`` = the token endpoint URL, ``exp`` soon, a unique ``jti``.
Each ``jti`` is accepted once, remembered in the cache that every worker shares (Redis in
production) until the assertion expires.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from connected_services.models import Service
from connected_services.oidc import jose, statements

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("RS512", "RS256")
LEEWAY_SECONDS = 30
# An assertion may not be valid for longer than this (authlib, for one, defaults to an hour).
MAX_LIFETIME_SECONDS = 3600 + 60


class AssertionError_(Exception):
    """The assertion is not acceptable; the token endpoint answers ``invalid_client`` with
    the message as ``error_description``. Messages raised before the signature is checked
    describe only the assertion's shape and whether the client is registered (client ids
    are public); the signed claims are described only once the signature holds."""


@dataclass(frozen=True)
class SignedByAService:
    """A JWT that a connected service signed with its registered key: a client assertion at
    the token endpoint, or an ``asserted_login_identity`` at authorize. Its claims are not to
    be believed until ``check_signature`` has passed."""

    header: dict
    claims: dict
    signing_input: bytes
    signature: bytes
    what: str
    error: type[Exception]

    def check_signature(self, service: Service) -> None:
        """Raise ``error`` unless a key ``service`` registered made the signature."""
        try:
            jose.verify(
                self.header,
                self.signing_input,
                self.signature,
                service.public_jwk_set(),
                ALGORITHMS,
            )
        except jose.InvalidJWS as invalid:
            raise self.error(f"{self.what} signature does not verify") from invalid


def parse_signed_by_a_service(token: str, what: str, error: type[Exception]) -> SignedByAService:
    """Parse ``token`` as a JWT a service signs (RS512 or RS256, with no key of its own in the
    header: the key must be the one the service registered). ``what`` names it in the
    messages of the ``error`` raised, which describe only the JWT's shape."""
    try:
        header, claims, signing_input, signature = jose.parse(token)
    except jose.InvalidJWS as invalid:
        raise error(f"{what} is not a signed JWT") from invalid
    if header.get("alg") not in ALGORITHMS:
        raise error(f"{what} must be signed with RS512 or RS256")
    if any(name in header for name in ("jku", "jwk", "x5u", "x5c")):
        raise error(f"{what} must not carry its own key")
    return SignedByAService(header, claims, signing_input, signature, what, error)


def token_endpoint_url() -> str:
    return f"{settings.OIDC_ISSUER}/token"


def verify(
    token: str, *, client_id: str | None = None, find_service=None, audience: str | None = None
) -> Service:
    """Check a client assertion and return the service it authenticates.

    ``find_service(client_id)`` loads the service (default ``statements.service_by_client_id``); a
    refresh grant passes one that reads the refresh token in the same round trip. ``audience``:
    the URL the assertion must be for (default the token endpoint; the provisioning API
    passes its own, so an assertion made for one cannot be used at the other)."""
    signed = parse_signed_by_a_service(token, "client_assertion", AssertionError_)
    claims = signed.claims
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or claims.get("sub") != issuer:
        raise AssertionError_("iss and sub must both be the client_id")
    if client_id is not None and client_id != issuer:
        raise AssertionError_("client_id does not match the assertion")
    service = (find_service or statements.service_by_client_id)(issuer)
    if service is None:
        raise AssertionError_("unknown client")
    if service.client_type != Service.CLIENT_CONFIDENTIAL:
        raise AssertionError_("client is not registered for private_key_jwt")
    signed.check_signature(service)
    # From here on the claims are the signed ones.
    claimed = claims.get("aud")
    audiences = claimed if isinstance(claimed, list) else [claimed]
    if (audience or token_endpoint_url()) not in audiences:
        raise AssertionError_(
            "aud must be the token endpoint URL" if audience is None else f"aud must be {audience}"
        )
    now = time.time()
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp < now - LEEWAY_SECONDS:
        raise AssertionError_("client_assertion has expired")
    if exp > now + MAX_LIFETIME_SECONDS:
        raise AssertionError_("client_assertion lives too long")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > now + LEEWAY_SECONDS:
        raise AssertionError_("client_assertion is not valid yet")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise AssertionError_("client_assertion needs a jti")
    digest = hashlib.sha256(f"{issuer}\0{jti}".encode()).hexdigest()
    ttl = int(max(exp - now, 0) + LEEWAY_SECONDS + 1)
    if not first_use(f"oidc:assertion-jti:{digest}", ttl):
        raise AssertionError_("client_assertion has been used before")
    return service


def first_use(key: str, ttl: int) -> bool:
    """Remember ``key`` for ``ttl`` seconds in the cache every worker shares; False if it
    was already there (on Redis one ``SET key 1 EX ttl NX``, so two workers given the same
    assertion at once cannot both see it first)."""
    return cache.add(key, 1, timeout=ttl)
