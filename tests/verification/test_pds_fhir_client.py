"""The PDS FHIR client: end to end against our own fake over HTTP, and recorded errors."""

import datetime
import json

import httpx
import pytest

from tests.verification.factories import SyntheticPatientFactory
from verification.demographics import Outcome, TraceQuery
from verification.demographics.fhir import PdsFhirClient
from verification.demographics.fhir_shape import operation_outcome

BORN = datetime.date(1990, 2, 14)


@pytest.fixture
def client(live_server):
    return PdsFhirClient(f"{live_server.url}/fake-pds/FHIR/R4", access_token="test-token")


# --- End to end over a real socket, against /fake-pds/FHIR/R4 -------------------------------


def test_it_reads_a_patient_by_nhs_number_over_http(client, transactional_db):
    patient = SyntheticPatientFactory(mobile="07700900123")
    result = client.trace(TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number))
    assert result.outcome is Outcome.MATCHED
    record = result.record
    assert record.nhs_number == patient.nhs_number
    assert (record.given_name, record.family_name) == ("Ffion", "Hughes")
    assert record.birth_date == BORN
    assert record.postcode == "CF10 1EP"
    assert record.gp_ods_code == "W97001"
    assert record.mobile == "07700900123"
    assert record.restricted is False


def test_it_finds_a_patient_by_name_over_http(client, transactional_db):
    SyntheticPatientFactory(given_name="Seán", family_name="O'Brien", postcode="BT1 5GS")
    result = client.trace(TraceQuery(BORN, "BT1 5GS", given_name="Sean", family_name="O'Brien"))
    assert result.outcome is Outcome.MATCHED
    assert result.record.given_name == "Seán"


def test_it_reports_no_match_for_an_unknown_nhs_number_over_http(client, transactional_db):
    result = client.trace(TraceQuery(BORN, "CF10 1EP", nhs_number="9434765919"))
    assert result.outcome is Outcome.NO_MATCH


def test_it_reports_no_match_when_a_search_finds_nobody_over_http(client, transactional_db):
    SyntheticPatientFactory()
    result = client.trace(TraceQuery(BORN, "CF10 1EP", given_name="Ffion", family_name="Jones"))
    assert result.outcome is Outcome.NO_MATCH


def test_it_reports_too_many_matches_for_twins_over_http(client, transactional_db):
    SyntheticPatientFactory(given_name="Sam Alex", family_name="Okafor")
    SyntheticPatientFactory(given_name="Sam Jordan", family_name="Okafor")
    result = client.trace(TraceQuery(BORN, "CF10 1EP", given_name="Sam", family_name="Okafor"))
    assert result.outcome is Outcome.MULTIPLE


def test_it_sees_a_restricted_record_without_its_address_over_http(client, transactional_db):
    patient = SyntheticPatientFactory(restricted=True)
    record = client.read(patient.nhs_number)
    assert record.restricted is True
    assert (record.postcode, record.gp_ods_code, record.mobile) == ("", "", "")
    result = client.trace(TraceQuery(BORN, "CF10 1EP", nhs_number=patient.nhs_number))
    assert result.outcome is Outcome.RESTRICTED
    assert result.record is None


def test_the_fake_answers_in_the_pds_shape(live_server, transactional_db):
    patient = SyntheticPatientFactory()
    base = f"{live_server.url}/fake-pds/FHIR/R4"
    headers = {"X-Request-ID": "6f6b4c52-1c2c-4d6a-9d1b-2f3c4b5a6d7e"}
    read = httpx.get(f"{base}/Patient/{patient.nhs_number}", headers=headers)
    assert read.status_code == 200
    assert read.headers["Content-Type"].startswith("application/fhir+json")
    body = read.json()
    assert body["resourceType"] == "Patient"
    assert body["identifier"][0] == {
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": patient.nhs_number,
    }
    assert body["generalPractitioner"][0]["identifier"]["value"] == "W97001"

    missing = httpx.get(f"{base}/Patient/9434765919", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["issue"][0]["details"]["coding"][0]["code"] == "RESOURCE_NOT_FOUND"

    search = httpx.get(
        f"{base}/Patient",
        params={"family": "hughes", "given": "ffion", "birthdate": "eq1990-02-14"},
        headers=headers,
    )
    assert search.json()["resourceType"] == "Bundle"
    assert search.json()["type"] == "searchset"
    assert search.json()["total"] == 0  # no postcode given: nothing matches

    no_request_id = httpx.get(f"{base}/Patient/{patient.nhs_number}")
    assert no_request_id.status_code == 400


# --- Recorded error responses (httpx.MockTransport) -----------------------------------------


def recorded(*responses):
    """A transport that replays responses in order and records the requests made."""
    requests = []
    queue = list(responses)

    def handler(request):
        requests.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), requests


