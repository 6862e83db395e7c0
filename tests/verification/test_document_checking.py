"""The document's issuer: the real DCS client end to end against our fake DCS over HTTP, the
fake's rule, answers that must never count as VALID, and the start-up checks of its settings."""

import datetime
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from jwcrypto import jwe, jwk, jws

from verification.document_checking import (
    DocumentCheckOutcome,
    DocumentCheckQuery,
    DocumentKind,
    check_document,
    devkeys,
    fake,
    jose,
)
from verification.document_checking.hmpo import DcsClient

ROOT = Path(__file__).resolve().parents[2]
VALID, INVALID = DocumentCheckOutcome.VALID, DocumentCheckOutcome.INVALID
NOT_SUPPORTED, UNAVAILABLE = DocumentCheckOutcome.NOT_SUPPORTED, DocumentCheckOutcome.UNAVAILABLE
DEMO = fake.DEMO_PASSPORT


def passport(number: str = "999999991", **changes) -> DocumentCheckQuery:
    details = {
        "kind": DocumentKind.PASSPORT,
        "issuing_state": "GBR",
        "document_number": number,
        "surname": "OKAFOR",
        "given_names": "SAMUEL JORDAN",
        "birth_date": datetime.date(1985, 6, 30),
        "expiry_date": datetime.date(2031, 6, 29),
    }
    return DocumentCheckQuery(**{**details, **changes})


def demo_passport(**changes) -> DocumentCheckQuery:
    details = {
        "surname": DEMO.surname,
        "given_names": DEMO.forenames,
        "birth_date": DEMO.birth_date,
        "expiry_date": DEMO.expiry_date,
    }
    return passport(DEMO.number, **{**details, **changes})


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, str]:
    """Our client's keys and the fake DCS's, as files (the settings that name each)."""
    return devkeys.write(tmp_path_factory.mktemp("dcs-keys"))


@pytest.fixture
def configured(settings, keys):
    for name, path in keys.items():
        setattr(settings, name, path)
    return keys


def read(keys, name) -> bytes:
    return Path(keys[name]).read_bytes()


def make_client(base_url, keys, *, sleeps=None, **options) -> DcsClient:
    return DcsClient(
        base_url,
        client_signing_key_pem=read(keys, "DCS_CLIENT_SIGNING_KEY_FILE"),
        client_signing_certificate_pem=read(keys, "DCS_CLIENT_SIGNING_CERT_FILE"),
        client_encryption_key_pem=read(keys, "DCS_CLIENT_ENCRYPTION_KEY_FILE"),
        dcs_signing_certificate_pem=read(keys, "DCS_SIGNING_CERT_FILE"),
        dcs_encryption_certificate_pem=read(keys, "DCS_ENCRYPTION_CERT_FILE"),
        sleep=(sleeps if sleeps is not None else []).append,
        **options,
    )


class Counting(httpx.HTTPTransport):
    """A real HTTP transport that counts the requests it sends."""

    def __init__(self):
        super().__init__()
        self.sent = 0

    def handle_request(self, request):
        self.sent += 1
        return super().handle_request(request)


@pytest.fixture
def fake_url(live_server, configured):
    return f"{live_server.url}/fake-dcs"


@pytest.fixture
def client(fake_url, keys):
    return make_client(fake_url, keys)


# --- The real client end to end against /fake-dcs/checks/passport -----------------------------


def test_the_issuer_confirms_a_valid_passport_over_http(client):
    answer = client.check(passport("999999991"))
    assert answer.outcome is VALID
    assert answer.valid
    assert uuid.UUID(answer.correlation_id)


def test_the_demo_passport_is_confirmed_over_http(client):
    assert client.check(demo_passport()).outcome is VALID


@pytest.mark.parametrize(
    "change",
    [
        {"surname": "DEMOS"},
        {"given_names": "ALEXANDRA"},
        {"given_names": ""},
        {"birth_date": datetime.date(1990, 1, 2)},
        {"expiry_date": datetime.date(2034, 1, 2)},
    ],
)
def test_the_demo_passport_number_with_other_details_is_invalid_over_http(client, change):
    answer = client.check(demo_passport(**change))
    assert answer.outcome is INVALID
    assert answer.reason == "issuer-says-not-valid"


