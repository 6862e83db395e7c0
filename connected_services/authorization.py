"""The authorization request: checking it, and deciding what the patient must do next.

``parse`` checks a request exactly as INTERFACE.md says (a bad ``client_id`` or
``redirect_uri`` is never redirected to); ``decide`` looks at the signed-in patient and says
whether to sign in (again), prove who they are, agree to share, or receive a code.

Single sign-on between services (``asserted_login_identity``, ADR 0067): an assertion names
the sign-in another service saw; ``decide`` honours it only in the browser session that
signed in, for the same patient, and otherwise answers ``sso_login_required``.
"""

import hashlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.functional import cached_property
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from accounts.authentication import current_authentication
from accounts.models import ProofingLevel
from connected_services import claims as claim_rules
from connected_services.models import Consent, Service
from connected_services.oidc import asserted_login
from connected_services.vectors import DEFAULT_VTR, Vector, VectorError, parse_vtr

PROMPTS = ("", "none", "login")
DISPLAYS = ("", "page", "touch")
SESSION_KEY = "oidc_authorizations"


class AuthorizeError(Exception):
    """An authorization request we refuse. ``redirect`` is False for a bad client or
    redirect URI: those get an error page, never a redirect."""

    def __init__(self, error: str, description: str = "", *, redirect: bool = True):
        super().__init__(description or error)
        self.error = error
        self.description = description
        self.redirect = redirect


@dataclass
class AuthorizationRequest:
    service: Service
    redirect_uri: str
    state: str
    nonce: str
    scopes: list[str]
    vectors: list[Vector]
    prompt: str
    display: str
    allow_registration: bool
    code_challenge: str
    code_challenge_method: str
    params: dict = field(default_factory=dict)
    # OpenID Connect ``max_age``: the most seconds since the patient signed in (None: any).
    max_age: int | None = None
    # Single sign-on: the JWT another service signed (ADR 0067), or "".
    asserted_login_identity: str = ""

    @cached_property
    def query(self) -> str:
        return urlencode(sorted(self.params.items()))

    @property
    def path(self) -> str:
        """This request as a GET path on our site (where sign-in and uplift return to)."""
        return f"/authorize?{self.query}"

    @cached_property
    def rid(self) -> str:
        return hashlib.sha256(self.query.encode()).hexdigest()[:24]

    @property
    def lowest_level(self) -> str:
        return min((v.level for v in self.vectors), key=ProofingLevel.rank)


def error_redirect_url(redirect_uri: str, error: str, state: str = "", description: str = ""):
    params = {"error": error}
    if description:
        params["error_description"] = description
    if state:
        params["state"] = state
    return f"{redirect_uri}?{urlencode(params)}"