def fhir(status, body, headers=None):
    return httpx.Response(
        status,
        content=json.dumps(body),
        headers={"Content-Type": "application/fhir+json", **(headers or {})},
    )


PATIENT = {
    "resourceType": "Patient",
    "id": "9434765919",
    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
    "name": [{"use": "usual", "given": ["Jane"], "family": "Smith"}],
    "birthDate": "1990-02-14",
    "address": [
        {"use": "home", "postalCode": "LS1 6AE", "period": {"start": "2020-01-01"}},
        {"use": "home", "postalCode": "LS2 9JT", "period": {"end": "2019-12-31"}},
    ],
    "generalPractitioner": [
        {
            "type": "Organization",
            "identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                "value": "Y12345",
            },
        }
    ],
    "telecom": [{"system": "phone", "use": "mobile", "value": "07700900123"}],
}
THROTTLED = operation_outcome("throttled", "TOO_MANY_REQUESTS", "Too many requests")
SERVER_ERROR = operation_outcome("exception", "SERVICE_UNAVAILABLE", "Service unavailable")
BY_NUMBER = TraceQuery(BORN, "LS1 6AE", nhs_number="9434765919")
BY_NAME = TraceQuery(BORN, "LS1 6AE", given_name="Jane", family_name="Smith")


def make_client(transport, sleeps):
    return PdsFhirClient(
        "https://pds.example/FHIR/R4",
        access_token="token",
        transport=transport,
        sleep=sleeps.append,
        retries=2,
        backoff=0.25,
    )


def test_it_backs_off_after_429_and_then_succeeds():
    transport, requests = recorded(
        fhir(429, THROTTLED, {"Retry-After": "1"}), fhir(429, THROTTLED), fhir(200, PATIENT)
    )
    sleeps = []
    result = make_client(transport, sleeps).trace(BY_NUMBER)
    assert result.outcome is Outcome.MATCHED
    assert result.record.postcode == "LS1 6AE"  # the current address, not the ended one
    assert len(requests) == 3
    assert sleeps == [1.0, 0.5]  # Retry-After honoured, then exponential back-off
    # The same request id on each retry, a bearer token, and FHIR JSON asked for.
    assert len({r.headers["X-Request-ID"] for r in requests}) == 1
    assert requests[0].headers["Authorization"] == "Bearer token"
    assert requests[0].url.path == "/FHIR/R4/Patient/9434765919"


def test_it_gives_up_when_still_throttled():
    transport, requests = recorded(fhir(429, THROTTLED, {"Retry-After": "30"}))
    sleeps = []
    result = make_client(transport, sleeps).trace(BY_NUMBER)
    assert result.outcome is Outcome.UNAVAILABLE
    assert len(requests) == 3
    assert sleeps == [5.0, 5.0]  # never waits longer than a patient would


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_it_reports_5xx_as_unavailable_after_retrying(status):
    transport, requests = recorded(fhir(status, SERVER_ERROR))
    result = make_client(transport, []).trace(BY_NAME)
    assert result.outcome is Outcome.UNAVAILABLE
    assert len(requests) == 3


def test_it_recovers_when_a_5xx_is_followed_by_an_answer():
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 1,
              "entry": [{"resource": PATIENT}]}  # fmt: skip
    transport, requests = recorded(fhir(503, SERVER_ERROR), fhir(200, bundle))
    result = make_client(transport, []).trace(BY_NAME)
    assert result.outcome is Outcome.MATCHED
    params = requests[-1].url.params
    assert params["family"] == "Smith"
    assert params["given"] == "Jane"
    assert params["birthdate"] == "eq1990-02-14"
    assert params["address-postalcode"] == "LS1 6AE"
    assert params["_max-results"] == "1"