def test_a_cancelled_or_unknown_passport_is_invalid_over_http(client):
    assert client.check(passport("000123456")).outcome is INVALID
    assert client.check(passport("123456789")).outcome is INVALID


def test_a_server_error_is_unavailable_after_one_retry_with_back_off(fake_url, keys):
    transport, sleeps = Counting(), []
    answer = make_client(fake_url, keys, transport=transport, sleeps=sleeps).check(
        passport(fake.SERVER_ERROR_NUMBER)
    )
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "http-500")
    assert transport.sent == 2
    assert sleeps == [0.5]


def test_throttling_is_unavailable_after_waiting_as_asked_once(fake_url, keys):
    transport, sleeps = Counting(), []
    answer = make_client(fake_url, keys, transport=transport, sleeps=sleeps).check(
        passport(fake.THROTTLED_NUMBER)
    )
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "http-429")
    assert transport.sent == 2
    assert sleeps == [1.0]  # the fake's Retry-After, longer than the back-off


def test_a_timeout_is_unavailable_after_one_retry(settings, fake_url, keys):
    settings.FAKE_DCS_SLOW_SECONDS = 2
    transport = Counting()
    answer = make_client(fake_url, keys, transport=transport, timeout=0.4).check(
        passport(fake.SLOW_NUMBER)
    )
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "timeout")
    assert transport.sent == 2


def test_an_unreachable_service_is_unavailable(keys):
    answer = make_client("http://127.0.0.1:9", keys).check(passport())
    assert answer.outcome is UNAVAILABLE
    assert answer.reason.startswith("unreachable")


def test_check_document_uses_the_real_client_over_http_when_set_to_hmpo(settings, fake_url):
    settings.DOCUMENT_CHECKING_SERVICE = "hmpo"
    settings.DCS_URL = fake_url
    assert check_document(demo_passport()).outcome is VALID
    assert check_document(demo_passport(surname="SMITH")).outcome is INVALID


# --- What the fake DCS refuses: signatures, encryption, replays --------------------------------


def test_a_request_signed_with_a_key_the_dcs_does_not_know_is_refused(fake_url, keys):
    other_key, other_certificate = devkeys.key_and_certificate("someone else")
    stranger = DcsClient(
        fake_url,
        client_signing_key_pem=other_key,
        client_signing_certificate_pem=other_certificate,
        client_encryption_key_pem=read(keys, "DCS_CLIENT_ENCRYPTION_KEY_FILE"),
        dcs_signing_certificate_pem=read(keys, "DCS_SIGNING_CERT_FILE"),
        dcs_encryption_certificate_pem=read(keys, "DCS_ENCRYPTION_CERT_FILE"),
        sleep=lambda _s: None,
    )
    answer = stranger.check(passport("999999991"))
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "http-400")


def _body(client: DcsClient, message: dict) -> str:
    return jose.wrap(message, client.signer, client.dcs_encryption)


def _post(fake_url: str, body: str) -> httpx.Response:
    return httpx.post(
        f"{fake_url}/checks/passport",
        content=body,
        headers={"Content-Type": "application/jose"},
    )


def _message(client, number="999999991") -> dict:
    return client.message(passport(number), str(uuid.uuid4()), str(uuid.uuid4()))


def test_a_tampered_signature_is_refused_by_the_fake(client, fake_url):
    body = _body(client, _message(client))
    header, payload, signature = body.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert _post(fake_url, f"{header}.{payload}.{flipped}").status_code == 400
    assert _post(fake_url, body).status_code == 200  # the untouched body is accepted