def parse(query) -> AuthorizationRequest:
    """Check an authorization request (a QueryDict). Raises ``AuthorizeError``."""
    params = {}
    repeated = False
    for key, values in query.lists():
        params[key] = values[-1]
        repeated = repeated or len(values) > 1

    client_id = params.get("client_id", "")
    service = Service.objects.filter(client_id=client_id).first() if client_id else None
    if service is None:
        raise AuthorizeError("invalid_client", "Unknown client_id", redirect=False)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or redirect_uri not in service.redirect_uris.split():
        raise AuthorizeError("invalid_request", "Unregistered redirect_uri", redirect=False)
    state = params.get("state", "")

    def refuse(error, description):
        err = AuthorizeError(error, description)
        err.redirect_uri, err.state = redirect_uri, state
        return err

    if repeated:
        raise refuse("invalid_request", "A parameter was repeated")
    response_type = params.get("response_type", "")
    if not response_type:
        raise refuse("invalid_request", "response_type is required")
    if response_type != "code":
        raise refuse("unsupported_response_type", "Only response_type=code is supported")
    if not service.is_live or not service.assured:
        raise refuse("unauthorized_client", "This service is not live")
    if params.get("response_mode", "query") != "query":
        raise refuse("invalid_request", "Only response_mode=query is supported")
    if "request" in params or "request_uri" in params:
        raise refuse("invalid_request", "Request objects are not supported")
    if not state:
        raise refuse("invalid_request", "state is required")
    if not params.get("nonce"):
        raise refuse("invalid_request", "nonce is required")
    if "scope" not in params or not params["scope"].strip():
        raise refuse("invalid_request", "scope is required")
    scopes = params["scope"].split()
    if "openid" not in scopes:
        raise refuse("invalid_scope", "scope must contain openid")
    unknown = [s for s in scopes if s not in claim_rules.SCOPES]
    if unknown:
        raise refuse("invalid_scope", "Unknown scope")
    if "profile" in scopes and "basic_demographics" in scopes:
        raise refuse("invalid_scope", "profile cannot be asked for with basic_demographics")
    if not set(scopes) <= set(service.scope_list):
        raise refuse("invalid_scope", "A scope is not registered for this client")
    if "gp_integration_credentials" in scopes and not service.allow_gp_integration_credentials:
        raise refuse("invalid_scope", "This client may not ask for gp_integration_credentials")
    prompt = params.get("prompt", "")
    if prompt not in PROMPTS:
        raise refuse("invalid_request", "prompt must be none or login")
    display = params.get("display", "")
    if display not in DISPLAYS:
        raise refuse("invalid_request", "display must be page or touch")
    max_age = params.get("max_age")
    if max_age is not None:
        if not max_age.isascii() or not max_age.isdigit() or len(max_age) > 10:
            raise refuse("invalid_request", "max_age must be a whole number of seconds")
        max_age = int(max_age)
    asserted = params.get("asserted_login_identity", "")
    if "asserted_login_identity" in params and prompt not in ("none", "login"):
        raise refuse("invalid_request", "asserted_login_identity needs prompt=none or login")
    registered = set(service.vector_list)
    try:
        vectors = parse_vtr(params.get("vtr"))
    except VectorError as error:
        raise refuse("invalid_request", str(error)) from error
    if "vtr" in params:
        if any(v.text not in registered for v in vectors):
            raise refuse("invalid_request", "A vector of trust is not registered for this client")
    else:
        vectors = [v for v in vectors if v.text in registered]
        if not vectors:
            raise refuse(
                "invalid_request",
                f"vtr is required: the default {DEFAULT_VTR} is not registered for this client",
            )
    code_challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "")
    if code_challenge and method != "S256":
        raise refuse("invalid_request", "code_challenge_method must be S256")
    if method and not code_challenge:
        raise refuse("invalid_request", "code_challenge is required with code_challenge_method")
    if service.client_type == Service.CLIENT_PUBLIC and not code_challenge:
        raise refuse("invalid_request", "A public client must use PKCE (S256)")
    return AuthorizationRequest(
        service=service,
        redirect_uri=redirect_uri,
        state=state,
        nonce=params["nonce"],
        scopes=scopes,
        vectors=vectors,
        prompt=prompt,
        display=display,
        allow_registration=params.get("allow_registration", "true") != "false",
        code_challenge=code_challenge,
        code_challenge_method=method,
        params=params,
        max_age=max_age,
        asserted_login_identity=asserted,
    )


@dataclass
class Decision:
    """What happens next: ``sign_in`` (force: again), ``uplift`` (level), ``consent``,
    ``issue`` (vector), or ``error`` (an OAuth error for the service)."""

    action: str
    description: str = ""  # error: the error_description, when it helps the service
    force: bool = False
    passkey: bool = False  # sign_in: only a passkey (Cm) meets what the service asked
    # sign_in: "Ck" (only an authenticator app's code meets it) or "Cd" (only a code by text
    # or call, or a remembered browser: an app's code would not); ADR 0016
    second_factor: str | None = None
    level: str = ""
    vector: Vector | None = None
    error: str = ""
    shared_claims: list[str] = field(default_factory=list)
    # What ``check_asserted_sign_in`` found (kept for this request in the session), and, on
    # ``issue``, the client_id of the service whose sign-in was used (single sign-on).
    asserted: dict | None = None
    single_sign_on_from: str = ""
    # A refused single sign-on: why (for the audit; the service gets no more than the error).
    refusal: str = ""


