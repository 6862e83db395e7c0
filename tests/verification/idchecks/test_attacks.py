"""A fraudster's ways to a P9 without a person: each must fail, and the checker sees why.

Each test starts from a genuine face scan check (``genuine_check``: a passport photographed
by the camera step and confirmed by its issuer, carrying a photo of person A, and another
recording of person A doing the prompt), which the fast track approves, and changes the one
thing a fraudster would. The fast track is on for all of them.
"""

import pytest
from django.urls import reverse

from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks import faces_media, media
from tests.verification.idchecks.camera_media import camera_capture
from tests.verification.idchecks.conftest import (
    face_jpeg,
    face_scan,
    genuine_capture,
    genuine_check,
    make_p5_patient,
    passport_jpeg,
)
from verification.idchecks import services
from verification.models import IdCheck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_track_on(settings):
    settings.P9_FAST_TRACK = True


def outcome(check, name) -> str:
    return check.results.get(name=name).outcome


def not_fast_tracked(check, *failed):
    """The check waits for a person, the patient is not P9, and each named check is among
    the warnings the checker sees beside the decision."""
    check.refresh_from_db()
    check.user.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_REVIEW and not check.fast_tracked
    assert check.user.proofing_level != "P9"
    warned = {r.name for r in services.warnings_for(check)}
    assert set(failed) <= warned, (failed, warned)
    return check


def test_the_genuine_check_is_fast_tracked(p5_patient, submit):
    """The baseline every attack below changes one thing of."""
    check = submit(genuine_check(p5_patient))
    assert check.status == IdCheck.Status.APPROVED and check.fast_tracked


def test_someone_elses_face_with_the_passport_fails_the_face_match(p5_patient, submit):
    check = submit(genuine_check(p5_patient, face=face_scan("b_turn_left")))
    not_fast_tracked(check, "face_match")
    assert check.results.get(name="face_match").details["distance"] >= 0.6
    assert services.needs_second_checker(check)  # one checker cannot approve it alone


def test_a_rendered_page_with_the_victims_details_and_the_fraudsters_photo_fails(
    p5_patient, submit
):
    """The victim's surname and birth date (so the MRZ and record match), valid check
    digits, a made-up number, the fraudster's own photo, the fraudster's own live face."""
    render = media.to_bytes(faces_media.passport_page("b_blue_room", number="512345678"))
    check = submit(
        genuine_check(p5_patient, front=render, front_clip=None, face=face_scan("b_turn_left"))
    )
    not_fast_tracked(check, "document_capture", "document_camera", "document_issuer")
    assert outcome(check, "machine_readable_zone") == "pass"  # the forger got that right
    # (The face match cannot help here in a real attack: it is the forger's own face. The
    # corpus has one photo of person B, so here it also fails, as "the same picture".)


def test_the_same_render_photographed_by_the_camera_step_is_refused_by_the_issuer(
    p5_patient, submit
):
    clip, photo = camera_capture(faces_media.passport_page("b_blue_room", number="512345678"))
    check = submit(
        genuine_check(p5_patient, front=photo, front_clip=clip, face=face_scan("b_turn_left"))
    )
    not_fast_tracked(check, "document_issuer")
    assert check.results.get(name="document_issuer").details["outcome"] == "invalid"


def test_the_passport_held_up_to_the_camera_as_the_face_scan_fails(p5_patient, submit):
    """The live face is the passport's own photo: far closer than two photos of one person."""
    check = submit(genuine_check(p5_patient, face=face_scan("document_held_up")))
    not_fast_tracked(check, "face_match")
    assert check.results.get(name="face_match").details["distance"] < 0.3


def test_a_photo_cannot_be_sent_as_the_face_scan(p5_patient):
    check = genuine_check(p5_patient)
    check.media.filter(kind="face").delete()
    client = signed_in_client(p5_patient)
    for picture in (passport_jpeg(), face_jpeg()):
        response = client.post(
            reverse("verification:idcheck_face"),
            {"face": _upload("me.jpg", picture, "image/jpeg")},
        )
        assert response.status_code == 200
        assert "must be a WebM or MP4 video" in response.content.decode()
    assert not check.media.filter(kind="face").exists()


def test_the_same_passport_on_three_logins_is_fast_tracked_once(submit):
    first, second, third = (make_p5_patient() for _ in range(3))
    assert submit(genuine_check(first)).fast_tracked
    for other in (second, third):
        check = not_fast_tracked(submit(genuine_check(other)), "document_reuse")
        assert check.results.get(name="document_reuse").details["reused"] == [
            "document_number",
            "picture",
        ]


@pytest.mark.parametrize(
    ("clip", "problem"),
    [
        ("still", "no_movement"),
        ("printed_photo", None),
        ("looped", "replayed"),
        ("swap", "different_people"),
        ("prompt_by_another", "different_people"),
        ("turn_right", "prompt_not_followed"),
    ],
    ids=[
        "a-still",
        "a-printed-photo",
        "a-replay",
        "a-swap",
        "another-does-the-prompt",
        "no-prompt",
    ],
)
def test_a_face_scan_that_is_not_a_live_person_doing_the_prompt_fails(
    p5_patient, submit, clip, problem
):
    check = submit(genuine_check(p5_patient, face=face_scan(clip), prompt="turn_left"))
    not_fast_tracked(check, "liveness")
    if problem:
        assert check.results.get(name="liveness").details["problem"] == problem


def test_a_still_photo_sent_as_the_video_is_flagged_for_the_checker(p5_patient, submit):
    check = submit(genuine_check(p5_patient, method="video", video=face_scan("still")))
    not_fast_tracked(check, "liveness")
    assert services.needs_second_checker(check)


def test_a_photo_chosen_from_a_file_is_never_fast_tracked(p5_patient, submit):
    photo, _ = genuine_capture()
    check = submit(genuine_check(p5_patient, front=photo, front_clip=None))
    not_fast_tracked(check, "document_camera")


def test_a_login_whose_owner_disputed_a_p9_is_not_fast_tracked(p5_patient, submit):
    from accounts.models import SupportCase

    SupportCase.objects.create(
        user=p5_patient, kind=SupportCase.Kind.PROOFING_DISPUTED, level_before="P5"
    )
    check = submit(genuine_check(p5_patient))
    check.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_REVIEW
    assert set(check.results.values_list("outcome", flat=True)) == {"pass"}


def test_with_the_fast_track_off_even_a_genuine_check_waits_for_a_person(
    p5_patient, submit, settings
):
    settings.P9_FAST_TRACK = False
    check = submit(genuine_check(p5_patient))
    assert check.status == IdCheck.Status.AWAITING_REVIEW


def _upload(name, data, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)
