"""Our synthetic patients served in the PDS FHIR R4 shape, outside production only.

``/fake-pds/FHIR/R4/Patient`` (search) and ``/fake-pds/FHIR/R4/Patient/{nhs_number}`` (read)
take the same parameters and give the same bundles and errors as PDS, so the real client
(``fhir.PdsFhirClient``) is tested end to end over a socket, and the demo can run either way.

``/fake-pds/oauth2/token`` stands in for NHS England's token endpoint (signed JWT
authentication): it checks the client assertion against the application configured here
(``PDS_API_KEY``, ``PDS_KEY_ID`` and the public half of ``PDS_PRIVATE_KEY_FILE``) and issues
tokens that last 599 seconds. The Patient endpoints refuse (401) a token this fake issued once
it has expired; other tokens, or none, are let through so that the demo needs no set-up.
"""

import datetime
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException

from verification.demographics import local
from verification.demographics.fhir_shape import (
    operation_outcome,
    patient_resource,
    search_bundle,
)
from verification.demographics.normalise import display_name, postcode

FHIR_JSON = "application/fhir+json"


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, content_type=FHIR_JSON)
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, code: str, spine_code: str, display: str) -> JsonResponse:
    return _json(operation_outcome(code, spine_code, display), status)


def _enabled():
    if not settings.FAKE_PDS_ENABLED:
        raise Http404


def _missing_request_id(request: HttpRequest) -> JsonResponse | None:
    if not request.headers.get("X-Request-ID"):
        return _error(400, "value", "MISSING_VALUE", "Missing value - 'X-Request-ID'")
    if _expired_token(request):
        return _error(401, "forbidden", "ACCESS_DENIED", "Access Token expired or invalid")
    return None


TOKEN_PREFIX = "fake-pds-"
TOKEN_LIFETIME = 599
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _expired_token(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not token.startswith(TOKEN_PREFIX):
        return False
    return cache.get(f"fake-pds-token:{token}") is None


def _oauth_error(status: int, error: str, description: str) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    """``POST oauth2/token``: a client assertion (RS512, ``kid``, ``iss`` = ``sub`` = the API
    key, ``aud`` = this URL, a single-use ``jti``, at most 5 minutes to live) for a token."""
    _enabled()
    form = request.POST
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != JWT_BEARER or not form.get("client_assertion"):
        return _oauth_error(400, "invalid_request", "Missing or invalid client_assertion")
    if not (settings.PDS_API_KEY and settings.PDS_KEY_ID and settings.PDS_PRIVATE_KEY_FILE):
        return _oauth_error(401, "invalid_client", "No application is registered")
    public = jwk.JWK.from_pem(Path(settings.PDS_PRIVATE_KEY_FILE).read_bytes()).public()
    try:
        header = jws.JWS()
        header.deserialize(form["client_assertion"])
        if header.jose_header.get("kid") != settings.PDS_KEY_ID:
            return _oauth_error(401, "invalid_request", "Invalid 'kid' header in JWT")
        checked = jwt.JWT(
            jwt=form["client_assertion"],
            key=public,
            algs=["RS512"],
            check_claims={
                "iss": settings.PDS_API_KEY,
                "sub": settings.PDS_API_KEY,
                "aud": request.build_absolute_uri(request.path),
                "exp": None,
                "jti": None,
            },
        )
    except (JWException, ValueError):
        return _oauth_error(401, "invalid_request", "Malformed JWT or invalid signature")
    claims = jwt.json_decode(checked.claims)
    if claims["exp"] > time.time() + 300 + 5:
        return _oauth_error(
            400, "invalid_request", "Invalid exp claim in JWT - more than 5 minutes in future"
        )
    if not cache.add(f"fake-pds-jti:{claims['jti']}", 1, timeout=600):
        return _oauth_error(400, "invalid_request", "Non-unique jti claim in JWT")
    issued = TOKEN_PREFIX + secrets.token_urlsafe(24)
    cache.set(f"fake-pds-token:{issued}", 1, timeout=TOKEN_LIFETIME)
    response = JsonResponse(
        {
            "access_token": issued,
            "expires_in": str(TOKEN_LIFETIME),
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def read_patient(request: HttpRequest, nhs_number: str) -> JsonResponse:
    """``GET Patient/{nhs_number}``: the record, or 404 RESOURCE_NOT_FOUND."""
    _enabled()
    if error := _missing_request_id(request):
        return error
    if not re.fullmatch(r"\d{10}", nhs_number):
        return _error(400, "value", "INVALID_RESOURCE_ID", "Resource Id is invalid")
    record = local.find_by_nhs_number(nhs_number)
    if record is None:
        return _error(404, "not-found", "RESOURCE_NOT_FOUND", "Resource not found")
    return _json(patient_resource(record))


@require_GET
def search_patients(request: HttpRequest) -> JsonResponse:
    """``GET Patient?family=&given=&birthdate=eqYYYY-MM-DD&address-postalcode=``."""
    _enabled()
    if error := _missing_request_id(request):
        return error
    params = request.GET
    family = display_name(params.get("family", ""))
    given = display_name(params.get("given", ""))
    birthdate = params.get("birthdate", "")
    if birthdate.startswith("eq"):
        birthdate = birthdate[2:]
    try:
        birth_date = datetime.date.fromisoformat(birthdate)
    except ValueError:
        return _error(400, "value", "INVALID_SEARCH_DATA", "Invalid search data provided")
    try:
        max_results = int(params.get("_max-results", "1"))
    except ValueError:
        max_results = 0
    if not 1 <= max_results <= 50:
        return _error(400, "value", "INVALID_VALUE", "Invalid value - '_max-results'")
    if not family or not given:
        return _error(400, "value", "INVALID_SEARCH_DATA", "Invalid search data provided")
    found = local.search_by_name(
        given,
        family,
        birth_date,
        postcode(params.get("address-postalcode", "")) or "",
        limit=max_results + 1,
    )
    if len(found) > max_results:
        # PDS answers 200 with an OperationOutcome (not a bundle) for "more than one".
        return _json(
            operation_outcome(
                "multiple-matches", "TOO_MANY_MATCHES", "Too Many Matches", "information"
            )
        )
    base_url = request.build_absolute_uri("/fake-pds/FHIR/R4").rstrip("/")
    return _json(search_bundle(found, base_url))
