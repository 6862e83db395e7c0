"""Face match and liveness on real photos and clips made from them (faces_media.py): the
genuine cases pass, and every way to cheat that the engine can see fails."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.verification.idchecks import faces_media
from verification.idchecks import engines, faces
from verification.idchecks.checks import FAIL, PASS, UNSURE


@pytest.fixture(scope="module", autouse=True)
def face_photos():
    if faces_media.ensure_face_photos() is None:
        pytest.skip(
            "the face photos (face_recognition 1.3.0's sdist on PyPI) could not be fetched: "
            "run `make idcheck-fixtures` where PyPI can be reached"
        )


def frames(kind: str, fmt: str = "webm"):
    return faces.clip_frames(faces_media.clip(kind, fmt))


def live(kind: str, prompt: str, **kwargs):
    return faces.liveness(frames(kind), prompt, **kwargs)


def only_numbers_and_flags(details: dict) -> bool:
    """What a result may keep: numbers, booleans, short codes and boxes; never a descriptor."""
    text = json.dumps(details)
    numbers = [v for v in json.loads(text).values() if isinstance(v, list)]
    return all(len(v) <= 8 for v in numbers)


# --- the models ------------------------------------------------------------------------------


def test_dlibs_models_are_found_inside_the_installed_wheel_without_importing_it():
    folder = engines.dlib_models_dir()

    assert (folder / "shape_predictor_68_face_landmarks.dat").is_file()
    assert (folder / "dlib_face_recognition_resnet_model_v1.dat").is_file()


def test_a_face_has_a_box_68_landmarks_and_a_descriptor_biggest_face_first():
    found = faces.faces_in(faces_media.photo("a_portrait"))

    assert len(found) == 1
    face = found[0]
    left, top, right, bottom = face.box
    assert 0 <= left < right and 0 <= top < bottom
    assert face.landmarks.shape == (68, 2)
    assert face.descriptor.shape == (128,)
    two = faces.faces_in(np.asarray(faces_media.two_faces_frames("a_portrait", "b_blue_room")[0]))
    assert len(two) == 2
    assert (two[0].box[2] - two[0].box[0]) >= (two[1].box[2] - two[1].box[0])


def test_the_same_person_is_closer_than_different_people_on_the_real_photos():
    a1, a2, a3, b = (
        faces.faces_in(faces_media.photo(name))[0]
        for name in ("a_portrait", "a_congress", "a_blue_room", "b_blue_room")
    )

    same = [faces.face_distance(a1, a2), faces.face_distance(a1, a3), faces.face_distance(a2, a3)]
    different = [faces.face_distance(x, b) for x in (a1, a2, a3)]
    assert max(same) < faces.MATCH_AT_MOST
    assert min(same) > faces.SAME_PICTURE_BELOW
    assert min(different) > faces.NO_MATCH_FROM


# --- face match ------------------------------------------------------------------------------


def test_the_patients_live_face_matches_their_photo_id_taken_in_another_photo():
    result = faces.compare_faces(faces_media.document("a_congress"), frames("turn_left"))

    assert result.outcome == PASS and result.confidence >= 0.9
    details = result.details
    assert faces.SAME_PICTURE_BELOW <= details["distance"] <= faces.MATCH_AT_MOST
    assert details["frames_compared"] >= 3
    assert details["match_at_most"] == faces.MATCH_AT_MOST
    assert len(details["document_box"]) == 4 and len(details["live_box"]) == 4
    assert isinstance(details["live_frame"], int)
    assert only_numbers_and_flags(details)


def test_a_passport_page_with_a_valid_mrz_and_the_patients_photo_matches_their_live_face():
    page = np.asarray(faces_media.passport_page("a_congress", surname="SMITH"))

    result = faces.compare_faces(page, frames("turn_left"))

    assert result.outcome == PASS
    left, top, right, bottom = result.details["document_box"]
    assert left >= 60 and right <= 360 and top >= 110 and bottom <= 485  # the photo, not the ghost


def test_person_a_s_photo_id_with_person_b_s_live_face_fails_as_a_different_person():
    result = faces.compare_faces(faces_media.document("a_congress"), frames("b_turn_left"))

    assert result.outcome == FAIL
    assert result.details["problem"] == "different_person"
    assert result.details["distance"] >= faces.NO_MATCH_FROM
    assert "does not match" in result.summary


def test_the_photo_id_page_held_up_to_the_camera_fails_as_the_same_picture():
    result = faces.compare_faces(faces_media.document("a_congress"), frames("document_held_up"))

    assert result.outcome == FAIL
    assert result.details["problem"] == "same_picture"
    assert result.details["distance"] < faces.SAME_PICTURE_BELOW
    assert "document photo itself" in result.summary


def test_the_photo_ids_own_photo_as_the_face_scan_fails_as_the_same_picture():
    own_photo = faces_media.photographed(np.asarray(faces_media.id_photo("a_portrait")), seed=3)

    result = faces.compare_faces(faces_media.document("a_portrait"), [own_photo])

    assert result.outcome == FAIL and result.details["problem"] == "same_picture"


def test_a_photo_id_with_no_face_fails():
    blank = np.full((880, 1250, 3), 230, np.uint8)

    result = faces.compare_faces(blank, frames("turn_left"))

    assert result.outcome == FAIL and result.details["problem"] == "no_document_face"


def test_a_face_scan_with_no_face_fails_the_match():
    result = faces.compare_faces(faces_media.document("a_congress"), frames("no_face"))

    assert result.outcome == FAIL and result.details["problem"] == "no_live_face"


def test_a_live_face_that_matches_in_some_frames_only_is_never_a_pass():
    result = faces.compare_faces(faces_media.document("a_congress"), frames("swap"))

    assert result.outcome in (UNSURE, FAIL)


def test_the_checker_gets_each_face_cropped_as_a_jpeg():
    document = faces_media.document("a_congress")
    result = faces.compare_faces(document, frames("turn_left"))

    crop = faces.face_crop_jpeg(document, result.details["document_box"])

    image = Image.open(io.BytesIO(crop))
    assert image.format == "JPEG" and max(image.size) <= 400
    assert len(faces.faces_in(np.asarray(image.convert("RGB")), describe=False)) == 1


# --- liveness: the genuine cases --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "prompt"),
    [("turn_left", "turn_left"), ("turn_right", "turn_right"), ("blink", "blink")],
)
def test_a_live_person_who_does_what_the_prompt_asks_passes(kind, prompt):
    result = live(kind, prompt)

    assert result.outcome == PASS, result.details
    assert result.details["problem"] is None
    assert only_numbers_and_flags(result.details)


def test_an_mp4_recording_passes_too():
    result = faces.liveness(frames("turn_left", "mp4"), "turn_left")

    assert result.outcome == PASS, result.details


# --- liveness: each way to cheat, and each bad capture ----------------------------------------


def test_turning_the_wrong_way_fails():
    result = live("turn_right", "turn_left")

    assert result.outcome == FAIL
    assert result.details["problem"] == "prompt_not_followed"
    assert result.details["wrong_way"] is True


def test_a_head_turn_read_in_a_mirrored_recording_is_the_other_way():
    assert live("turn_left", "turn_left", mirrored=True).outcome == FAIL
    assert live("turn_left", "turn_right", mirrored=True).outcome == PASS


def test_a_head_turn_when_asked_to_blink_fails():
    result = live("turn_left", "blink")

    assert result.outcome == FAIL and result.details["problem"] == "prompt_not_followed"
    assert result.details["blinks"] == 0


def test_a_blink_when_asked_to_turn_fails():
    result = live("blink", "turn_right")

    assert result.outcome == FAIL and result.details["problem"] == "prompt_not_followed"


def test_a_still_photo_sent_as_a_clip_fails():
    result = live("still", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "no_movement"


def test_a_printed_photo_turned_in_front_of_the_camera_does_not_pass_as_a_head_turn():
    result = live("printed_photo", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "prompt_not_followed"
    assert result.details["yaw_change"] < faces.TURN_BY


def test_a_short_recording_played_in_a_loop_fails_as_replayed():
    result = live("looped", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "replayed"


def test_a_different_person_taking_over_mid_clip_fails():
    result = live("swap", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "different_people"
    assert result.details["identity_spread"] > faces.SAME_PERSON_IN_CLIP


def test_another_person_doing_the_head_turn_in_the_middle_of_a_clip_of_the_patient_fails():
    result = live("prompt_by_another", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "different_people"
    match = faces.compare_faces(faces_media.document("a_congress"), frames("prompt_by_another"))
    assert match.outcome == PASS  # the spread frames alone show the patient: liveness stops it


def test_two_faces_in_the_clip_fail():
    result = live("two_faces", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "several_faces"


def test_a_clip_with_no_face_fails():
    result = live("no_face", "blink")

    assert result.outcome == FAIL and result.details["problem"] == "no_face"


def test_a_dark_clip_fails():
    result = live("dark", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "too_dark"


def test_a_clip_under_two_seconds_fails():
    result = live("too_short", "turn_left")

    assert result.outcome == FAIL and result.details["problem"] == "too_short"


def test_a_clip_that_cannot_be_read_fails_as_too_short():
    assert faces.clip_frames(b"not a video at all") == []
    assert faces.liveness([], "blink").details["problem"] == "too_short"


def test_every_problem_has_a_plain_message_for_the_patient():
    problems = {
        "no_face",
        "several_faces",
        "too_dark",
        "too_short",
        "no_movement",
        "prompt_not_followed",
        "different_people",
        "replayed",
    }

    assert set(faces.PATIENT_MESSAGES) == problems
    for message in faces.PATIENT_MESSAGES.values():
        assert message.endswith(".") and len(message) < 160


# --- prompts and frames ----------------------------------------------------------------------


def test_the_prompt_is_chosen_at_random_from_the_three():
    seen = {faces.random_prompt() for _ in range(200)}

    assert seen == set(faces.PROMPTS) == {"turn_left", "turn_right", "blink"}
    assert faces.PROMPTS["blink"] == "Blink twice"


def test_frames_are_sampled_about_8_a_second_with_their_times():
    sampled = frames("turn_left")

    times = [t for t, _ in sampled]
    assert times[0] == 0.0 and 3.5 <= times[-1] <= 4.0
    assert 28 <= len(sampled) <= 34
    assert all(rgb.shape == (480, 640, 3) for _, rgb in sampled)
    assert len(faces.clip_frames(faces_media.clip("turn_left"), max_frames=10)) == 10


def test_big_frames_are_shrunk_to_at_most_960_pixels():
    big = [
        np.kron(f, np.ones((2, 2, 1), np.uint8))
        for f in faces_media.still_frames("a_portrait", 0.5)
    ]

    sampled = faces.clip_frames(faces_media.write_clip(big))

    assert sampled and all(max(rgb.shape[:2]) <= 960 for _, rgb in sampled)
