"""The automated checks on generated passports, faces and videos: pass and each failure."""

import datetime

import pytest
from django.utils import timezone

from core.models import AuditEvent, Notification
from tests.verification.idchecks import media
from tests.verification.idchecks.conftest import (
    blank_jpeg,
    build_check,
    clip,
    face_scan,
    genuine_check,
    make_p5_patient,
    passport_jpeg,
)
from verification.idchecks import services
from verification.models import AutomatedCheck, IdCheck


def outcomes(check) -> dict:
    return {r.name: r.outcome for r in check.results.all()}


FACE_SCAN_CHECKS = {
    "image_quality",
    "document_face",
    "machine_readable_zone",
    "document_capture",
    "document_camera",
    "document_issuer",
    "document_reuse",
    "face_match",
    "liveness",
}


def test_it_fast_tracks_a_face_scan_whose_checks_all_pass(p5_patient, submit, settings):
    settings.P9_FAST_TRACK = True
    check = submit(genuine_check(p5_patient))

    assert outcomes(check) == dict.fromkeys(FACE_SCAN_CHECKS, "pass"), [
        (r.name, r.summary) for r in check.results.all() if r.outcome != "pass"
    ]
    assert check.status == IdCheck.Status.APPROVED and check.fast_tracked
    p5_patient.refresh_from_db()
    assert p5_patient.proofing_level == "P9"
    assert all(r.confidence >= 0.9 for r in check.results.all())
    level_change = AuditEvent.objects.get(user=p5_patient, event="identity.level_changed")
    assert level_change.details["route"] == "fast track"
    assert AuditEvent.objects.filter(user=p5_patient, event="idcheck.fast_tracked").exists()
    templates = set(Notification.objects.filter(user=p5_patient).values_list("template", flat=True))
    assert {"idchecks.received", "idchecks.approved"} <= templates


def test_it_sends_a_passing_video_to_a_person_with_the_spoken_digits_as_a_hint(p5_patient, submit):
    check = submit(build_check(p5_patient, method="video", video=clip("webm")))

    assert check.status == IdCheck.Status.AWAITING_REVIEW
    p5_patient.refresh_from_db()
    assert p5_patient.proofing_level == "P5"
    found = outcomes(check)
    assert found["video_face"] == "pass" and found["machine_readable_zone"] == "pass"
    hint = check.results.get(name="spoken_digits")
    assert hint.advisory and hint.outcome in ("pass", "unsure")


def test_it_checks_an_mp4_video(p5_patient, submit):
    check = submit(build_check(p5_patient, method="video", video=clip("mp4")))
    assert outcomes(check)["video_face"] == "pass"


def test_it_does_not_try_to_hear_numbers_the_patient_signs(p5_patient, submit):
    check = submit(build_check(p5_patient, method="video", way="bsl"))
    assert outcomes(check)["spoken_digits"] == "not_applicable"


@pytest.mark.parametrize(
    ("front", "failed"),
    [
        (lambda: media.to_bytes(media.passport_page(blur=5)), "image_quality"),
        (lambda: media.to_bytes(media.passport_page(face=False)), "document_face"),
        (
            lambda: passport_jpeg(expiry=datetime.date(2020, 1, 31)),
            "machine_readable_zone",
        ),
        (lambda: passport_jpeg(surname="JONES"), "machine_readable_zone"),
        (
            lambda: passport_jpeg(birth_date=datetime.date(1990, 1, 1)),
            "machine_readable_zone",
        ),
    ],
    ids=["blurred", "no-face-on-document", "expired", "other-surname", "other-birth-date"],
)
def test_it_sends_a_failed_check_to_the_queue_with_the_reason(p5_patient, submit, front, failed):
    check = submit(build_check(p5_patient, method="face_scan", front=front()))

    assert check.status == IdCheck.Status.AWAITING_REVIEW
    p5_patient.refresh_from_db()
    assert p5_patient.proofing_level == "P5"
    assert outcomes(check)[failed] == "fail"


def test_it_says_which_mrz_detail_did_not_match(p5_patient, submit):
    check = submit(build_check(p5_patient, front=passport_jpeg(surname="JONES")))
    mrz = check.results.get(name="machine_readable_zone")
    assert mrz.details["check_digits_valid"] and not mrz.details["surname_matches"]
    assert mrz.details["birth_date_matches"] and "surname" in mrz.summary


def test_a_genuine_check_waits_for_a_person_while_the_fast_track_is_off(p5_patient, submit):
    check = submit(genuine_check(p5_patient))
    assert set(outcomes(check).values()) == {"pass"}
    assert check.status == IdCheck.Status.AWAITING_REVIEW and not check.fast_tracked


def test_it_fails_a_face_scan_with_no_face(p5_patient, submit):
    check = submit(build_check(p5_patient, method="face_scan", face=face_scan("no_face")))
    assert outcomes(check)["liveness"] == "fail"
    assert check.status == IdCheck.Status.AWAITING_REVIEW