def test_it_reports_timeouts_as_unavailable():
    transport, requests = recorded(httpx.ReadTimeout("timed out"))
    result = make_client(transport, []).trace(BY_NUMBER)
    assert result.outcome is Outcome.UNAVAILABLE
    assert len(requests) == 3


def test_it_reports_a_refused_connection_as_unavailable():
    transport, _ = recorded(httpx.ConnectError("refused"))
    assert make_client(transport, []).trace(BY_NAME).outcome is Outcome.UNAVAILABLE


def test_it_reads_too_many_matches_as_multiple():
    too_many = operation_outcome(
        "multiple-matches", "TOO_MANY_MATCHES", "Too Many Matches", "information"
    )
    transport, requests = recorded(fhir(200, too_many))
    assert make_client(transport, []).trace(BY_NAME).outcome is Outcome.MULTIPLE
    assert len(requests) == 1  # an answer, not an error: no retry


def test_it_reads_too_many_matches_inside_a_bundle_as_multiple():
    too_many = operation_outcome("multiple-matches", "TOO_MANY_MATCHES", "Too Many Matches")
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": too_many}]}
    transport, _ = recorded(fhir(200, bundle))
    assert make_client(transport, []).trace(BY_NAME).outcome is Outcome.MULTIPLE


def test_it_reads_404_as_no_match():
    not_found = operation_outcome("not-found", "RESOURCE_NOT_FOUND", "Resource not found")
    transport, requests = recorded(fhir(404, not_found))
    assert make_client(transport, []).trace(BY_NUMBER).outcome is Outcome.NO_MATCH
    assert len(requests) == 1


def test_it_reads_an_empty_bundle_as_no_match():
    transport, _ = recorded(fhir(200, {"resourceType": "Bundle", "type": "searchset", "total": 0}))
    assert make_client(transport, []).trace(BY_NAME).outcome is Outcome.NO_MATCH


def test_it_does_not_match_a_record_read_by_number_with_another_birth_date():
    other = {**PATIENT, "birthDate": "1991-02-14"}
    transport, _ = recorded(fhir(200, other))
    assert make_client(transport, []).trace(BY_NUMBER).outcome is Outcome.NO_MATCH


def test_it_treats_a_restricted_record_as_restricted():
    restricted = {
        **PATIENT,
        "meta": {"security": [{"code": "R", "display": "restricted"}]},
    }
    transport, _ = recorded(fhir(200, restricted))
    result = make_client(transport, []).trace(BY_NUMBER)
    assert result.outcome is Outcome.RESTRICTED
    assert result.record is None


def test_it_writes_no_personal_data_to_the_logs(client, transactional_db, caplog):
    import logging

    SyntheticPatientFactory(given_name="Seán", family_name="O'Brien", postcode="BT1 5GS")
    with caplog.at_level(logging.DEBUG):
        client.trace(TraceQuery(BORN, "BT1 5GS", given_name="Sean", family_name="O'Brien"))
        client.trace(TraceQuery(BORN, "BT1 5GS", nhs_number="9434765919"))
    logged = caplog.text
    for personal in ("Sean", "Brien", "BT1", "1990-02-14", "9434765919"):
        assert personal not in logged


def test_recorded_failures_log_only_status_and_request_id(caplog):
    import logging

    transport, _ = recorded(fhir(503, SERVER_ERROR))
    with caplog.at_level(logging.INFO, logger="verification"):
        make_client(transport, []).trace(BY_NAME)
    assert "PDS answered 503" in caplog.text
    for personal in ("Jane", "Smith", "LS1", "1990-02-14"):
        assert personal not in caplog.text


def test_the_fake_is_switched_off_when_not_enabled(settings, db):
    from django.test import Client
    from django.urls import reverse

    patient = SyntheticPatientFactory()
    # The URLconf includes the fake only when enabled at import: load it before switching the
    # fake off, or it would stay without the fake for every later test in this process.
    url = reverse("fake_pds:read", args=[patient.nhs_number])
    settings.FAKE_PDS_ENABLED = False
    response = Client().get(url, HTTP_X_REQUEST_ID="x")
    assert response.status_code == 404
    assert patient.nhs_number not in response.content.decode()
