"""A fake GOV.UK One Login: an OpenID Connect provider served over HTTP by this app, outside
production only (``FAKE_ONE_LOGIN_ENABLED``), so the real client (``provider``, ``client``,
``views``) is tested end to end and the demo needs no account with GOV.UK.

- discovery, JWKS (the ID token's RS256 key) and a DID document (the identity's ES256 key),
  keys made under ``DATA_DIR/fake-one-login/`` on first use;
- ``authorize``: a page where the person trying it chooses the One Login account, the identity
  (name, date of birth, postcode, and P2, P1 or none) and a fault to inject;
- ``token``: checks ``private_key_jwt`` (our client's public key, ``aud`` the token endpoint,
  single-use ``jti``) and the single-use code; signs the ID token with the nonce;
- ``userinfo``: with the bearer token, the ``coreIdentityJWT`` and address when asked for.

Codes, access tokens and used ``jti`` values live in the cache (Redis) for minutes.
"""

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from accounts.one_login.client import ASSERTION_TYPE
from accounts.one_login.keys import client_key, load_or_make_key
from accounts.one_login.provider import ADDRESS_CLAIM, CORE_IDENTITY_CLAIM

CODE_SECONDS = 300
ACCESS_TOKEN_SECONDS = 180
ID_TOKEN_SECONDS = 120
IDENTITY_SECONDS = 180
DID = "did:web:identity.fake-one-login"

FAULTS = [
    ("none", "None: everything is right"),
    ("identity_wrong_signature", "The identity is signed with the wrong key"),
    ("identity_wrong_audience", "The identity is for another service"),
    ("identity_expired", "The identity has expired"),
    ("identity_other_sub", "The identity is about another One Login account"),
    ("id_token_wrong_signature", "The ID token is signed with the wrong key"),
    ("id_token_wrong_nonce", "The ID token carries another request's nonce"),
    ("id_token_no_second_factor", "The sign-in used a password only (Cl)"),
]
LEVELS = [
    ("P2", "P2: identity checked to medium confidence"),
    ("P1", "P1: identity checked to low confidence"),
    ("none", "No identity"),
]


def _enabled():
    if not settings.FAKE_ONE_LOGIN_ENABLED:
        raise Http404


def _base(request) -> str:
    return request.build_absolute_uri(reverse("one_login:fake_one_login:discovery")).removesuffix(
        "/.well-known/openid-configuration"
    )


def _issuer(request) -> str:
    return _base(request) + "/"


def _key(name: str, make) -> jwk.JWK:
    key = load_or_make_key(settings.DATA_DIR / "fake-one-login" / f"{name}.pem", make)
    data = key.export(private_key=True, as_dict=True)
    return jwk.JWK(**{**data, "kid": key.thumbprint()})


def id_token_key() -> jwk.JWK:
    return _key("id-token-key", lambda: jwk.JWK.generate(kty="RSA", size=2048))


def identity_key() -> jwk.JWK:
    return _key("identity-key", lambda: jwk.JWK.generate(kty="EC", crv="P-256"))


def _identity_kid() -> str:
    return f"{DID}#{identity_key().thumbprint()}"


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _error(error: str, description: str, status: int = 400) -> JsonResponse:
    return _json({"error": error, "error_description": description}, status)