def test_it_fails_a_video_with_no_face(p5_patient, submit):
    check = submit(build_check(p5_patient, method="video", video=clip("webm", face=False)))
    assert outcomes(check)["video_face"] == "fail"


def test_a_driving_licence_has_no_mrz_so_a_person_decides(p5_patient, submit):
    check = submit(build_check(p5_patient, document_type="uk_driving_licence", back=blank_jpeg()))
    assert outcomes(check)["machine_readable_zone"] == "not_applicable"
    assert check.status == IdCheck.Status.AWAITING_REVIEW


def test_running_again_repeats_no_check_and_makes_no_second_decision(p5_patient, submit):
    check = submit(build_check(p5_patient, method="face_scan", face=face_scan("no_face")))
    first = {r.name: r.completed_at for r in check.results.all()}

    services.run_automated_checks(check.pk)
    IdCheck.objects.filter(pk=check.pk).update(status=IdCheck.Status.SUBMITTED)
    services.run_automated_checks(check.pk)

    assert {r.name: r.completed_at for r in check.results.all()} == first
    assert AuditEvent.objects.filter(event="idcheck.queued_for_review").count() == 2
    assert AutomatedCheck.objects.filter(id_check=check).count() == len(FACE_SCAN_CHECKS)


def test_it_resumes_from_the_first_check_without_a_result(p5_patient, submit):
    check = submit(build_check(p5_patient, method="face_scan"))
    IdCheck.objects.filter(pk=check.pk).update(status=IdCheck.Status.SUBMITTED)
    check.results.filter(name__in=["machine_readable_zone", "liveness"]).delete()
    kept = check.results.get(name="image_quality").completed_at

    services.run_automated_checks(check.pk)

    check.refresh_from_db()
    assert check.results.count() == len(FACE_SCAN_CHECKS)
    assert check.results.get(name="image_quality").completed_at == kept


def test_it_deletes_media_after_the_retention_period_and_audits_it(p5_patient, submit, settings):
    from django.core.files.storage import default_storage

    settings.P9_MEDIA_RETENTION_DAYS = 30
    settings.P9_FAST_TRACK = True
    check = submit(genuine_check(p5_patient))
    assert check.status == IdCheck.Status.APPROVED
    names = [m.storage_name for m in check.media.all()]
    assert names and all(default_storage.exists(n) for n in names)

    assert services.delete_decided_media(now=timezone.now() + datetime.timedelta(days=29)) == 0
    assert services.delete_decided_media(now=timezone.now() + datetime.timedelta(days=31)) == 1

    assert not any(default_storage.exists(n) for n in names)
    assert not check.media.exists()
    assert AuditEvent.objects.filter(user=p5_patient, event="idcheck.media_deleted").exists()


def test_a_patient_under_the_minimum_age_cannot_start(db, settings):
    settings.P9_MINIMUM_AGE = 11
    child = make_p5_patient(birth_date=timezone.localdate() - datetime.timedelta(days=365 * 10))
    assert services.why_not_eligible(child) == "too_young"
    settings.P9_MINIMUM_AGE = 9
    assert services.why_not_eligible(child) is None


def test_a_check_sent_while_the_broker_is_down_is_resumed_later(
    p5_patient, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    from verification import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    check = build_check(p5_patient, method="face_scan", face=face_scan("no_face"))
    with monkeypatch.context() as patched:
        patched.setattr(tasks.run_id_checks, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            services.submit(check)
    check.refresh_from_db()
    assert check.status == IdCheck.Status.SUBMITTED  # kept, not lost, no error for the patient

    with django_capture_on_commit_callbacks(execute=True):  # as a worker's autocommit
        assert tasks.resume_stalled_id_checks.delay(0) is not None
    check.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_REVIEW


def test_an_id_card_is_checked_from_the_mrz_on_its_back_and_the_details_on_its_front(
    p5_patient, submit
):
    back = media.to_bytes(media.id_card_back())
    front = passport_jpeg(number="X4RTBPFW4")  # its printed details: those of the card's MRZ
    check = submit(build_check(p5_patient, document_type="eu_id_card", front=front, back=back))
    mrz = check.results.get(name="machine_readable_zone")
    assert mrz.outcome == "pass" and mrz.details["format"] == "TD1"
    assert mrz.details["viz_document_number_matches_mrz"]


def test_an_id_card_whose_front_contradicts_the_mrz_on_its_back_fails(p5_patient, submit):
    back = media.to_bytes(media.id_card_back())
    front = passport_jpeg(number="123456789")
    check = submit(build_check(p5_patient, document_type="eu_id_card", front=front, back=back))
    mrz = check.results.get(name="machine_readable_zone")
    assert mrz.outcome == "fail" and "contradicts" in mrz.summary


def test_an_id_card_whose_back_shows_another_birth_date_fails(p5_patient, submit):
    back = media.to_bytes(media.id_card_back(birth_date=datetime.date(1979, 1, 2)))
    check = submit(build_check(p5_patient, document_type="eu_id_card", back=back))
    mrz = check.results.get(name="machine_readable_zone")
    assert mrz.outcome == "fail" and not mrz.details["birth_date_matches"]
