"""The photo ID pages for a patient with no NHS record match yet (after a failed P5 trace)."""

import json
import logging

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse

from core.models import AuditEvent
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.conftest import face_scan, genuine_capture, passport_jpeg
from tests.verification.idchecks.test_journey import jpeg, url, video
from tests.verification.idchecks.trace_helpers import make_p0_patient, nhs_record, years_ago
from tests.verification.test_p5_journey import by_number
from verification.models import IdCheck, Identity

NAME = {"given_name": "Jane", "family_name": "Smith"}
BORN = {"birth_date_0": "12", "birth_date_1": "4", "birth_date_2": "1985"}


@pytest.fixture
def patient(db):
    return make_p0_patient()


@pytest.fixture
def client(patient):
    return signed_in_client(patient)


def answer_details(client, nhs_number=""):
    assert client.post(url("idcheck_start")).url == url("idcheck_details_name")
    assert client.post(url("idcheck_details_name"), NAME).url == url("idcheck_details_birth_date")
    assert client.post(url("idcheck_details_birth_date"), BORN).url == url(
        "idcheck_details_postcode"
    )
    assert client.post(url("idcheck_details_postcode"), {"postcode": "ls14ap"}).url == url(
        "idcheck_details_nhs_number"
    )
    response = client.post(url("idcheck_details_nhs_number"), {"nhs_number": nhs_number})
    assert response.url == url("idcheck_document")


def test_the_p5_failure_pages_and_the_hub_offer_photo_id_instead(client, patient):
    nhs_record(postcode="M1 1AE")
    assert by_number(client, "9434765919").url == reverse("verification:p5:not_matched")
    page = client.get(reverse("verification:p5:not_matched")).content.decode()
    assert "Prove who you are with photo ID instead" in page
    assert url("idcheck_start") in page
    assert "Prove who you are with photo ID" in client.get(url("start")).content.decode()


def test_the_too_many_tries_page_offers_photo_id_instead(client, patient, settings):
    settings.P5_TRACE_ATTEMPTS = 1
    by_number(client, "9434765919")
    page = client.get(reverse("verification:p5:too_many_attempts")).content.decode()
    assert "You have tried too many times" in page
    assert "Prove who you are with photo ID instead" in page


def test_a_p5_patient_is_not_asked_for_the_details(p5_patient):
    client = signed_in_client(p5_patient)
    assert client.post(url("idcheck_start")).url == url("idcheck_document")
    assert client.get(url("idcheck_details_name")).url == url("idcheck_document")


def test_the_details_come_first_and_jumping_ahead_is_sent_back(client):
    client.post(url("idcheck_start"))
    for later in ("idcheck_document", "idcheck_details_postcode", "idcheck_check_answers"):
        assert client.get(url(later)).url == url("idcheck_details_name")
    client.post(url("idcheck_details_name"), NAME)
    assert client.get(url("idcheck_details_nhs_number")).url == url("idcheck_details_birth_date")


