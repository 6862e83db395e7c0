"""The OpenID Connect endpoints at the paths in INTERFACE.md (thin: parse, call, respond)."""

import hashlib
import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.authentication import require_sign_in
from connected_services import authorization, services
from connected_services import claims as claim_rules
from connected_services.forms import ConsentForm
from connected_services.models import Consent, Service
from connected_services.oidc import keys
from connected_services.oidc.server import oauthlib_core, token_endpoint_core
from connected_services.oidc.statements import bearer_token
from connected_services.oidc.validator import trustmark_url
from connected_services.vectors import CREDENTIALS, LEVELS
from core.middleware import lean_endpoint
from verification.uplift import start_uplift

logger = logging.getLogger(__name__)
# Read by the sign-in pages (accounts) to hide the "create an NHS login" links when a service
# sent allow_registration=false.
ALLOW_REGISTRATION_SESSION_KEY = "oidc_allow_registration"
CONSENT_SALT = "connected_services.consent"
CONSENT_MAX_AGE = 600


def _issuer() -> str:
    return settings.OIDC_ISSUER


@lean_endpoint
@csrf_exempt  # GET only: no CSRF check would run; required of a lean endpoint
@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    """The discovery document: every value here is true of this provider."""
    iss = _issuer()
    scopes = list(claim_rules.SCOPES)
    claims = sorted(
        {c for names, _level in claim_rules.SCOPES.values() for c in names}
        | {"vot", "vtm", "auth_time", "nonce", "iat", "exp", "jti"}
    )
    vectors = (
        ["P0.Cp"]
        + [f"{level}.Cp.Cd" for level in LEVELS]
        + [f"{level}.Cp.Ck" for level in LEVELS]
        + [f"{level}.Cm" for level in LEVELS]
    )
    document = {
        "issuer": iss,
        "authorization_endpoint": f"{iss}/authorize",
        "token_endpoint": f"{iss}/token",
        "userinfo_endpoint": f"{iss}/userinfo",
        "jwks_uri": f"{iss}/.well-known/jwks.json",
        "end_session_endpoint": f"{iss}/logout",
        "revocation_endpoint": f"{iss}/revoke",
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS512", "RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS512", "RS256"],
        "revocation_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": claims,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "prompt_values_supported": ["none", "login"],
        "display_values_supported": ["page", "touch"],
        "vtr_supported": True,
        "vectors_of_trust_supported": vectors,
        "vtm": trustmark_url(),
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": False,
    }
    return JsonResponse(document)