def test_a_message_changed_inside_the_signature_is_refused_by_the_fake(client, fake_url):
    """Swapping the encrypted inner part for another keeps the outer signature invalid."""
    first = _body(client, _message(client, "000000001")).split(".")
    second = _body(client, _message(client, "999999991")).split(".")
    assert _post(fake_url, ".".join([first[0], second[1], first[2]])).status_code == 400


def test_a_request_signed_without_the_certificate_thumbprints_is_refused(client, fake_url):
    message = json.dumps(_message(client))
    unsigned_thumbprints = jws.JWS(message.encode())
    unsigned_thumbprints.add_signature(
        client.signer.key, alg=None, protected=json.dumps({"alg": "RS256"})
    )
    inner = unsigned_thumbprints.serialize(compact=True)
    outer = client.signer.sign(jose.encrypt(inner, client.dcs_encryption))
    assert _post(fake_url, outer).status_code == 400


def test_a_request_encrypted_to_another_key_is_refused(client, fake_url):
    _key, elsewhere = devkeys.key_and_certificate("not the dcs")
    inner = client.signer.sign(json.dumps(_message(client)))
    outer = client.signer.sign(jose.encrypt(inner, jwk.JWK.from_pem(elsewhere)))
    assert _post(fake_url, outer).status_code == 400


def test_a_request_with_weak_encryption_is_refused(client, fake_url):
    inner = client.signer.sign(json.dumps(_message(client)))
    weak = jwe.JWE(
        inner.encode(),
        recipient=client.dcs_encryption,
        protected=json.dumps({"alg": "RSA-OAEP", "enc": "A128CBC-HS256"}),
    )
    outer = client.signer.sign(weak.serialize(compact=True))
    assert _post(fake_url, outer).status_code == 400


def test_a_plain_json_request_is_refused(fake_url, keys):
    response = httpx.post(f"{fake_url}/checks/passport", json=passport_message_in_clear())
    assert response.status_code == 415
    response = _post(fake_url, json.dumps(passport_message_in_clear()))
    assert response.status_code == 400


def passport_message_in_clear() -> dict:
    return {
        "correlationId": str(uuid.uuid4()),
        "requestId": str(uuid.uuid4()),
        "timestamp": "2026-12-03T12:00:00.000Z",
        "passportNumber": "999999991",
        "surname": "OKAFOR",
        "forenames": ["SAMUEL"],
        "dateOfBirth": "1985-06-30",
        "expiryDate": "2031-06-29",
    }


def _unwrap_answer(client: DcsClient, response: httpx.Response) -> dict:
    return jose.unwrap(response.text, client.dcs, client.decryption_key)


def test_a_replayed_request_is_answered_with_an_error_not_a_check(client, fake_url):
    body = _body(client, _message(client))
    first = _unwrap_answer(client, _post(fake_url, body))
    assert (first["error"], first["valid"]) == (False, True)
    again = _unwrap_answer(client, _post(fake_url, body))
    assert again["error"] is True and again["valid"] is False
    assert again["errorMessage"] == ["requestId already used"]


def test_a_malformed_message_gets_an_error_answer(client, fake_url):
    message = {**_message(client), "dateOfBirth": "30/06/1985", "forenames": "SAMUEL"}
    answer = _unwrap_answer(client, _post(fake_url, _body(client, message)))
    assert answer["error"] is True
    assert "dateOfBirth must be a date (YYYY-MM-DD)" in answer["errorMessage"]
    assert "forenames must be a list of strings" in answer["errorMessage"]


def test_the_fake_answers_the_status_check(fake_url):
    status = httpx.get(f"{fake_url}/checks/passport")
    assert status.json() == {"available": True, "scheduledOutages": []}


def test_the_fake_is_switched_off_when_not_enabled(settings, db):
    from django.test import Client
    from django.urls import reverse

    # Load the URLconf (with the fake) before switching the fake off; see test_pds_fhir_client.
    url = reverse("fake_dcs:check_passport")
    settings.FAKE_DCS_ENABLED = False
    assert Client().get(url).status_code == 404


# --- The wire format the client sends ---------------------------------------------------------


