"""``POST /provisioning/v1/patients``: a service signs with ``private_key_jwt`` (ADR 0065)."""

import json
import secrets
import time

import pytest
from django.test import Client
from jwcrypto import jwk
from jwcrypto import jwt as jjwt

from accounts.models import User
from connected_services.oidc.client_assertion import JWT_BEARER
from tests.connected_services.relying_party import make_service
from tests.verification.provisioning_helpers import (
    EMAIL,
    link_emails,
    make_organisation,
    make_pds_patient,
    pds_answering_503,
)
from verification import demographics
from verification.models import ProvisionRequest

pytestmark = pytest.mark.django_db

URL = "/provisioning/v1/patients"
ISSUER = "https://login.example"
AUDIENCE = f"{ISSUER}{URL}"
PATIENT = {
    "nhs_number": "9000000009",
    "given_name": "Sam",
    "family_name": "Jones",
    "birth_date": "1980-03-14",
    "postcode": "LS1 4AP",
    "email": EMAIL,
    "mobile": "07700900123",
}


@pytest.fixture(autouse=True)
def _issuer(settings):
    settings.OIDC_ISSUER = ISSUER


@pytest.fixture
def key():
    return jwk.JWK.generate(kty="RSA", size=2048)


@pytest.fixture
def service(key):
    return make_service(key)


@pytest.fixture
def organisation(service):
    make_pds_patient()
    return make_organisation(name="Book a test", ods_code="X26", service=service)


def assertion(service, key, **claims) -> str:
    now = int(time.time())
    values = {
        "iss": service.client_id,
        "sub": service.client_id,
        "aud": AUDIENCE,
        "exp": now + 60,
        "jti": secrets.token_hex(8),
        **claims,
    }
    token = jjwt.JWT(header={"alg": "RS512", "typ": "JWT"}, claims=values)
    token.make_signed_token(key)
    return token.serialize()


def post(body, client=None):
    return (client or Client()).post(URL, json.dumps(body), content_type="application/json")


def body(service, key, signed=None, **changes):
    values = {
        "client_assertion_type": JWT_BEARER,
        "client_assertion": signed or assertion(service, key),
        "ods_code": "X26",
        "patient": dict(PATIENT),
    }
    values.update(changes)
    return values


def test_a_registered_service_submits_a_patient(service, key, organisation):
    response = post(body(service, key))
    assert response.status_code == 202
    answer = response.json()
    assert answer["status"] == "accepted"
    assert ProvisionRequest.objects.get().public_id.hex == answer["request_id"].replace("-", "")
    assert response["Cache-Control"] == "no-store"
    assert len(link_emails()) == 1


def test_the_answer_does_not_say_whether_a_login_exists(service, key, organisation):
    first = post(body(service, key))
    User.objects.create_user(EMAIL, "purple elephant kettle")
    second = post(body(service, key))
    assert first.status_code == second.status_code == 202
    assert first.json().keys() == second.json().keys()
    assert first.json()["status"] == second.json()["status"]
    assert len(first.content) == len(second.content)


def test_a_replayed_assertion_is_refused(service, key, organisation):
    signed = assertion(service, key)
    assert post(body(service, key, signed=signed)).status_code == 202
    response = post(body(service, key, signed=signed))
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "client_assertion has been used before",
    }


def test_an_assertion_for_another_audience_is_refused(service, key, organisation):
    signed = assertion(service, key, aud=f"{ISSUER}/token")
    response = post(body(service, key, signed=signed))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not ProvisionRequest.objects.exists()


def test_an_assertion_signed_by_another_key_is_refused(service, key, organisation):
    other = jwk.JWK.generate(kty="RSA", size=2048)
    response = post(body(service, key, signed=assertion(service, other)))
    assert response.status_code == 401
    assert response.json()["error_description"] == "client_assertion signature does not verify"


def test_no_assertion_is_refused(service, key, organisation):
    response = post({"ods_code": "X26", "patient": PATIENT})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_service_not_registered_for_provisioning_is_refused(key):
    make_pds_patient()
    unregistered = make_service(key)
    response = post(body(unregistered, key))
    assert response.status_code == 403
    assert response.json()["error"] == "organisation_not_registered"


def test_a_disabled_organisation_is_refused(service, key, organisation):
    organisation.enabled = False
    organisation.save()
    assert post(body(service, key)).status_code == 403
    assert not link_emails()


def test_another_organisations_ods_code_is_refused(service, key, organisation):
    response = post(body(service, key, ods_code="A12345"))
    assert response.status_code == 403


def test_invalid_details_are_listed_by_field(service, key, organisation):
    patient = {**PATIENT, "nhs_number": "1234567890", "mobile": "not a phone"}
    response = post(body(service, key, patient=patient))
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid_request"
    assert set(answer["fields"]) == {"nhs_number", "mobile"}


def test_a_body_that_is_not_json_is_refused():
    response = Client().post(URL, "nonsense", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_only_post_is_allowed():
    response = Client().get(URL)
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"


def test_details_that_do_not_match_are_refused(service, key, organisation):
    patient = {**PATIENT, "nhs_number": "9000000017"}
    response = post(body(service, key, patient=patient))
    assert response.status_code == 422
    assert response.json()["error"] == "details_not_matched"


def test_a_patient_under_the_minimum_age_is_refused(service, key, organisation):
    patient = {**PATIENT, "birth_date": time.strftime("%Y-%m-%d")}
    response = post(body(service, key, patient=patient))
    assert response.status_code == 422
    assert response.json()["error"] == "too_young"


def test_pds_unavailable_is_a_503_to_retry_and_stores_nothing(
    service, key, organisation, monkeypatch
):
    monkeypatch.setattr(demographics, "backend", pds_answering_503)
    response = post(body(service, key))
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert response["Retry-After"] == "60"
    assert not ProvisionRequest.objects.exists()
    monkeypatch.undo()
    assert post(body(service, key)).status_code == 202


def test_the_organisations_daily_limit_is_a_429(service, key, organisation, settings):
    settings.PROVISIONING_REQUESTS_PER_ORGANISATION_PER_DAY = 1
    assert post(body(service, key)).status_code == 202
    response = post(body(service, key))
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_requests"


def test_an_assertion_for_this_endpoint_does_not_work_at_the_token_endpoint(service, key):
    from connected_services.oidc import client_assertion

    with pytest.raises(client_assertion.AssertionError_, match="token endpoint"):
        client_assertion.verify(assertion(service, key))


def test_a_refused_service_is_audited(key):
    from core.models import AuditEvent

    unregistered = make_service(key)
    post(body(unregistered, key))
    event = AuditEvent.objects.get(event="provisioning.refused")
    assert event.details["reason"] == "organisation_not_registered"
    assert event.details["client_id"] == unregistered.client_id
