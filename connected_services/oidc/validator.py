"""django-oauth-toolkit's validator, extended for NHS login's interface (INTERFACE.md).

- client authentication: ``private_key_jwt`` only for confidential clients; public clients
  (opt-in) use PKCE with S256;
- the vector satisfied at sign-in (``vot``) and ``auth_time`` are stored with the code and the
  tokens and put in every ID token, on code exchange and on refresh;
- a code used twice revokes everything the first use issued;
- every refusal at ``/token`` and ``/revoke`` says which check failed
  (``error_description``): the checks raise oauthlib's own error with a description, which
  oauthlib's endpoints catch and answer with (docs/connected-services.md, "Errors", lists the
  descriptions and why each is safe to tell);
- ID tokens signed RS512 (or RS256 if the service asks) with the provider's current key.
"""

import hashlib
import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import refresh_token_expire_timedelta
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256

from connected_services import claims as claim_rules
from connected_services.models import AccessToken, Grant, RefreshToken, Service
from connected_services.oidc import client_assertion, jose, keys, statements
from core import rows

GRANT_TYPES = ("authorization_code", "refresh_token")
JWT_BEARER = client_assertion.JWT_BEARER
# The loser of two requests racing with one refresh token (ADR 0035): its family survives.
RACE_LOST = "refresh token already used"


def _invalid_client(request, description: str) -> errors.InvalidClientError:
    """``invalid_client`` saying which check failed (raised by the caller; oauthlib's
    endpoints catch it and answer with it)."""
    return errors.InvalidClientError(description=description, request=request)


def _invalid_grant(request, description: str) -> errors.InvalidGrantError:
    return errors.InvalidGrantError(description=description, request=request)


def trustmark_url() -> str:
    from urllib.parse import urlsplit

    return f"{settings.OIDC_ISSUER}/trustmark/{urlsplit(settings.OIDC_ISSUER).netloc}"