def recorded(handler):
    requests = []

    def record(request):
        requests.append(request)
        return handler(request)

    return httpx.MockTransport(record), requests


def fake_dcs_side(keys):
    """What the fake DCS holds: its keys and our registered certificates."""
    return {
        "client": jose.Verifier(read(keys, "DCS_CLIENT_SIGNING_CERT_FILE")),
        "decrypt": jwk.JWK.from_pem(read(keys, "FAKE_DCS_ENCRYPTION_KEY_FILE")),
        "signer": jose.Signer(
            read(keys, "FAKE_DCS_SIGNING_KEY_FILE"), read(keys, "DCS_SIGNING_CERT_FILE")
        ),
        "to_client": jwk.JWK.from_pem(read(keys, "DCS_CLIENT_ENCRYPTION_KEY_FILE")).public(),
    }


def answering(keys, statuses=(), **fields):
    """A DCS that answers each request (after ``statuses``) with a wrapped ``fields``."""
    side = fake_dcs_side(keys)
    queue = list(statuses)

    def handler(request):
        if queue:
            return httpx.Response(queue.pop(0))
        asked = jose.unwrap(request.content.decode(), side["client"], side["decrypt"])
        body = {"correlationId": asked["correlationId"], "requestId": asked["requestId"]}
        body.update({"error": False, "valid": True, **fields})
        return httpx.Response(200, content=jose.wrap(body, side["signer"], side["to_client"]))

    return handler


def test_the_request_is_signed_encrypted_and_signed_as_the_dcs_documents(keys):
    transport, requests = recorded(answering(keys))
    query = passport("999999991", given_names="SAMUEL  JORDAN")
    assert make_client("https://dcs.example", keys, transport=transport).check(query).valid
    (request,) = requests
    assert request.method == "POST"
    assert request.url == "https://dcs.example/checks/passport"
    assert request.headers["Content-Type"] == "application/jose"
    side = fake_dcs_side(keys)
    outer = jws.JWS()
    outer.deserialize(request.content.decode(), key=side["client"].key)
    assert outer.jose_header == {
        "alg": "RS256",
        "x5t": side["client"].x5t,
        "x5t#S256": side["client"].x5t_s256,
    }
    encrypted = jwe.JWE()
    encrypted.deserialize(outer.payload.decode(), key=side["decrypt"])
    assert encrypted.jose_header == {"alg": "RSA-OAEP-256", "enc": "A128CBC-HS256", "typ": "JWE"}
    message = jose.unwrap(request.content.decode(), side["client"], side["decrypt"])
    assert set(message) == {
        "correlationId", "requestId", "timestamp", "passportNumber", "surname", "forenames",
        "dateOfBirth", "expiryDate",
    }  # fmt: skip
    assert message["passportNumber"] == "999999991"
    assert message["surname"] == "OKAFOR"
    assert message["forenames"] == ["SAMUEL", "JORDAN"]
    assert (message["dateOfBirth"], message["expiryDate"]) == ("1985-06-30", "2031-06-29")
    assert datetime.datetime.fromisoformat(message["timestamp"]).tzinfo is not None
    assert message["timestamp"].endswith("Z")


def test_a_retry_keeps_the_correlation_id_and_takes_a_new_request_id(keys):
    transport, requests = recorded(answering(keys, statuses=[503]))
    answer = make_client("https://dcs.example", keys, transport=transport).check(passport())
    assert answer.outcome is VALID
    side = fake_dcs_side(keys)
    first, second = (
        jose.unwrap(r.content.decode(), side["client"], side["decrypt"]) for r in requests
    )
    assert first["correlationId"] == second["correlationId"] == answer.correlation_id
    assert first["requestId"] != second["requestId"]


# --- Answers that must never count as VALID ---------------------------------------------------