def discovery(request: HttpRequest) -> JsonResponse:
    _enabled()
    base = _base(request)
    return _json(
        {
            "issuer": _issuer(request),
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "scopes_supported": ["openid", "email", "phone"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS512"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "subject_types_supported": ["pairwise"],
            "claims_supported": ["sub", "email", CORE_IDENTITY_CLAIM, ADDRESS_CLAIM],
            "vtr_values_supported": ["Cl.Cm", "P2.Cl.Cm"],
        }
    )


def jwks(request: HttpRequest) -> JsonResponse:
    _enabled()
    return _json({"keys": [id_token_key().export_public(as_dict=True)]})


def did(request: HttpRequest) -> JsonResponse:
    _enabled()
    public = identity_key().export_public(as_dict=True)
    public.pop("kid", None)
    return _json(
        {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": DID,
            "assertionMethod": [
                {
                    "type": "JsonWebKey",
                    "id": _identity_kid(),
                    "controller": DID,
                    "publicKeyJwk": public,
                }
            ],
        }
    )


def _redirect_uri_allowed(redirect_uri: str) -> bool:
    """Our callback on this site, or (tests, another port) on a host this site answers to."""
    callback = reverse("one_login:callback")
    if redirect_uri == f"{settings.SITE_URL}{callback}":
        return True
    parts = urlsplit(redirect_uri)
    return (
        parts.scheme == "http"
        and parts.hostname in settings.ALLOWED_HOSTS
        and parts.path == callback
        and not parts.query
    )


class IdentityForm(forms.Form):
    """What the person trying the fake chooses."""

    account = forms.EmailField(
        label="One Login account (an email address)",
        help_text="The same address gives the same One Login account every time.",
        error_messages={
            "required": "Enter an email address for the One Login account",
            "invalid": "Enter an email address, like name@example.com",
        },
    )
    level = forms.ChoiceField(
        label="Identity",
        choices=LEVELS,
        widget=forms.RadioSelect,
        initial="P2",
        error_messages={"required": "Choose an identity level"},
    )
    given_name = forms.CharField(label="Given name", required=False, max_length=100)
    family_name = forms.CharField(label="Family name", required=False, max_length=100)
    birth_date = forms.DateField(
        label="Date of birth",
        required=False,
        help_text="For example, 1990-04-27",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the date of birth like 1990-04-27"},
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    fault = forms.ChoiceField(
        label="Fault to inject",
        choices=FAULTS,
        widget=forms.RadioSelect,
        initial="none",
        error_messages={"required": "Choose a fault, or none"},
    )

    def clean(self):
        data = super().clean()
        if data.get("level") in ("P1", "P2"):
            for field in ("given_name", "family_name", "birth_date", "postcode"):
                if not data.get(field) and field not in self.errors:
                    label = self.fields[field].label.lower()
                    self.add_error(field, f"Enter the {label} of the identity")
        return data


def authorize(request: HttpRequest) -> HttpResponse:
    """The authorization endpoint: a bad client or redirect URI gets an error page; otherwise
    the person chooses an identity and is sent back with a single-use code."""
    _enabled()
    params = request.POST if request.method == "POST" else request.GET
    request_params = {
        name: params.get(name, "")
        for name in (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "nonce",
            "vtr",
            "claims",
            "code_challenge",
            "code_challenge_method",
        )
    }
    if request_params["client_id"] != settings.ONE_LOGIN_CLIENT_ID or not _redirect_uri_allowed(
        request_params["redirect_uri"]
    ):
        return render(request, "accounts/one_login/fake_error.jinja", status=400)
    if request_params["response_type"] != "code" or "openid" not in request_params["scope"].split():
        return _back(request_params, {"error": "invalid_request"})
    if not request_params["nonce"] or not request_params["state"]:
        return _back(request_params, {"error": "invalid_request"})
    if request.method == "POST" and "cancel" in request.POST:
        return _back(request_params, {"error": "access_denied"})
    identity_asked = "P2" in request_params["vtr"]
    form = IdentityForm(
        request.POST if request.method == "POST" else None,
        initial={"level": "P2" if identity_asked else "none"},
    )
    if request.method == "POST" and form.is_valid():
        code = secrets.token_urlsafe(32)
        data = form.cleaned_data
        cache.set(
            f"fake-one-login:code:{code}",
            {
                **request_params,
                "account": data["account"].lower(),
                "level": data["level"],
                "given_name": data["given_name"],
                "family_name": data["family_name"],
                "birth_date": data["birth_date"].isoformat() if data["birth_date"] else "",
                "postcode": data["postcode"],
                "fault": data["fault"],
            },
            CODE_SECONDS,
        )
        return _back(request_params, {"code": code})
    return render(
        request,
        "accounts/one_login/fake_authorize.jinja",
        {"form": form, "request_params": request_params, "identity_asked": identity_asked},
    )


def _back(request_params: dict, answer: dict) -> HttpResponseRedirect:
    answer = {**answer, "state": request_params["state"]}
    return HttpResponseRedirect(f"{request_params['redirect_uri']}?{urlencode(answer)}")


def _sub(account: str) -> str:
    digest = hashlib.sha256(f"fake-one-login:{account}".encode()).digest()
    return "urn:fdc:gov.uk:2022:" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _sign(claims: dict, key: jwk.JWK, alg: str, kid: str) -> str:
    token = jwt.JWT(header={"alg": alg, "kid": kid, "typ": "JWT"}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def _client_authenticated(request) -> str | None:
    """Why the client assertion is refused, or None when it is good."""
    if request.POST.get("client_assertion_type") != ASSERTION_TYPE:
        return "client_assertion_type"
    try:
        public = jwk.JWK(**client_key().export_public(as_dict=True))
        parsed = jwt.JWT(
            jwt=request.POST.get("client_assertion", ""), key=public, algs=["RS256", "RS512"]
        )
        claims = json.loads(parsed.claims)
    except (JWException, ValueError, TypeError):
        return "signature"
    client_id = settings.ONE_LOGIN_CLIENT_ID
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        return "issuer"
    if claims.get("aud") != f"{_base(request)}/token":
        return "audience"
    if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time():
        return "expired"
    jti = claims.get("jti")
    if not jti or not cache.add(f"fake-one-login:jti:{jti}", 1, 600):
        return "replayed"
    return None


@csrf_exempt
def token(request: HttpRequest) -> JsonResponse:
    """The token endpoint: ``private_key_jwt`` and a single-use code."""
    _enabled()
    if request.method != "POST":
        return _error("invalid_request", "POST only", 405)
    refused = _client_authenticated(request)
    if refused:
        return _error("invalid_client", f"client assertion refused: {refused}", 401)
    if request.POST.get("grant_type") != "authorization_code":
        return _error("unsupported_grant_type", "authorization_code only")
    code_key = f"fake-one-login:code:{request.POST.get('code', '')}"
    grant = cache.get(code_key)
    cache.delete(code_key)
    if grant is None or grant["redirect_uri"] != request.POST.get("redirect_uri"):
        return _error("invalid_grant", "unknown, used or expired code")
    if grant["code_challenge"]:  # PKCE, S256 only
        verifier = request.POST.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if grant["code_challenge_method"] != "S256" or not secrets.compare_digest(
            expected, grant["code_challenge"]
        ):
            return _error("invalid_grant", "code_verifier does not match")
    now = int(time.time())
    sub = _sub(grant["account"])
    access_token = secrets.token_urlsafe(32)
    cache.set(f"fake-one-login:access:{access_token}", {**grant, "sub": sub}, ACCESS_TOKEN_SECONDS)
    fault = grant["fault"]
    claims = {
        "iss": _issuer(request),
        "sub": sub,
        "aud": grant["client_id"],
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "nonce": secrets.token_urlsafe(16) if fault == "id_token_wrong_nonce" else grant["nonce"],
        "vot": "Cl" if fault == "id_token_no_second_factor" else "Cl.Cm",
        "vtm": f"{_base(request)}/trustmark",
        "sid": secrets.token_urlsafe(16),
    }
    key = id_token_key()
    signing_key = (
        jwk.JWK.generate(kty="RSA", size=2048) if fault == "id_token_wrong_signature" else key
    )
    return _json(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
            "id_token": _sign(claims, signing_key, "RS256", key["kid"]),
        }
    )


@csrf_exempt
def userinfo(request: HttpRequest) -> JsonResponse:
    """Userinfo: the ``sub``, the email of the fake account, and when the request asked for
    them and the person chose an identity, the ``coreIdentityJWT`` and the address."""
    _enabled()
    scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
    grant = cache.get(f"fake-one-login:access:{access_token}") if scheme == "Bearer" else None
    if grant is None:
        response = _error("invalid_token", "unknown or expired access token", 401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    body = {"sub": grant["sub"], "email": grant["account"], "email_verified": True}
    if CORE_IDENTITY_CLAIM in grant["claims"] and grant["level"] != "none":
        body[CORE_IDENTITY_CLAIM] = _identity_jwt(grant)
    if ADDRESS_CLAIM in grant["claims"] and grant["postcode"]:
        body[ADDRESS_CLAIM] = [
            {"postalCode": grant["postcode"], "addressCountry": "GB", "validFrom": "2020-01-01"}
        ]
    return _json(body)


def _identity_jwt(grant: dict) -> str:
    now = int(time.time())
    fault = grant["fault"]
    claims = {
        "iss": settings.ONE_LOGIN_IDENTITY_ISSUER,
        "sub": _sub("someone-else") if fault == "identity_other_sub" else grant["sub"],
        "aud": "another-service" if fault == "identity_wrong_audience" else grant["client_id"],
        "nbf": now - 5,
        "iat": now - 5,
        "exp": now - 600 if fault == "identity_expired" else now + IDENTITY_SECONDS,
        "vot": grant["level"],
        "vtm": "https://oidc.fake-one-login/trustmark",
        "vc": {
            "type": ["VerifiableCredential", "IdentityCheckCredential"],
            "credentialSubject": {
                "name": [
                    {
                        "nameParts": [
                            {"type": "GivenName", "value": grant["given_name"]},
                            {"type": "FamilyName", "value": grant["family_name"]},
                        ]
                    }
                ],
                "birthDate": [{"value": grant["birth_date"]}],
            },
        },
    }
    key = identity_key()
    signing_key = (
        jwk.JWK.generate(kty="EC", crv="P-256") if fault == "identity_wrong_signature" else key
    )
    return _sign(claims, signing_key, "ES256", _identity_kid())