@lean_endpoint
@csrf_exempt  # GET only: no CSRF check would run; required of a lean endpoint
@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The public signing keys: the current one and retired ones whose tokens may be live."""
    response = JsonResponse(keys.published_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def trustmark(request: HttpRequest, host: str) -> JsonResponse:
    """The trustmark (RFC 8485): which vector components this provider can vouch for."""
    if host != urlsplit(_issuer()).netloc:
        return JsonResponse({"error": "not_found"}, status=404)
    return JsonResponse(
        {
            "idp": _issuer(),
            "trustmark_provider": _issuer(),
            "P": list(LEVELS),
            "C": list(CREDENTIALS),
        }
    )


def _error_page(request, error: authorization.AuthorizeError) -> HttpResponse:
    return render(request, "connected_services/authorize_error.jinja", {"error": error}, status=400)


def _redirect_error(authz_or_error, error: str, description: str = "") -> HttpResponse:
    return redirect(
        authorization.error_redirect_url(
            authz_or_error.redirect_uri, error, authz_or_error.state, description
        )
    )


@csrf_exempt  # a connected service may POST the authorization request from its own page
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """The authorization endpoint: code flow only, with vtr, consent and step-up."""
    query = request.POST if request.method == "POST" else request.GET
    try:
        authz = authorization.parse(query)
    except authorization.AuthorizeError as error:
        if not error.redirect:
            return _error_page(request, error)
        return _redirect_error(error, error.error, error.description)
    try:
        return _continue(request, authz)
    except DatabaseError:
        logger.exception("authorization failed: database unavailable")
        return _redirect_error(authz, "temporarily_unavailable")
    except Exception:
        logger.exception("authorization failed")
        return _redirect_error(authz, "server_error")


def _continue(request, authz: authorization.AuthorizationRequest) -> HttpResponse:
    decision = authorization.decide(request, authz)
    if decision.action == "error":
        authorization.forget(request, authz)
        _record_refused_single_sign_on(request, authz, decision)
        if (
            decision.error == "access_denied"
            and request.user.is_authenticated
            and not decision.refusal  # not the patient's choice: a refused single sign-on
        ):
            services.record_decline(request.user, authz.service, request=request)
        return _redirect_error(authz, decision.error, decision.description)
    if decision.action == "sign_in":
        response = require_sign_in(
            request,
            authz.path,
            force=decision.force,
            passkey=decision.passkey,
            second_factor=decision.second_factor,
        )
        # allow_registration=false: the sign-in pages hide "create an NHS login" links.
        request.session[ALLOW_REGISTRATION_SESSION_KEY] = authz.allow_registration
        if decision.force:
            authorization.mark_forced_sign_in(request, authz)
        # A forced sign-in began a new session: what the assertion named goes with it.
        authorization.remember_asserted_sign_in(request, authz, decision)
        return response
    if decision.action == "uplift":
        authorization.mark_uplift(request, authz, decision.level)
        return start_uplift(
            request, decision.level, return_to=authz.path, service_name=authz.service.name
        )
    if decision.action == "consent":
        return _consent_page(request, authz, decision)
    return _issue(request, authz, decision)


def _record_refused_single_sign_on(request, authz, decision) -> None:
    """Audit a single sign-on refused because the patient the assertion named is not the
    one signed in here, or not by the session that signed in (ADR 0067)."""
    asserted = decision.asserted
    if asserted and decision.refusal in ("another_patient", "another_session"):
        services.record_single_sign_on_refused(
            asserted["user"],
            authz.service,
            from_service=asserted["from"],
            reason=decision.refusal,
            request=request,
        )


def _issue(request, authz, decision) -> HttpResponse:
    authorization.forget(request, authz)
    location = authorization.issue_code(request, authz, decision.vector)
    if decision.single_sign_on_from:
        services.record_single_sign_on(
            request.user,
            authz.service,
            from_service=decision.single_sign_on_from,
            vot=decision.vector.text,
            request=request,
        )
    else:
        services.record_sign_in(
            request.user, authz.service, vot=decision.vector.text, request=request
        )
    return redirect(location)


def _consent_page(request, authz, decision, form=None, status=200) -> HttpResponse:
    if form is None:
        token = signing.dumps(
            {"q": authz.query, "u": request.user.pk}, salt=CONSENT_SALT, compress=True
        )
        form = ConsentForm(initial={"request": token})
    descriptions = [claim_rules.CLAIM_DESCRIPTIONS[c] for c in decision.shared_claims]
    return render(
        request,
        "connected_services/consent.jinja",
        {"form": form, "service": authz.service, "shared": descriptions, "authz": authz},
        status=status,
    )


@never_cache
@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    """The patient's answer on the consent page: share (a code) or not (access_denied)."""
    from django.http import QueryDict

    form = ConsentForm(request.POST)
    try:
        data = signing.loads(
            request.POST.get("request", ""), salt=CONSENT_SALT, max_age=CONSENT_MAX_AGE
        )
    except signing.BadSignature:
        return render(request, "connected_services/consent_expired.jinja", status=400)
    if not request.user.is_authenticated or data.get("u") != request.user.pk:
        return render(request, "connected_services/consent_expired.jinja", status=400)
    try:
        authz = authorization.parse(QueryDict(data["q"]))
    except authorization.AuthorizeError as error:
        if not error.redirect:
            return _error_page(request, error)
        return _redirect_error(error, error.error, error.description)
    decision = authorization.decide(request, authz)
    if decision.action not in ("consent", "issue"):
        return _continue(request, authz)
    if not form.is_valid():
        return _consent_page(request, authz, decision, form=form, status=400)
    if form.cleaned_data["decision"] == "no":
        authorization.forget(request, authz)
        services.record_decline(request.user, authz.service, request=request)
        return _redirect_error(authz, "access_denied")
    services.record_consent(
        request.user,
        authz.service,
        scopes=authz.scopes,
        claims=decision.shared_claims,
        level=decision.vector.level,
        request=request,
    )
    return _issue(request, authz, decision)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _token_error(error: str, description: str, status: int = 400) -> HttpResponse:
    return _no_store(
        JsonResponse({"error": error, "error_description": description}, status=status)
    )