def test_the_details_are_kept_encrypted_on_the_check_and_shown_to_check(client):
    answer_details(client, nhs_number="943 476 5919")
    check = IdCheck.objects.get()
    assert check.entered == {
        "given_name": "Jane",
        "family_name": "Smith",
        "birth_date": "1985-04-12",
        "postcode": "LS1 4AP",
        "nhs_number": "9434765919",
    }
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    client.post(url("idcheck_document_photo"), {"front": jpeg(passport_jpeg())})
    client.post(url("idcheck_method"), {"method": "face_scan"})
    face_scan_for_the_prompt(client)
    page = client.get(url("idcheck_check_answers")).content.decode()
    for shown in ("Jane Smith", "12 April 1985", "LS1 4AP", "9434765919"):
        assert shown in page
    assert url("idcheck_details_postcode") in page  # a Change link


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("idcheck_details_name", {"given_name": "", "family_name": ""}, "Enter your first name"),
        ("idcheck_details_name", {"given_name": "J4ne", "family_name": "Smith"}, "only include"),
        ("idcheck_details_birth_date", {}, "Enter your date of birth"),
        ("idcheck_details_postcode", {"postcode": "nowhere"}, "Enter a real postcode"),
        ("idcheck_details_nhs_number", {"nhs_number": "1234567890"}, "not a valid NHS number"),
    ],
)
def test_bad_details_get_a_clear_message_and_change_nothing(client, step, data, message):
    client.post(url("idcheck_start"))
    check = IdCheck.objects.get()
    earlier = {
        "idcheck_details_name": {},
        "idcheck_details_birth_date": NAME,
        "idcheck_details_postcode": {**NAME, "birth_date": "1985-04-12"},
        "idcheck_details_nhs_number": {**NAME, "birth_date": "1985-04-12", "postcode": "LS1 4AP"},
    }[step]
    if earlier:
        check.set_entered(**earlier)
    response = client.post(url(step), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in page and message in page
    check.refresh_from_db()
    assert check.entered == earlier


def test_an_entered_date_of_birth_under_the_minimum_age_stops_the_journey(client, settings):
    settings.P9_MINIMUM_AGE = 11
    client.post(url("idcheck_start"))
    client.post(url("idcheck_details_name"), NAME)
    born = years_ago(10)
    page = client.post(
        url("idcheck_details_birth_date"),
        {"birth_date_0": born.day, "birth_date_1": born.month, "birth_date_2": born.year},
    ).content.decode()
    assert "You need to be 11 or older" in page
    assert "birth_date" not in IdCheck.objects.get().entered
    assert client.get(url("idcheck_details_postcode")).url == url("idcheck_details_birth_date")


def face_scan_for_the_prompt(client):
    """Record the face scan (person A's clip) for the prompt the page gives."""
    client.get(url("idcheck_face"))
    prompt = IdCheck.objects.get().liveness_prompt
    response = client.post(url("idcheck_face"), {"face": video(face_scan(prompt))})
    assert response["Location"] == url("idcheck_check_answers")


def _session_text(client) -> str:
    session = client.session
    assert isinstance(session, SessionBase)
    return json.dumps(dict(session.items()), default=str)


def test_nothing_entered_is_in_the_session_the_task_arguments_the_audit_or_the_logs(
    client, patient, monkeypatch, django_capture_on_commit_callbacks, caplog, settings
):
    from verification import tasks

    settings.P9_FAST_TRACK = True
    record = nhs_record()
    queued = []
    real_apply_async = tasks.run_id_checks.apply_async

    def apply_async(args, **kwargs):
        queued.append(args)
        return real_apply_async(args, **kwargs)

    monkeypatch.setattr(tasks.run_id_checks, "apply_async", apply_async)
    caplog.set_level(logging.DEBUG)
    answer_details(client, nhs_number=record.nhs_number)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    photo, clip = genuine_capture()  # taken by the camera step: every check can pass
    client.post(url("idcheck_document_photo"), {"front": jpeg(photo), "front_clip": video(clip)})
    client.post(url("idcheck_method"), {"method": "face_scan"})
    face_scan_for_the_prompt(client)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("idcheck_check_answers")).url == url("idcheck_status")

    check = IdCheck.objects.get()
    assert check.status == IdCheck.Status.APPROVED
    assert Identity.objects.get(user=patient).nhs_number == record.nhs_number
    assert queued == [(str(check.pk),)]  # the id only
    entered = ["Jane", "Smith", "1985-04-12", "12 April 1985", "LS1 4AP", "LS14AP"]
    entered += [record.nhs_number, "943 476 5919"]
    session = _session_text(client)
    audit = json.dumps([e.details for e in AuditEvent.objects.filter(user=patient)])
    logs = caplog.text
    for value in entered:
        assert value.lower() not in session.lower(), value
        assert value.lower() not in audit.lower(), value
        assert value not in logs, value


def _ready_to_send(client, record):
    answer_details(client, nhs_number=record.nhs_number)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    photo, clip = genuine_capture()
    client.post(url("idcheck_document_photo"), {"front": jpeg(photo), "front_clip": video(clip)})
    client.post(url("idcheck_method"), {"method": "face_scan"})
    face_scan_for_the_prompt(client)


def test_checks_that_trace_the_record_are_limited_so_the_route_is_no_faster_oracle(
    client, patient, settings, django_capture_on_commit_callbacks
):
    """A no-match is rejected at once, so each traced check answers "do these details match
    a record?". Without a limit of its own the route would answer that as often as photos can
    be uploaded; P5's own attempts are left as they were."""
    from verification.models import TraceAttempt
    from verification.p5.services import attempts_left

    settings.P5_TRACE_ATTEMPTS = 2
    _ready_to_send(client, nhs_record())
    TraceAttempt.objects.create(user=patient, by="photo_id", outcome="no_match")  # an earlier
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(url("idcheck_check_answers")).url == url("idcheck_status")
    assert queued  # the checks and the email
    assert TraceAttempt.objects.filter(user=patient, by="photo_id").count() == 2
    assert attempts_left(patient) == 2  # P5 is counted apart

    IdCheck.objects.update(status=IdCheck.Status.DRAFT)  # as if they sent another check
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url("idcheck_check_answers"))
    page = response.content.decode()
    assert response.status_code == 200 and not queued
    assert "<title>Error: " in page
    assert "You have sent too many ID checks that needed us to find your NHS record" in page
    assert IdCheck.objects.get().status == IdCheck.Status.DRAFT  # nothing lost
    assert TraceAttempt.objects.filter(user=patient, by="photo_id").count() == 2
    assert AuditEvent.objects.filter(user=patient, event="idcheck.tracing_limited").exists()
