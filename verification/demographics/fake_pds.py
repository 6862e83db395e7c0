"""Our synthetic patients served in the PDS FHIR R4 shape, outside production only.

``/fake-pds/FHIR/R4/Patient`` (search) and ``/fake-pds/FHIR/R4/Patient/{nhs_number}`` (read)
take the same parameters and give the same bundles and errors as PDS, so the real client
(``fhir.PdsFhirClient``) is tested end to end over a socket, and the demo can run either way.
"""

import datetime
import re

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

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
    return None


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