# What an error answer from /token or /revoke says when the check that failed gave no
# description (a safety net: every check in connected_services.oidc gives one).
GENERIC_DESCRIPTIONS = {
    "invalid_request": "the request is missing a parameter or repeats one",
    "invalid_client": "client authentication failed",
    "invalid_grant": "the code or refresh token is not valid",
    "unauthorized_client": "this client may not use this grant",
    "unsupported_grant_type": "use authorization_code or refresh_token",
    "invalid_scope": "the scope is not valid",
    "unsupported_token_type": "the token type is not supported",
}


def _oauth_response(request, headers: dict, body: str, status: int) -> HttpResponse:
    """oauthlib's answer as a response, with the error rules of INTERFACE.md.

    RFC 6749 section 5.2: ``invalid_client`` is 401, and challenges with the scheme the client
    used: ``Basic`` for an Authorization: Basic header, none at all for credentials in the
    body (``client_assertion``). oauthlib gives every 401 a ``Bearer`` challenge, which
    clients such as openid-client take for a resource server's answer and so hide the error.
    Every error carries an ``error_description``."""
    if status >= 400:
        body = _with_description(body)
    response = HttpResponse(body or "", status=status, content_type="application/json")
    for name, value in headers.items():
        if name.lower() not in ("content-type", "www-authenticate"):
            response[name] = value
    if status == 401:
        scheme = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[0]
        if scheme.lower() == "basic":
            response["WWW-Authenticate"] = f'Basic realm="{_issuer()}"'
    return _no_store(response)


def _with_description(body: str) -> str:
    try:
        error = json.loads(body or "{}")
    except ValueError:
        return body
    if isinstance(error, dict) and error.get("error") and not error.get("error_description"):
        error["error_description"] = GENERIC_DESCRIPTIONS.get(error["error"], error["error"])
        return json.dumps(error)
    return body