def test_an_answer_not_signed_by_the_dcs_is_refused(fake_url, keys):
    _key, impostor_certificate = devkeys.key_and_certificate("not the dcs")
    client = DcsClient(
        fake_url,
        client_signing_key_pem=read(keys, "DCS_CLIENT_SIGNING_KEY_FILE"),
        client_signing_certificate_pem=read(keys, "DCS_CLIENT_SIGNING_CERT_FILE"),
        client_encryption_key_pem=read(keys, "DCS_CLIENT_ENCRYPTION_KEY_FILE"),
        dcs_signing_certificate_pem=impostor_certificate,
        dcs_encryption_certificate_pem=read(keys, "DCS_ENCRYPTION_CERT_FILE"),
    )
    answer = client.check(passport("999999991"))
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "bad-response")


def test_a_replayed_valid_answer_is_never_valid(keys):
    """A VALID answer captured for one check, played back for another, is refused."""
    transport, _ = recorded(answering(keys))
    captured = []

    def capture(request):
        response = transport.handle_request(request)
        response.read()
        captured.append(response.content)
        return response

    make_client("https://dcs.example", keys, transport=httpx.MockTransport(capture)).check(
        passport()
    )
    replay = httpx.MockTransport(lambda request: httpx.Response(200, content=captured[0]))
    answer = make_client("https://dcs.example", keys, transport=replay).check(passport())
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "mismatched-response")


def test_an_unsigned_valid_answer_is_never_valid(keys):
    plain = {"correlationId": "x", "requestId": "y", "error": False, "valid": True}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=plain))
    answer = make_client("https://dcs.example", keys, transport=transport).check(passport())
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "bad-response")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"error": True, "valid": True, "errorMessage": ["x"]}, "issuer-error"),
        ({"error": "false", "valid": True}, "issuer-error"),
        ({"valid": "true"}, "bad-response"),
        ({"valid": None}, "bad-response"),
    ],
)
def test_an_answer_that_is_not_a_clear_valid_is_never_valid(keys, fields, reason):
    transport, _ = recorded(answering(keys, **fields))
    answer = make_client("https://dcs.example", keys, transport=transport).check(passport())
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, reason)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_a_refusal_is_unavailable_without_a_retry(keys, status):
    transport, requests = recorded(lambda request: httpx.Response(status))
    answer = make_client("https://dcs.example", keys, transport=transport).check(passport())
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, f"http-{status}")
    assert len(requests) == 1


def test_valid_false_is_invalid(keys):
    transport, _ = recorded(answering(keys, valid=False))
    answer = make_client("https://dcs.example", keys, transport=transport).check(passport())
    assert (answer.outcome, answer.reason) == (INVALID, "issuer-says-not-valid")


# --- Documents with no issuer service: NOT_SUPPORTED, and nobody is asked ---------------------


@pytest.mark.parametrize(
    "change",
    [
        {"issuing_state": "FRA"},
        {"issuing_state": "IRL"},
        {"issuing_state": "D"},
        {"kind": DocumentKind.IDENTITY_CARD, "issuing_state": "DEU"},
        {"kind": DocumentKind.RESIDENCE_PERMIT},
        {"kind": DocumentKind.DRIVING_LICENCE},
    ],
)
@pytest.mark.parametrize("service", ["fake", "hmpo"])
def test_a_document_without_an_issuer_service_is_not_supported_and_nobody_is_asked(
    settings, configured, change, service
):
    settings.DOCUMENT_CHECKING_SERVICE = service
    settings.DCS_URL = "http://127.0.0.1:9"  # nothing listens: a call would be UNAVAILABLE
    answer = check_document(passport("999999991", **change))
    assert (answer.outcome, answer.reason) == (NOT_SUPPORTED, "no-issuer-service")
    assert answer.correlation_id == ""


def test_the_real_client_sends_nothing_for_a_foreign_passport(keys):
    transport, requests = recorded(answering(keys))
    client = make_client("https://dcs.example", keys, transport=transport)
    assert client.check(passport(issuing_state="FRA")).outcome is NOT_SUPPORTED
    assert requests == []


