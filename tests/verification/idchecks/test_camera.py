"""The document camera step's evidence: the photo was taken live, not chosen from a file."""

from functools import cache

from tests.verification.idchecks import media
from tests.verification.idchecks.camera_media import camera_capture
from verification.idchecks import camera, checks, uploads


@cache
def capture(still=False, **page):
    clip, photo = camera_capture(media.passport_page(**page), still=still)
    return uploads.clean_video_bytes(clip).data, checks.load_image(photo)


def test_a_photo_taken_by_the_camera_step_with_its_moving_clip_passes():
    clip, photo = capture()
    result = camera.document_camera(photo, clip)
    assert result.outcome == checks.PASS, result.details
    assert result.details["photo_matches_clip"] >= camera.SAME_SCENE


def test_a_photo_chosen_from_a_file_has_no_clip_and_fails():
    _, photo = capture()
    result = camera.document_camera(photo, None)
    assert result.outcome == checks.FAIL
    assert result.summary == "The photo was chosen from a file, not taken with the camera step"


def test_a_clean_render_sent_with_a_clip_of_something_else_fails():
    clip, _ = capture()  # a genuine clip of one page
    render = checks.load_image(media.to_bytes(media.passport_page(surname="JONES")))
    result = camera.document_camera(render, clip)
    assert result.outcome == checks.FAIL
    assert result.summary == "The photo is not a picture of what the camera filmed"


def test_a_still_picture_fed_to_the_camera_fails_for_not_moving():
    clip, photo = capture(still=True)
    result = camera.document_camera(photo, clip)
    assert result.outcome == checks.FAIL
    assert "does not move" in result.summary
    assert result.details["motion"] < camera.HAND_HELD_MOTION
