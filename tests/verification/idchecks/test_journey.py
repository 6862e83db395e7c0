"""The patient's photo ID pages, through the Django test client."""

import datetime
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.conftest import (
    clip,
    face_jpeg,
    face_scan,
    make_p5_patient,
    passport_jpeg,
)
from verification.idchecks import faces
from verification.models import IdCheck


def url(name):
    return reverse(f"verification:{name}")


def jpeg(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def video(data, name="clip.webm"):
    return SimpleUploadedFile(name, data, content_type="video/webm")


def at_the_face_scan(client):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    client.post(url("idcheck_document_photo"), {"front": jpeg(passport_jpeg())})
    client.post(url("idcheck_method"), {"method": "face_scan"})
    client.get(url("idcheck_face"))
    return IdCheck.objects.get()


@pytest.mark.parametrize(
    ("capture", "problem"),
    [
        ("no_face", "no_face"),
        ("two_faces", "several_faces"),
        ("dark", "too_dark"),
        ("too_short", None),  # under 2 seconds: refused as an upload, before any check
        ("still", "no_movement"),
        ("wrong_prompt", "prompt_not_followed"),
    ],
)
def test_a_bad_face_scan_gets_a_clear_message_and_a_retry_and_changes_nothing(
    client, capture, problem
):
    check = at_the_face_scan(client)
    prompt = check.liveness_prompt
    if capture == "wrong_prompt":
        capture = {"turn_left": "turn_right", "turn_right": "turn_left"}.get(prompt, "turn_left")
    response = client.post(url("idcheck_face"), {"face": video(face_scan(capture))})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    message = faces.PATIENT_MESSAGES[problem] if problem else "must be at least 2 seconds"
    assert message in html.unescape(page)
    check.refresh_from_db()
    assert not check.media.filter(kind="face").exists()
    if problem:  # a capture that was checked: the next try gets another prompt
        assert check.liveness_prompt != prompt
    assert faces.PROMPTS[check.liveness_prompt] in page


def test_the_face_scan_page_offers_the_video_route_without_a_camera(client):
    at_the_face_scan(client)
    page = client.get(url("idcheck_face")).content.decode()
    assert 'action="/prove-who-you-are/photo-id/how/"' in page
    response = client.post(url("idcheck_method"), {"method": "video"})
    assert response["Location"] == url("idcheck_video")


@pytest.fixture
def client(p5_patient):
    return signed_in_client(p5_patient)


def start(client):
    return client.post(url("idcheck_start"))


def test_the_hub_offers_photo_id_at_p5(client):
    page = client.get(url("start")).content.decode()
    assert url("idcheck_start") in page


def test_a_p0_patient_starts_a_check_that_also_finds_their_nhs_record(db):
    """No NHS record match yet (ADR 0043): the check first asks what a trace needs."""
    client = signed_in_client(UserFactory())
    page = client.get(url("idcheck_start")).content.decode()
    assert "We will also find your NHS record" in page
    response = client.post(url("idcheck_start"))
    assert response["Location"] == url("idcheck_details_name")
    assert IdCheck.objects.get().needs_trace


def test_a_patient_under_the_minimum_age_sees_a_clear_page(db, settings):
    settings.P9_MINIMUM_AGE = 11
    child = make_p5_patient(birth_date=timezone.localdate() - datetime.timedelta(days=365 * 9))
    client = signed_in_client(child)
    page = client.get(url("idcheck_start")).content.decode()
    assert "You need to be 11 or older" in page
    client.post(url("idcheck_start"))
    assert not IdCheck.objects.exists()


def test_jumping_ahead_sends_the_patient_back_to_the_step_to_do(client):
    start(client)
    assert client.get(url("idcheck_check_answers"))["Location"] == url("idcheck_document")
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    assert client.get(url("idcheck_face"))["Location"] == url("idcheck_document_photo")


def test_it_shows_an_error_and_stores_nothing_for_a_bad_photo(client):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    response = client.post(
        url("idcheck_document_photo"), {"front": jpeg(b"%PDF-1.4 not a photo", "id.jpg")}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "must be a JPG, PNG or HEIC photo" in page
    assert not IdCheck.objects.get().media.exists()


def test_it_asks_for_the_back_of_a_card(client):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_driving_licence"})
    response = client.post(url("idcheck_document_photo"), {"front": jpeg(passport_jpeg())})
    assert "Select a photo of the back of your ID" in response.content.decode()


def test_the_video_route_shows_and_texts_the_4_numbers(client, p5_patient):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    client.post(url("idcheck_document_photo"), {"front": jpeg(passport_jpeg())})
    client.post(url("idcheck_method"), {"method": "video"})
    check = IdCheck.objects.get()
    page = client.get(url("idcheck_video")).content.decode()
    assert " ".join(check.digits) in page
    assert 'capture="user"' in page and 'accept="video/*"' in page
    sms = Notification.objects.get(template="idchecks.digits_sms")
    assert sms.recipient == p5_patient.phone_number


def test_the_face_scan_journey_sends_the_check(
    client, p5_patient, django_capture_on_commit_callbacks
):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    page = client.get(url("idcheck_document_photo")).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    client.post(url("idcheck_document_photo"), {"front": jpeg(passport_jpeg())})
    client.post(url("idcheck_method"), {"method": "face_scan"})
    page = client.get(url("idcheck_face")).content.decode()
    assert "Record a video instead" in page  # without a camera or JavaScript
    assert 'accept="video/*"' in page and 'capture="user"' in page
    check = IdCheck.objects.get()
    prompt = check.liveness_prompt
    assert faces.PROMPTS[prompt] in page
    response = client.post(url("idcheck_face"), {"face": video(face_scan(prompt))})
    assert response["Location"] == url("idcheck_check_answers")
    kept = check.media.get(kind="face")
    assert kept.liveness_prompt == prompt  # the prompt it was recorded for
    check.refresh_from_db()
    assert check.liveness_prompt  # and a new one is offered for any new recording
    assert "Check your answers" in client.get(url("idcheck_check_answers")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("idcheck_check_answers"))
    assert response["Location"] == url("idcheck_status")
    check = IdCheck.objects.get()
    assert check.status == IdCheck.Status.AWAITING_REVIEW  # the drawn face is not person A
    page = client.get(url("idcheck_status")).content.decode()
    assert "A member of our team will check your photo ID" in page
    assert Notification.objects.filter(user=p5_patient, template="idchecks.received").exists()
    # While it waits, starting again shows the status instead of a new check.
    assert client.get(url("idcheck_start"))["Location"] == url("idcheck_status")


def test_a_video_upload_is_checked(client):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    client.post(url("idcheck_document_photo"), {"front": jpeg(passport_jpeg())})
    client.post(url("idcheck_method"), {"method": "video"})
    short = SimpleUploadedFile("v.webm", clip("webm", seconds=1.0, digits=None), "video/webm")
    page = client.post(url("idcheck_video"), {"digits_way": "speak", "video": short}).content
    assert "at least 2 seconds" in page.decode()
    good = SimpleUploadedFile("v.webm", clip("webm"), "video/webm")
    response = client.post(url("idcheck_video"), {"digits_way": "write", "video": good})
    assert response["Location"] == url("idcheck_check_answers")


def test_uploads_are_limited(client, settings):
    from verification.idchecks import views

    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    for _ in range(views.UPLOADS.attempts):
        client.post(url("idcheck_document_photo"), {"front": jpeg(b"junk")})
    page = client.post(url("idcheck_document_photo"), {"front": jpeg(face_jpeg())}).content
    assert views.TOO_MANY in page.decode()
    assert not IdCheck.objects.get().media.exists()


def test_after_approval_the_patient_returns_to_the_service_that_asked_for_p9(client, p5_patient):
    from verification.idchecks import services

    session = client.session
    session["uplift"] = {"target": "P9", "return_to": "/authorize?client_id=abc"}
    session.save()
    start(client)
    check = IdCheck.objects.get()
    IdCheck.objects.filter(pk=check.pk).update(status=IdCheck.Status.SUBMITTED)
    services.set_proofing_level(p5_patient, "P9", route="fast track")
    IdCheck.objects.filter(pk=check.pk).update(status=IdCheck.Status.APPROVED)

    page = client.get(url("idcheck_status")).content.decode()
    assert "Continue to the service" in page
    response = client.post(url("idcheck_continue"))
    assert response["Location"] == "/authorize?client_id=abc"


def test_a_camera_clip_that_cannot_be_used_is_dropped_and_the_photo_kept(client):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    short = video(clip("webm", seconds=1.0, digits=None))
    response = client.post(
        url("idcheck_document_photo"), {"front": jpeg(passport_jpeg()), "front_clip": short}
    )
    assert response["Location"] == url("idcheck_method")
    kinds = set(IdCheck.objects.get().media.values_list("kind", flat=True))
    assert kinds == {"document_front"}  # the photo counts as chosen from a file


def test_a_new_photo_without_a_clip_drops_the_old_clip(client):
    start(client)
    client.post(url("idcheck_document"), {"document_type": "uk_passport"})
    client.post(
        url("idcheck_document_photo"),
        {"front": jpeg(passport_jpeg()), "front_clip": video(clip("webm", digits=None))},
    )
    check = IdCheck.objects.get()
    assert check.media.filter(kind="document_clip").exists()
    client.post(url("idcheck_document_photo"), {"front": jpeg(passport_jpeg(surname="JONES"))})
    assert not check.media.filter(kind="document_clip").exists()