@pytest.mark.parametrize("number", ["12345678", "1234567890", "L898902C3", "", "99999999I"])
@pytest.mark.parametrize("service", ["fake", "hmpo"])
def test_a_uk_passport_number_that_is_not_nine_digits_is_invalid_without_asking(
    settings, configured, number, service
):
    settings.DOCUMENT_CHECKING_SERVICE = service
    settings.DCS_URL = "http://127.0.0.1:9"
    answer = check_document(passport(number))
    assert (answer.outcome, answer.reason) == (INVALID, "not-a-uk-passport-number")


# --- The fake's rule, in this process (DOCUMENT_CHECKING_SERVICE=fake, the default) -----------


@pytest.mark.parametrize(
    ("number", "outcome", "reason"),
    [
        ("999999991", VALID, ""),
        ("999999992", VALID, ""),
        ("999999993", VALID, ""),
        ("000000000", INVALID, "issuer-says-not-valid"),
        ("000987654", INVALID, "issuer-says-not-valid"),
        ("123456789", INVALID, "issuer-says-not-valid"),
        (fake.SERVER_ERROR_NUMBER, UNAVAILABLE, "http-500"),
        (fake.THROTTLED_NUMBER, UNAVAILABLE, "http-429"),
        (fake.SLOW_NUMBER, UNAVAILABLE, "timeout"),
    ],
)
def test_the_fake_answers_each_magic_number_the_same_way_every_time(number, outcome, reason):
    for _ in range(2):
        answer = check_document(passport(number))
        assert (answer.outcome, answer.reason) == (outcome, reason)


def test_the_demo_passport_is_valid_in_the_fake_and_only_with_its_details():
    assert check_document(demo_passport()).outcome is VALID
    assert check_document(demo_passport(surname="Démo", given_names="alex")).outcome is VALID
    assert check_document(demo_passport(surname="DEMOS")).outcome is INVALID
    assert check_document(demo_passport(birth_date=datetime.date(1991, 1, 1))).outcome is INVALID


def test_the_demo_passport_is_not_valid_once_it_has_expired():
    details = (DEMO.number, DEMO.surname, [DEMO.forenames], DEMO.birth_date, DEMO.expiry_date)
    assert fake.decide(*details, today=DEMO.expiry_date) is fake.Decision.VALID
    after = DEMO.expiry_date + datetime.timedelta(days=1)
    assert fake.decide(*details, today=after) is fake.Decision.INVALID


def test_each_check_carries_a_new_random_correlation_id():
    ids = {check_document(passport()).correlation_id for _ in range(3)}
    assert len(ids) == 3
    assert all(uuid.UUID(i).version == 4 for i in ids)


# --- Privacy ----------------------------------------------------------------------------------


def test_no_personal_data_is_logged_whatever_happens(settings, fake_url, keys, caplog):
    settings.FAKE_DCS_SLOW_SECONDS = 1
    personal = passport(given_names="SAMUEL JORDAN")
    numbers = ["999999991", "123456789", fake.SERVER_ERROR_NUMBER, fake.THROTTLED_NUMBER]
    client = make_client(fake_url, keys)
    answers = []
    with caplog.at_level(logging.DEBUG):
        for number in numbers:
            answers.append(client.check(passport(number, given_names="SAMUEL JORDAN")))
        slow = make_client(fake_url, keys, timeout=0.3)
        answers.append(slow.check(passport(fake.SLOW_NUMBER, given_names="SAMUEL JORDAN")))
        transport, _ = recorded(answering(keys, error=True, errorMessage=["OKAFOR 1985-06-30"]))
        make_client("https://dcs.example", keys, transport=transport).check(personal)
    logged = caplog.text
    assert [a.outcome for a in answers] == [VALID, INVALID] + [UNAVAILABLE] * 3
    assert "DCS check http-500" in logged
    assert "DCS check timeout" in logged
    assert answers[2].correlation_id in logged  # failures can be traced with the DCS team
    for secret in ("OKAFOR", "SAMUEL", "JORDAN", "1985-06-30", "2031-06-29", "999999991",
                   "123456789", "Okafor"):  # fmt: skip
        assert secret not in logged


