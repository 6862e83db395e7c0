"""Single sign-on between connected services: checking an ``asserted_login_identity``.

NHS login's reference (INTERFACE.md, "Single sign-on between services"): a service the
patient is signed in to (RP1) signs a JWT with its registered key, with ``iss`` its
client_id, ``code`` the ``jti`` of the ID token it received from us, a ``jti`` of its own, and
``iat`` and ``exp`` at most 60 seconds apart. It hands the JWT to another service (RP2), which
passes it as ``asserted_login_identity`` in its authorization request, with ``prompt=none``
or ``prompt=login``.

What an assertion proves is only which sign-in RP1 saw. It never signs anyone in by itself
(ADR 0067): ``connected_services.authorization`` also needs the browser session that signed
in to be live in the browser that brought the assertion.
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from connected_services.models import AccessToken, Service
from connected_services.oidc import statements
from connected_services.oidc.client_assertion import first_use, parse_signed_by_a_service

# NHS login: one use, valid for 60 seconds.
LIFETIME_SECONDS = 60
# How far ahead of our clock a service's ``iat`` may be.
CLOCK_SKEW_SECONDS = 5
SESSION_DIGEST_SALT = "connected_services.single_sign_on.session"


class InvalidAssertion(Exception):
    """The assertion is not acceptable: the service gets ``invalid_request`` with the message
    as ``error_description``. As for client assertions, only the shape of the JWT and whether
    its issuer is registered are described before the signature holds."""


@dataclass(frozen=True)
class AssertedSignIn:
    """The sign-in an assertion names: an ID token we issued to ``service`` (RP1), still
    valid, for the patient ``user_id``, signed in by the browser session ``session_digest``."""

    service: Service
    user_id: int
    session_digest: str
    auth_time: int | None


def session_digest(request) -> str:
    """A keyed digest of this browser's session key ("" without a session): what a code
    records of the session that signed in, without keeping the key itself."""
    key = getattr(request.session, "session_key", None)
    if not key:
        return ""
    return salted_hmac(SESSION_DIGEST_SALT, key).hexdigest()


def verify(token: str) -> AssertedSignIn | None:
    """Check an ``asserted_login_identity`` and return the sign-in it names, or None when the
    ID token it names is not one of ours that is still valid (unknown, expired, revoked, its
    patient suspended): then the patient has to sign in.

    Raises ``InvalidAssertion`` for a JWT we do not accept. A JWT whose signature and claims
    hold is used up here (its ``jti``), whatever is decided after."""
    signed = parse_signed_by_a_service(token, "asserted_login_identity", InvalidAssertion)
    claims = signed.claims
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidAssertion("asserted_login_identity needs iss: the client_id that signed it")
    service = statements.service_by_client_id(issuer)
    if service is None or service.client_type != Service.CLIENT_CONFIDENTIAL:
        # A public client has no registered key to sign with.
        raise InvalidAssertion("asserted_login_identity is not from a service with a key")
    signed.check_signature(service)
    if not service.is_live:
        # A service taken out of service (its key lost, say) vouches for nobody.
        raise InvalidAssertion("asserted_login_identity is from a service that is not live")
    # From here on the claims are the signed ones.
    audience = claims.get("aud")
    if audience is not None:
        # NHS login's reference asks for no audience; one that names someone else is refused.
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_ISSUER not in audiences:
            raise InvalidAssertion("asserted_login_identity aud must be the issuer")
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise InvalidAssertion("asserted_login_identity needs iat and exp")
    if exp - iat > LIFETIME_SECONDS:
        raise InvalidAssertion("asserted_login_identity may live 60 seconds at most")
    if iat > now + CLOCK_SKEW_SECONDS:
        raise InvalidAssertion("asserted_login_identity is not valid yet")
    if now > exp or now - iat > LIFETIME_SECONDS:
        raise InvalidAssertion("asserted_login_identity has expired")
    jti, code = claims.get("jti"), claims.get("code")
    if not isinstance(jti, str) or not jti:
        raise InvalidAssertion("asserted_login_identity needs a jti")
    if not isinstance(code, str) or not code or len(code) > 64:
        raise InvalidAssertion("asserted_login_identity needs code: the jti of an ID token")
    digest = hashlib.sha256(f"{issuer}\0{jti}".encode()).hexdigest()
    ttl = int(max(exp - now, 0) + CLOCK_SKEW_SECONDS + 1)
    # One SET NX on Redis: two requests with the same assertion cannot both be first.
    if not first_use(f"oidc:asserted-login-jti:{digest}", ttl):
        raise InvalidAssertion("asserted_login_identity has been used before")
    return _signed_in_with(service, code)


def _signed_in_with(service: Service, id_token_jti: str) -> AssertedSignIn | None:
    """The sign-in behind an ID token we issued to ``service``, if the token is still valid:
    its access token row is there (not revoked, not rotated out by a refresh, which issues a
    newer ID token), the ID token has not expired and the patient is active."""
    issued_after = timezone.now() - timedelta(
        seconds=settings.OAUTH2_PROVIDER["ID_TOKEN_EXPIRE_SECONDS"]
    )
    found = (
        AccessToken.objects.filter(
            id_token_jti=id_token_jti,
            application_id=service.pk,
            created__gt=issued_after,
            user__is_active=True,
        )
        .values_list("user_id", "session_digest", "auth_time")
        .first()
    )
    if found is None or not found[1]:
        return None
    user_id, digest, auth_time = found
    return AssertedSignIn(service, user_id, digest, auth_time)