class NHSLoginValidator(OAuth2Validator):
    oidc_claim_scope = None  # claims are gated by connected_services.claims instead

    # -- client authentication -------------------------------------------------------------

    def _body(self, request) -> dict:
        return dict(request.decoded_body or [])

    def client_authentication_required(self, request, *args, **kwargs):
        body = self._body(request)
        if "client_assertion" in body or "client_assertion_type" in body:
            return True
        if self._extract_basic_auth(request) or body.get("client_secret"):
            return True  # and authenticate_client refuses it: private_key_jwt only
        if request.client_id and self._load_application(request.client_id, request):
            return request.client.client_type == Service.CLIENT_CONFIDENTIAL
        return True

    def authenticate_client(self, request, *args, **kwargs):
        """``private_key_jwt`` only; anything else is ``invalid_client`` with the reason."""
        body = self._body(request)
        if request.headers.get("Authorization"):
            raise _invalid_client(request, "use private_key_jwt, not the Authorization header")
        if body.get("client_secret"):
            raise _invalid_client(request, "use private_key_jwt, not a client_secret")
        if "client_assertion" not in body and "client_assertion_type" not in body:
            if request.client_id and request.client is None:
                raise _invalid_client(request, "unknown client")
            raise _invalid_client(request, "client authentication is required: private_key_jwt")
        if body.get("client_assertion_type") != client_assertion.JWT_BEARER:
            raise _invalid_client(request, f"client_assertion_type must be {JWT_BEARER}")
        if not body.get("client_assertion"):
            raise _invalid_client(request, "client_assertion is missing")
        find_service = None
        if body.get("grant_type") == "refresh_token" and body.get("refresh_token"):
            find_service = self._service_and_refresh_token(body["refresh_token"], request)
        try:
            service = client_assertion.verify(
                body["client_assertion"],
                client_id=body.get("client_id") or None,
                find_service=find_service,
            )
        except client_assertion.AssertionError_ as error:
            raise _invalid_client(request, str(error)) from error
        request.client = service
        request.client_id = service.client_id
        return True

    @staticmethod
    def _service_and_refresh_token(refresh_token: str, request):
        """A service loader for ``client_assertion.verify`` that also reads the refresh token
        in the same round trip and keeps it on the request for ``validate_refresh_token``
        (which checks it only once the client is authenticated)."""

        def find_service(client_id):
            checksum = hashlib.sha256(refresh_token.encode()).hexdigest()
            service, token = statements.service_and_refresh_token(client_id, checksum)
            request.preloaded_refresh_token = (refresh_token, token)
            return service

        return find_service

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        """A public client (opt-in): known, public, and (checked by oauthlib) using PKCE."""
        if self._load_application(client_id, request) is None:
            raise _invalid_client(request, "unknown client")
        if request.client.client_type != Service.CLIENT_PUBLIC:
            raise _invalid_client(request, "client authentication is required: private_key_jwt")
        return True

    def is_pkce_required(self, client_id, request):
        client = request.client or Service.objects.filter(client_id=client_id).first()
        return client is not None and client.client_type == Service.CLIENT_PUBLIC

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        if grant_type not in GRANT_TYPES:
            raise errors.UnauthorizedClientError(
                description="use authorization_code or refresh_token", request=request
            )
        if not client.is_live:
            raise errors.UnauthorizedClientError(
                description="this service is not live", request=request
            )
        return True

    # -- codes ------------------------------------------------------------------------------

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        """Store the code as django-oauth-toolkit does, with the vector of trust and the time of
        the sign-in it was issued for (the ID token's ``vot`` and ``auth_time``)."""
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        Grant.objects.filter(code=code["code"]).update(
            vot=request.vot,
            auth_time=request.auth_time,
            session_digest=getattr(request, "session_digest", "") or "",
        )

    def _grant(self, code, request, client=None):
        """The grant for a code, loaded once per token request (oauthlib asks several times)."""
        cache = request.__dict__.setdefault("_grants", {})
        if code not in cache:
            cache[code] = statements.grant(code)
        grant = cache[code]
        if grant is not None and client is not None and grant.application_id != client.pk:
            return None
        return grant

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        grant = self._grant(code, request)
        return grant.scope.split() if grant else []

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *a, **k):
        """RFC 6749 section 5.2: another redirect URI than the code's is an invalid grant
        (oauthlib's own answer would be ``invalid_request``)."""
        grant = self._grant(code, request, client)
        if grant is None or not grant.redirect_uri_allowed(redirect_uri):
            raise _invalid_grant(request, "redirect_uri does not match the authorization request")
        return True

    def get_code_challenge(self, code, request):
        grant = self._grant(code, request, request.client)
        challenge = (grant.code_challenge or None) if grant else None
        if challenge is None and request.code_verifier is not None:
            # RFC 9700 section 2.1.1: a code_verifier for a code issued without a challenge
            # is refused, so PKCE cannot be downgraded by leaving the challenge out.
            raise _invalid_grant(
                request, "code_verifier was sent but the authorization request had no challenge"
            )
        return challenge

    def get_code_challenge_method(self, code, request):
        """The code's challenge method (S256: the authorization endpoint refuses others).

        oauthlib calls this only when a verifier was sent, then compares the two and answers
        a mismatch with a bare ``invalid_grant``; comparing here first lets the answer say so.
        """
        grant = self._grant(code, request, request.client)
        method = (grant.code_challenge_method or None) if grant else None
        if method != "S256":
            raise _invalid_grant(request, "the code_challenge_method of this code is not S256")
        if not code_challenge_method_s256(request.code_verifier, grant.code_challenge):
            raise _invalid_grant(request, "code_verifier does not match the code_challenge")
        return method

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        grant = self._grant(code, request, client)
        if grant is None:
            # Unknown, or another client's: the same answer, so neither is revealed.
            raise _invalid_grant(request, "authorization code not known")
        if grant.used_at is not None:
            # A second use: revoke what the first use issued (RFC 6749 section 4.1.2).
            revoke_issued_from(grant)
            raise _invalid_grant(
                request, "authorization code already used: the tokens it gave are revoked"
            )
        if grant.is_expired():
            raise _invalid_grant(request, "authorization code expired")
        if not grant.user.is_active:
            # Why (a suspended or deleted login) is not the service's to learn here.
            raise _invalid_grant(request, "authorization code no longer valid")
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        request.nonce = grant.nonce or None
        request.claims = json.loads(grant.claims) if grant.claims else None
        request.vot = grant.vot
        request.auth_time = grant.auth_time
        request.session_digest = grant.session_digest
        request.grant_instance = grant
        return True

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        used = Grant.objects.filter(
            code=code, application=request.client, used_at__isnull=True
        ).update(used_at=timezone.now())
        if not used:
            raise _invalid_grant(request, "authorization code already used")

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        return getattr(request, "nonce", None)

    # -- tokens -----------------------------------------------------------------------------

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """DOT's checks, with the refresh token, its access token, the patient and their
        identity (for the ID token) in one hand-written query (``rows``).

        DOT's own version loads the patient and the service in further queries; with rotation
        (grace period 0) a revoked token is always a reuse and revokes its whole family.
        """
        preloaded = getattr(request, "preloaded_refresh_token", None)
        if preloaded is not None and preloaded[0] == refresh_token:
            rt = preloaded[1]
        else:
            rt = statements.refresh_token(hashlib.sha256(refresh_token.encode()).hexdigest())
        if rt is None or rt.application_id != client.pk:
            if rt is not None and rt.revoked is not None and rt.token_family:
                RefreshToken.revoke_family(rt.token_family)  # a stolen, rotated-out token
            # Unknown, or another client's: the same answer, so neither is revealed.
            raise _invalid_grant(request, "refresh token not known")
        if rt.revoked is not None:
            # Reuse of a rotated (or revoked) token: revoke the family (reuse protection).
            if rt.token_family:
                RefreshToken.revoke_family(rt.token_family)
            raise _invalid_grant(
                request,
                "refresh token already used or revoked: every token from that sign-in is revoked",
            )
        if rt.access_token is None:
            # An orphan: its access token was revoked out of band (/revoke, consent withdrawn).
            raise _invalid_grant(request, "refresh token revoked")
        lifetime = refresh_token_expire_timedelta()
        if lifetime and rt.access_token.expires + lifetime <= timezone.now():
            raise _invalid_grant(request, "refresh token expired")
        if not rt.user.is_active:
            # Why (a suspended or deleted login) is not the service's to learn here.
            raise _invalid_grant(request, "refresh token no longer valid")
        request.user = rt.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = rt
        request.vot = rt.access_token.vot
        request.auth_time = rt.access_token.auth_time
        # The browser session that signed in, carried to the new tokens (ADR 0067).
        request.session_digest = rt.access_token.session_digest
        return True

    def _lean_rotation(self, token, request):
        """The refresh token being rotated, if the lean rotation applies (else None)."""
        previous = getattr(request, "refresh_token_instance", None)
        if request.grant_type != "refresh_token" or previous is None:
            return None
        if "scope" not in token or not token.get("refresh_token"):
            return None
        if previous.resource or getattr(request, "resource", None):
            return None  # RFC 8707 resource indicators: DOT's own rotation
        return previous

    def save_bearer_token(self, token, request, *args, **kwargs):
        """A refresh rotates in one statement, which is its own transaction
        (``statements.rotate_in_one_statement``, ADR 0035); everything else (a code exchange,
        an RFC 8707 ``resource`` request) goes through DOT, which wraps ``_save_bearer_token``
        in a transaction."""
        previous = self._lean_rotation(token, request)
        if previous is None:
            return super().save_bearer_token(token, request, *args, **kwargs)
        now = timezone.now()
        request.resource = []
        # Plain rows, not model instances: written once by hand and not read back.
        access_token = self._access_token(
            self._expires(token, now), request, token, previous, make=rows.unsaved
        )
        refresh_token = self._refresh_token(
            request, token["refresh_token"], None, previous, make=rows.unsaved
        )
        if not statements.rotate_in_one_statement(previous, access_token, refresh_token, now):
            raise _invalid_grant(request, RACE_LOST)

    @staticmethod
    def _expires(token, now):
        return now + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        access_token = self._access_token(expires, request, token, source_refresh_token)
        rows.insert(access_token)
        return access_token

    def _access_token(self, expires, request, token, source_refresh_token=None, make=None):
        id_token = getattr(request, "id_token", None)
        # Foreign keys by id: no related-object descriptors, nothing reads them back.
        values = {
            "user_id": request.user.pk,
            "scope": token["scope"],
            "expires": expires,
            "id_token_id": id_token.pk if id_token is not None else None,
            "application_id": request.client.pk,
            "source_refresh_token_id": source_refresh_token.pk if source_refresh_token else None,
            "vot": getattr(request, "vot", "") or "",
            "auth_time": getattr(request, "auth_time", None),
            # The ID token issued with this access token, for single sign-on (ADR 0067).
            "id_token_jti": getattr(request, "id_token_jti", "") or "",
            "session_digest": getattr(request, "session_digest", "") or "",
        }
        access_token = make(AccessToken, values) if make else AccessToken(**values)
        self._set_token_value(access_token, token["access_token"])
        return access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous):
        """DOT's refresh token (same family as the one it replaces), inserted by hand."""
        refresh_token = self._refresh_token(request, refresh_token_code, access_token, previous)
        rows.insert(refresh_token)
        grant = getattr(request, "grant_instance", None)
        if grant is not None and previous is None:
            Grant.objects.filter(pk=grant.pk).update(token_family=refresh_token.token_family)
        return refresh_token

    def _refresh_token(self, request, refresh_token_code, access_token, previous, make=None):
        values = {
            "user_id": request.user.pk,
            "application_id": request.client.pk,
            "access_token_id": access_token.pk if access_token is not None else None,
            "token_family": previous.token_family if previous else uuid.uuid4(),
            "resource": getattr(request, "resource", []),  # RFC 8707
        }
        refresh_token = make(RefreshToken, values) if make else RefreshToken(**values)
        self._set_token_value(refresh_token, refresh_token_code)
        return refresh_token

    def is_within_original_scope(self, request_scopes, refresh_token, request, *args, **kwargs):
        """oauthlib asks only when a refresh asks for a scope the sign-in did not grant."""
        raise errors.InvalidScopeError(
            description="scope asks for more than the sign-in granted", request=request
        )

    # -- ID tokens --------------------------------------------------------------------------

    def get_oidc_issuer_endpoint(self, request):
        return settings.OIDC_ISSUER

    def get_id_token_dictionary(self, token, token_handler, request):
        now = int(timezone.now().timestamp())
        lifetime = settings.OAUTH2_PROVIDER["ID_TOKEN_EXPIRE_SECONDS"]
        claims = claim_rules.id_token_claims(request.user, request.scopes, service=request.client)
        claims.update(
            {
                "iss": settings.OIDC_ISSUER,
                "sub": str(request.user.sub),
                "aud": request.client.client_id,
                "iat": now,
                "exp": now + lifetime,
                "jti": str(uuid.uuid4()),
                "auth_time": getattr(request, "auth_time", None) or now,
                "vot": getattr(request, "vot", ""),
                "vtm": trustmark_url(),
            }
        )
        return claims, timezone.now() + timedelta(seconds=lifetime)

    def finalize_id_token(self, id_token, token, token_handler, request):
        claims, _expires = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(claims)
        if not id_token.get("nonce"):
            id_token.pop("nonce", None)
        key = keys.signing_key()
        signed = jose.sign(
            dict(id_token), key, alg=request.client.id_token_signing_alg, kid=key["kid"]
        )
        # No IDToken row: nothing reads it back (RP-initiated logout checks the signature),
        # and writing it cost a transaction on every code exchange and refresh. Its jti goes
        # on the access token row written next (single sign-on, ADR 0067).
        request.id_token = None
        request.id_token_jti = id_token["jti"]
        return signed

    def validate_silent_authorization(self, request):
        return True

    def validate_silent_login(self, request):
        return True


def revoke_issued_from(grant: Grant) -> None:
    """Revoke the refresh-token family (and its access tokens) a code was exchanged for."""
    if grant.token_family:
        RefreshToken.revoke_family(grant.token_family)
        AccessToken.objects.filter(source_refresh_token__token_family=grant.token_family).delete()