# --- Settings: start-up refuses an incomplete or malformed configuration ----------------------


def _start_up(**environment) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DCS_", "FAKE_DCS_", "DOCUMENT_CHECKING"))
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **environment)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_refuses_an_unknown_service():
    refused = _start_up(DOCUMENT_CHECKING_SERVICE="hmpo-test")
    assert refused.returncode != 0
    assert "DOCUMENT_CHECKING_SERVICE must be fake or hmpo" in refused.stderr


def test_start_up_refuses_the_real_service_without_its_keys(keys):
    refused = _start_up(DOCUMENT_CHECKING_SERVICE="hmpo")
    assert refused.returncode != 0
    assert (
        "DOCUMENT_CHECKING_SERVICE=hmpo needs DCS_CLIENT_SIGNING_KEY_FILE, "
        "DCS_CLIENT_SIGNING_CERT_FILE, DCS_CLIENT_ENCRYPTION_KEY_FILE, DCS_SIGNING_CERT_FILE, "
        "DCS_ENCRYPTION_CERT_FILE"
    ) in refused.stderr
    some = {k: v for k, v in keys.items() if k != "DCS_ENCRYPTION_CERT_FILE"}
    refused = _start_up(DOCUMENT_CHECKING_SERVICE="hmpo", **some)
    assert "DOCUMENT_CHECKING_SERVICE=hmpo needs DCS_ENCRYPTION_CERT_FILE" in refused.stderr
    assert _start_up(DOCUMENT_CHECKING_SERVICE="hmpo", **keys).returncode == 0


def test_start_up_refuses_a_key_file_that_is_not_there(tmp_path, keys):
    refused = _start_up(**{**keys, "DCS_CLIENT_SIGNING_KEY_FILE": str(tmp_path / "none.pem")})
    assert refused.returncode != 0
    assert "DCS_CLIENT_SIGNING_KEY_FILE must name a readable file" in refused.stderr


def test_start_up_refuses_a_tls_certificate_without_its_key(keys):
    refused = _start_up(DCS_TLS_CLIENT_CERT_FILE=keys["DCS_CLIENT_SIGNING_CERT_FILE"])
    assert refused.returncode != 0
    assert "DCS_TLS_CLIENT_CERT_FILE and DCS_TLS_CLIENT_KEY_FILE go together" in refused.stderr


def test_start_up_refuses_a_malformed_timeout():
    refused = _start_up(DCS_TIMEOUT_SECONDS="five")
    assert "DCS_TIMEOUT_SECONDS must be a whole number" in refused.stderr
    assert "at least 1" in _start_up(DCS_TIMEOUT_SECONDS="0").stderr


PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "a-production-secret-key-for-this-start-up-test-only-0123456789abcdef",
    "FIELD_ENCRYPTION_KEYS": "bm90LWEtcmVhbC1rZXktZGV2ZWxvcG1lbnQtb25seTA=",
    "NOTIFY_API_KEY": "test-key",
    "PDS_FHIR_BASE_URL": "https://pds.example/FHIR/R4",
    "PDS_FHIR_ACCESS_TOKEN": "token",
    "PASSWORD_HASH_COST": "owasp",
}


def test_production_refuses_the_fake_and_an_incomplete_real_service(keys):
    fake_refused = _start_up(**PRODUCTION, DOCUMENT_CHECKING_SERVICE="fake")
    assert "DOCUMENT_CHECKING_SERVICE cannot be fake in production" in fake_refused.stderr
    no_url = _start_up(**PRODUCTION)
    assert "DCS_URL must be set" in no_url.stderr
    plain_http = _start_up(**PRODUCTION, DCS_URL="http://dcs.example")
    assert "DCS_URL must be an https:// URL in production" in plain_http.stderr
    jose_only = {k: v for k, v in keys.items() if not k.startswith("FAKE_")}
    no_tls = _start_up(**PRODUCTION, DCS_URL="https://dcs.example", **jose_only)
    assert "DOCUMENT_CHECKING_SERVICE=hmpo needs DCS_TLS_CLIENT_CERT_FILE" in no_tls.stderr