def _marks(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _mark(request, authz: AuthorizationRequest, **values) -> None:
    marks = dict(_marks(request))
    entry = dict(marks.get(authz.rid, {}))
    entry.update(values)
    marks[authz.rid] = entry
    # Keep the last few requests only.
    request.session[SESSION_KEY] = dict(list(marks.items())[-5:])


def mark_forced_sign_in(request, authz: AuthorizationRequest) -> None:
    """Remember that we sent the patient to sign in again for this request."""
    _mark(request, authz, forced_at=int(time.time()))


def mark_uplift(request, authz: AuthorizationRequest, level: str) -> None:
    _mark(request, authz, uplift=level)


def remember_asserted_sign_in(request, authz: AuthorizationRequest, decision: Decision) -> None:
    """Keep what the assertion named for this request, in this session (its jti is used up,
    so the request cannot check it again once the patient has signed in or agreed)."""
    if decision.asserted is not None:
        _mark(request, authz, asserted=decision.asserted)


def check_asserted_sign_in(request, authz: AuthorizationRequest) -> dict | None:
    """The sign-in this request's ``asserted_login_identity`` names, checked once per
    request and session: ``{"user", "session", "from"}``, ``{}`` when it names no ID token of
    ours that is still valid, None when the request has no assertion. Raises
    ``asserted_login.InvalidAssertion``."""
    if not authz.asserted_login_identity:
        return None
    kept = _marks(request).get(authz.rid, {}).get("asserted")
    if kept is not None:
        return kept
    named = asserted_login.verify(authz.asserted_login_identity)
    found = {}
    if named is not None:
        found = {
            "user": named.user_id,
            "session": named.session_digest,
            "from": named.service.client_id,
        }
    _mark(request, authz, asserted=found)
    return found


def forget(request, authz: AuthorizationRequest) -> None:
    marks = dict(_marks(request))
    if marks.pop(authz.rid, None) is not None:
        request.session[SESSION_KEY] = marks


def consent_needed(user, authz: AuthorizationRequest, vector: Vector, shared: list[str]) -> bool:
    consent = Consent.objects.filter(
        user=user, service=authz.service, withdrawn_at__isnull=True
    ).first()
    if consent is None:
        return True
    if ProofingLevel.rank(vector.level) > ProofingLevel.rank(consent.level):
        return True
    return not (set(shared) <= set(consent.claims) and set(authz.scopes) <= set(consent.scopes))


def _only_cm(vectors: list[Vector]) -> bool:
    """Every vector needs a passkey (``Cm``)."""
    return all("Cm" in v.credentials for v in vectors)


def _second_factor(vectors: list[Vector]) -> str | None:
    """What the password's second step must be for these vectors: "Ck" when every vector
    needs an authenticator app's code, "Cd" when none accepts it but one needs ``Cd`` (so a
    patient with an app is sent a text), else None (the patient's usual step)."""
    if all("Ck" in v.credentials for v in vectors):
        return "Ck"
    if not any("Ck" in v.credentials for v in vectors) and any(
        "Cd" in v.credentials for v in vectors
    ):
        return "Cd"
    return None


def decide(request, authz: AuthorizationRequest) -> Decision:
    """What the signed-in (or not) patient must do next for this authorization request."""
    try:
        asserted = check_asserted_sign_in(request, authz)
    except asserted_login.InvalidAssertion as error:
        return Decision("error", error="invalid_request", description=str(error))
    decision = _decide(request, authz, asserted)
    decision.asserted = asserted
    return decision


def _sso_refusal(request, asserted: dict) -> str:
    """Why ``prompt=none`` with an assertion cannot be honoured in this browser, or "".

    ADR 0067: the assertion alone never signs anyone in. The patient it names must be signed
    in here, by the very session that signed in for the ID token it names."""
    if not asserted:
        return "no_valid_id_token"
    if not request.user.is_authenticated:
        return "not_signed_in"
    if request.user.pk != asserted["user"]:
        return "another_patient"
    if asserted_login.session_digest(request) != asserted["session"]:
        return "another_session"
    return ""


def _decide(request, authz: AuthorizationRequest, asserted: dict | None) -> Decision:
    silent = authz.prompt == "none"
    user = request.user
    mark = _marks(request).get(authz.rid, {})
    # With an assertion, prompt=none that cannot be honoured is NHS login's sso_login_required.
    login_required = "login_required" if asserted is None else "sso_login_required"
    if asserted is not None and silent:
        refusal = _sso_refusal(request, asserted)
        if refusal:
            # Why stays in our audit: a service (or whoever holds a stolen assertion) learns
            # only that the patient must sign in.
            return Decision("error", error="sso_login_required", refusal=refusal)
    if asserted == {} and not silent:
        return Decision(
            "error",
            error="invalid_request",
            description="asserted_login_identity names no ID token that is still valid",
        )
    if not user.is_authenticated:
        if silent:
            return Decision("error", error=login_required)
        return Decision(
            "sign_in",
            force=authz.prompt == "login",
            passkey=_only_cm(authz.vectors),
            second_factor=_second_factor(authz.vectors),
        )
    authentication = current_authentication(request)
    forced_at = mark.get("forced_at")
    signed_in_again = (
        authentication is not None
        and forced_at is not None
        and authentication.auth_time >= forced_at
    )
    if authentication is None:
        if silent:
            return Decision("error", error=login_required)
        return Decision("sign_in", force=True)
    if authz.prompt == "login" and not signed_in_again:
        return Decision("sign_in", force=True)
    if asserted and not silent and user.pk != asserted["user"]:
        # prompt=login: whoever signed in again must be the patient the assertion names.
        return Decision(
            "error",
            error="access_denied",
            description="another patient signed in",
            refusal="another_patient",
        )
    too_old = (
        authz.max_age is not None
        and not signed_in_again
        and time.time() - authentication.auth_time > authz.max_age
    )
    if too_old:
        if silent:
            return Decision("error", error=login_required)
        return Decision(
            "sign_in",
            force=True,
            passkey=_only_cm(authz.vectors),
            second_factor=_second_factor(authz.vectors),
        )

    at_level = [v for v in authz.vectors if user.has_level(v.level)]
    if not at_level:
        if silent:
            return Decision(
                "error", error="interaction_required" if asserted is None else login_required
            )
        if mark.get("uplift"):
            return Decision("error", error="access_denied")
        level = "P5" if authz.lowest_level == "P5" else "P9"
        return Decision("uplift", level=level)

    strong_enough = [v for v in at_level if authentication.satisfies(set(v.credentials))]
    if not strong_enough:
        if silent:
            return Decision("error", error=login_required)
        if signed_in_again:
            return Decision("error", error="access_denied")
        return Decision(
            "sign_in",
            force=True,
            passkey=_only_cm(at_level),
            second_factor=_second_factor(at_level),
        )

    # The highest level satisfied; among equals, the service's order of preference.
    vector = max(strong_enough, key=lambda v: (v.rank, -strong_enough.index(v)))
    shared = claim_rules.shared_claim_names(user, authz.scopes, service=authz.service)
    if consent_needed(user, authz, vector, shared):
        if silent:
            return Decision("error", error="consent_required")
        return Decision("consent", vector=vector, shared_claims=shared)
    single_sign_on_from = asserted["from"] if asserted and silent else ""
    return Decision(
        "issue", vector=vector, shared_claims=shared, single_sign_on_from=single_sign_on_from
    )


def issue_code(request, authz: AuthorizationRequest, vector: Vector) -> str:
    """Create the authorization code through django-oauth-toolkit; the redirect URL."""
    from connected_services.oidc.server import oauthlib_server

    params = {
        "response_type": "code",
        "client_id": authz.service.client_id,
        "redirect_uri": authz.redirect_uri,
        "scope": " ".join(authz.scopes),
        "state": authz.state,
        "nonce": authz.nonce,
    }
    if authz.code_challenge:
        params["code_challenge"] = authz.code_challenge
        params["code_challenge_method"] = authz.code_challenge_method
    uri = f"/authorize?{urlencode(params)}"
    server = oauthlib_server()
    authentication = current_authentication(request)
    try:
        scopes, credentials = server.validate_authorization_request(uri, "GET", None, {})
        credentials.update(
            user=request.user,
            vot=vector.text,
            auth_time=authentication.auth_time if authentication else int(time.time()),
            session_digest=asserted_login.session_digest(request),
        )
        headers, _body, _status = server.create_authorization_response(
            uri, "GET", None, {}, scopes, credentials
        )
    except oauth_errors.OAuth2Error as error:
        return error_redirect_url(authz.redirect_uri, error.error, authz.state)
    return headers["Location"]
