"""``POST /provisioning/v1/patients``: a connected service asks for a login for a patient.

Authenticated with ``private_key_jwt`` as at ``/token`` (``client_assertion`` in the JSON body,
``aud`` this endpoint's URL, single-use ``jti``), by a service registered for provisioning.
Every answer is JSON ``{"error", "error_description"}`` or, on success, the request's id;
docs/provisioning-api.md is the reference. The answer to accepted details is the same whether
or not the patient already has a login.
"""

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from connected_services.oidc import client_assertion
from verification.models import ProvisioningOrganisation
from verification.provisioning import services
from verification.provisioning.forms import PatientDetailsForm

PATIENT_FIELDS = list(PatientDetailsForm.base_fields)
RETRY_AFTER_SECONDS = 60

REFUSALS = {
    services.Answer.NOT_REGISTERED: (
        403,
        "organisation_not_registered",
        "this organisation is not registered for provisioning, or is disabled",
    ),
    services.Answer.ORGANISATION_LIMIT: (
        429,
        "too_many_requests",
        "this organisation has sent as many requests as it may in 24 hours",
    ),
    services.Answer.NHS_NUMBER_LIMIT: (
        429,
        "too_many_requests",
        "too many requests for this NHS number lately",
    ),
    services.Answer.TOO_YOUNG: (
        422,
        "too_young",
        "the patient is under the minimum age for a high level of proof",
    ),
    services.Answer.NOT_MATCHED: (
        422,
        "details_not_matched",
        "the details do not match exactly one NHS record with this NHS number and mobile number",
    ),
    services.Answer.UNAVAILABLE: (
        503,
        "temporarily_unavailable",
        "the NHS record could not be checked now; nothing was stored; send the request again",
    ),
}


def endpoint_url() -> str:
    """The URL a client assertion for this endpoint must name as its ``aud``."""
    return f"{settings.OIDC_ISSUER}{reverse('provisioning:api_patients')}"


def _error(status: int, error: str, description: str, **extra) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description, **extra})
    response.status_code = status
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # a signed client assertion authenticates the call; there is no browser session
def patients(request: HttpRequest) -> JsonResponse:
    """Submit one patient's details (see the module docstring for the shape)."""
    if request.method != "POST":
        response = _error(405, "invalid_request", "use POST")
        response["Allow"] = "POST"
        return response
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "invalid_request", "the body must be a JSON object")
    if not isinstance(body, dict):
        return _error(400, "invalid_request", "the body must be a JSON object")
    assertion = body.get("client_assertion")
    if body.get("client_assertion_type") != client_assertion.JWT_BEARER or not isinstance(
        assertion, str
    ):
        return _error(
            401, "invalid_client", "client_assertion_type and client_assertion are required"
        )
    try:
        service = client_assertion.verify(assertion, audience=endpoint_url())
    except client_assertion.AssertionError_ as error:
        return _error(401, "invalid_client", str(error))

    organisation = ProvisioningOrganisation.objects.filter(service=service).first()
    ods_code = body.get("ods_code")
    if (
        organisation is None
        or not organisation.enabled
        or not isinstance(ods_code, str)
        or ods_code.strip().upper() != organisation.ods_code
    ):
        reason = (
            "organisation_not_registered"
            if organisation is None
            else "organisation_disabled"
            if not organisation.enabled
            else "another_ods_code"
        )
        services.refuse_unregistered(request, client_id=service.client_id, reason=reason)
        status, error, description = REFUSALS[services.Answer.NOT_REGISTERED]
        return _error(status, error, description)

    patient = body.get("patient")
    if not isinstance(patient, dict) or not all(
        isinstance(patient.get(name, ""), str) for name in PATIENT_FIELDS
    ):
        return _error(400, "invalid_request", "patient must be an object of strings")
    form = PatientDetailsForm({name: patient.get(name, "") for name in PATIENT_FIELDS})
    if not form.is_valid():
        fields = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
        return _error(400, "invalid_request", "some patient details are not valid", fields=fields)

    submitted = services.submit(
        organisation, services.PatientDetails(**form.cleaned_data), request=request
    )
    if submitted.answer == services.Answer.ACCEPTED:
        response = JsonResponse(
            {"request_id": str(submitted.request.public_id), "status": "accepted"}, status=202
        )
        response["Cache-Control"] = "no-store"
        return response
    status, error, description = REFUSALS[submitted.answer]
    response = _error(status, error, description)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