@lean_endpoint
@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint: authorization_code and refresh_token grants, private_key_jwt."""
    grant_type = request.POST.get("grant_type")
    if not grant_type:
        return _token_error("invalid_request", "grant_type is required")
    if grant_type not in ("authorization_code", "refresh_token"):
        return _token_error("unsupported_grant_type", "use authorization_code or refresh_token")
    _uri, headers, body, status = token_endpoint_core().create_token_response(request)
    return _oauth_response(request, headers, body, status)


def _bearer_error(error: str, status: int, description: str = "") -> HttpResponse:
    response = JsonResponse(
        {"error": error, **({"error_description": description} if description else {})},
        status=status,
    )
    challenge = f'Bearer realm="{_issuer()}", error="{error}"'
    if description:
        challenge += f', error_description="{description}"'
    response["WWW-Authenticate"] = challenge
    return _no_store(response)


def _bearer_token(request) -> tuple[str | None, HttpResponse | None]:
    if "access_token" in request.GET:
        # RFC 9700 section 4.3.2: a token in a URL ends up in logs and browser history, so it
        # is never accepted there, not even beside a good header (DOT's setting
        # COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT says the same for its own views).
        return None, _bearer_error(
            "invalid_request", 400, "Send the access token in the Authorization header, not the URL"
        )
    header = request.META.get("HTTP_AUTHORIZATION", "")
    in_body = request.method == "POST" and "access_token" in request.POST
    if header and in_body:
        return None, _bearer_error("invalid_request", 400, "Send the access token once")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, _bearer_error("invalid_request", 400, "Use the Bearer scheme")
        return value.strip(), None
    if in_body:
        return request.POST["access_token"], None
    response = HttpResponse(status=401)
    response["WWW-Authenticate"] = f'Bearer realm="{_issuer()}"'
    return None, _no_store(response)


@lean_endpoint
@csrf_exempt
@require_http_methods(["GET", "POST", "PATCH"])
def userinfo(request: HttpRequest) -> HttpResponse:
    """Claims about the patient for a bearer access token; PATCH sets client_user_metadata."""
    raw, problem = _bearer_token(request)
    if problem:
        return problem
    checksum = hashlib.sha256(raw.encode()).hexdigest()
    access_token = bearer_token(checksum)
    if access_token is None or access_token.is_expired() or not access_token.user.is_active:
        return _bearer_error("invalid_token", 401, "The access token is not valid")
    scopes = access_token.scope.split()
    if "openid" not in scopes:
        return _bearer_error("insufficient_scope", 403, "The openid scope is needed")
    service, user = access_token.application, access_token.user
    if request.method == "PATCH":
        return _patch_metadata(request, user, service, scopes)
    metadata = ""
    if "client_metadata" in scopes:
        metadata = (
            Consent.objects.filter(user_id=user.pk, service_id=service.pk)
            .values_list("client_user_metadata", flat=True)
            .first()
            or ""
        )
    claims = {"iss": _issuer(), "aud": service.client_id, "sub": str(user.sub)}
    claims.update(claim_rules.claims_for(user, scopes, service=service, metadata=metadata))
    return _no_store(JsonResponse(claims))


def _patch_metadata(request, user, service, scopes) -> HttpResponse:
    if "client_metadata" not in scopes:
        return _bearer_error("insufficient_scope", 403, "The client_metadata scope is needed")
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return _bearer_error("invalid_request", 400, "The body must be JSON")
    value = body.get("client_user_metadata") if isinstance(body, dict) else None
    if not isinstance(value, str) or len(value) > 1024:
        return _bearer_error(
            "invalid_request", 400, "client_user_metadata must be text of 1024 characters or fewer"
        )
    services.set_client_user_metadata(user, service, value)
    return _no_store(HttpResponse(status=204))


@lean_endpoint
@csrf_exempt
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    """Token revocation (RFC 7009), with the same client authentication as /token."""
    _uri, headers, body, status = oauthlib_core().create_revocation_response(request)
    return _oauth_response(request, headers, body, status)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def end_session(request: HttpRequest) -> HttpResponse:
    """RP-initiated logout: sign the patient out, then go back to the service if it asked to
    and registered that address."""
    query = request.POST if request.method == "POST" else request.GET
    target = query.get("post_logout_redirect_uri", "")
    client_id = query.get("client_id", "")
    hint = query.get("id_token_hint", "")
    if hint and not client_id:
        client_id = _audience_of(hint)
    service = Service.objects.filter(client_id=client_id).first() if client_id else None
    if request.user.is_authenticated:
        logout(request)
    if target and service and target in service.post_logout_redirect_uris.split():
        state = query.get("state")
        if state:
            from django.utils.http import urlencode

            target = f"{target}?{urlencode({'state': state})}"
        return redirect(target)
    return render(request, "connected_services/signed_out.jinja", {"service": service})


def _audience_of(id_token: str) -> str:
    """The client an ID token we issued was for (the signature is checked)."""
    from jwcrypto import jwk, jwt

    try:
        keyset = jwk.JWKSet.from_json(json.dumps(keys.published_jwks()))
        checked = jwt.JWT(jwt=id_token, key=keyset, algs=["RS512", "RS256"], check_claims=False)
        audience = json.loads(checked.claims).get("aud")
    except Exception:
        return ""
    if isinstance(audience, list):
        audience = audience[0] if audience else ""
    return audience if isinstance(audience, str) else ""