# --- Mutual TLS, against a local TLS server that requires a client certificate ----------------


def _tls_files(directory: Path) -> dict[str, str]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, both from the CA."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common_name):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def issue(common_name, issuer_key, issuer_name, *, ca=False, san=None):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common_name))
            .issuer_name(issuer_name or name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        certificate = builder.sign(issuer_key or key, hashes.SHA256())
        return key, certificate

    ca_key, ca = issue("test dcs ca", None, None, ca=True)
    server_key, server = issue(
        "127.0.0.1", ca_key, ca.subject, san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    client_key, client = issue("nhs login dcs client", ca_key, ca.subject)
    files = {}
    for stem, key, certificate in [
        ("ca", None, ca),
        ("server", server_key, server),
        ("client", client_key, client),
    ]:
        cert_file = directory / f"{stem}.cert.pem"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        files[f"{stem}_cert"] = str(cert_file)
        if key is not None:
            key_file = directory / f"{stem}.key.pem"
            key_file.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            files[f"{stem}_key"] = str(key_file)
    return files


@pytest.fixture(scope="module")
def mutual_tls_dcs(tmp_path_factory, keys):
    """An HTTPS DCS on 127.0.0.1 that requires a client certificate from its CA and answers
    ``valid: true`` in the wire format, naming the client certificate it saw."""
    import http.server
    import ssl
    import threading

    files = _tls_files(tmp_path_factory.mktemp("dcs-tls"))
    side = fake_dcs_side(keys)
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            asked = jose.unwrap(body, side["client"], side["decrypt"])
            peer = self.connection.getpeercert()
            seen.append(dict(item[0] for item in peer["subject"])["commonName"])
            answer = {"correlationId": asked["correlationId"], "requestId": asked["requestId"],
                      "error": False, "valid": True}  # fmt: skip
            content = jose.wrap(answer, side["signer"], side["to_client"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/jose")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files["server_cert"], files["server_key"])
    context.load_verify_locations(files["ca_cert"])
    context.verify_mode = ssl.CERT_REQUIRED
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"https://127.0.0.1:{server.server_address[1]}", "seen": seen, **files}
    server.shutdown()
    server.server_close()


def test_the_client_checks_over_mutual_tls_from_settings(settings, configured, mutual_tls_dcs):
    settings.DOCUMENT_CHECKING_SERVICE = "hmpo"
    settings.DCS_URL = mutual_tls_dcs["url"]
    settings.DCS_TLS_CLIENT_CERT_FILE = mutual_tls_dcs["client_cert"]
    settings.DCS_TLS_CLIENT_KEY_FILE = mutual_tls_dcs["client_key"]
    settings.DCS_TLS_CA_FILE = mutual_tls_dcs["ca_cert"]
    assert check_document(passport("123456789")).outcome is VALID  # the server said valid
    assert mutual_tls_dcs["seen"][-1] == "nhs login dcs client"


def test_without_our_client_certificate_the_dcs_cannot_be_reached(keys, mutual_tls_dcs):
    from verification.document_checking.hmpo import tls_context

    no_certificate = tls_context(None, None, mutual_tls_dcs["ca_cert"])
    client = make_client(mutual_tls_dcs["url"], keys, tls=no_certificate, timeout=3)
    answer = client.check(passport())
    assert answer.outcome is UNAVAILABLE
    assert answer.reason.startswith("unreachable")


def test_a_server_our_ca_bundle_does_not_vouch_for_is_never_trusted(keys, mutual_tls_dcs):
    from verification.document_checking.hmpo import tls_context

    system_cas = tls_context(mutual_tls_dcs["client_cert"], mutual_tls_dcs["client_key"], None)
    client = make_client(mutual_tls_dcs["url"], keys, tls=system_cas, timeout=3)
    answer = client.check(passport())
    assert (answer.outcome, answer.reason) == (UNAVAILABLE, "unreachable-ConnectError")
