"""The photo ID journeys in Chromium, with file uploads, and the checkers deciding.

axe checks every page (the ``page`` fixture fails the test if one is missed).
"""

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from tests.verification.idchecks.conftest import (
    blank_jpeg,
    clip,
    face_scan,
    magic_passport_jpeg,
    make_p5_patient,
)
from verification.idchecks import faces, services
from verification.models import IdCheck

SLOW = 120_000  # sending runs the automated checks (OCR) in the eager test setup
# The fake engine decides the automated checks (its magic: the passport's width); the real
# engines' journey in a browser is test_fast_track_browser.py.
pytestmark = pytest.mark.usefixtures("fake_id_check_engine")


@pytest.fixture
def files(tmp_path):
    paths = {
        "passport": tmp_path / "passport.jpg",
        "blank": tmp_path / "me.jpg",
        "video": tmp_path / "me.webm",
    }
    # A passport whose face is not the patient's (the fake engine's magic width).
    paths["passport"].write_bytes(magic_passport_jpeg("face_not_theirs"))
    paths["blank"].write_bytes(blank_jpeg())
    paths["video"].write_bytes(clip("webm"))
    for prompt in faces.PROMPTS:  # the face scan for whichever prompt the page gives
        paths[prompt] = tmp_path / f"{prompt}.webm"
        paths[prompt].write_bytes(face_scan(prompt))
    return paths


def checker_page(browser, live_server):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=services.CHECKERS_GROUP)[0])
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.base_url = live_server.url
    sign_in_browser(page, user)
    return page


def go(page, action):
    action()
    page.wait_for_load_state("load")
    axe_check(page)


def choose_document_and_photo(page, files):
    page.goto("/prove-who-you-are/")
    axe_check(page)
    go(page, lambda: page.get_by_role("link", name="Prove who you are with photo ID").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Prove who you are with photo ID"
    go(page, lambda: page.get_by_role("button", name="Start now").click())
    # Continue without choosing: an error summary, then the choice.
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    assert "Select the photo ID you will use" in page.locator(".nhsuk-error-summary").inner_text()
    page.get_by_label("UK passport").check()
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    page.set_input_files("input[name=front]", str(files["passport"]))
    page.locator("#front-preview").wait_for(state="visible")  # the JavaScript preview
    go(page, lambda: page.get_by_role("button", name="Continue").click())


def send(page):
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
    go(page, lambda: page.get_by_role("button", name="Send").click(timeout=SLOW))
    assert page.get_by_role("heading", level=1).inner_text() == "We are checking your photo ID"


def take_and_decide(checker, decide):
    checker.goto("/prove-who-you-are/id-checks/")
    axe_check(checker)
    go(checker, lambda: checker.get_by_role("button", name="Take the next check").click())
    assert checker.get_by_role("heading", level=1).inner_text() == "Check ID"
    decide(checker)


@pytest.mark.browser
def test_photo_id_and_video_approved_by_a_checker(page, browser, live_server, files):
    patient = make_p5_patient()
    sign_in_browser(page, patient)
    choose_document_and_photo(page, files)
    page.get_by_label("Record a short video").check()
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    check = IdCheck.objects.get(user=patient)
    assert page.locator("#digits").inner_text() == " ".join(check.digits)
    assert page.locator("#record-button").is_visible()  # MediaRecorder enhancement
    page.get_by_label("Say them out loud").check()
    page.set_input_files("input[name=video]", str(files["video"]))
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    send(page)

    check.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_REVIEW

    # The generated passport's drawn face is not the face in the video: approving it needs a
    # written reason from one checker and the approval of a second (four eyes).
    first = checker_page(browser, live_server)

    def approve_with_a_reason(checker):
        assert checker.locator("#expected-digits").inner_text() == check.digits
        assert checker.locator("#digits-way").inner_text() == "Say them out loud"
        assert "Smith" in checker.locator("main").inner_text()
        assert "Face match" in checker.locator("#automated-warnings").inner_text()
        checker.get_by_label("Approve: this is the patient").check()
        go(checker, lambda: checker.get_by_role("button", name="Save decision").click())
        assert (
            "Say why you are approving it" in checker.locator(".nhsuk-error-summary").inner_text()
        )
        checker.get_by_label("Approve: this is the patient").check()
        checker.get_by_label("Why are you approving it although an automated check failed?").fill(
            "The photo is old; same ears and mole"
        )
        go(checker, lambda: checker.get_by_role("button", name="Save decision").click())
        assert (
            "A second identity checker must also approve it" in checker.locator("main").inner_text()
        )

    take_and_decide(first, approve_with_a_reason)
    first.context.close()
    check.refresh_from_db()
    assert check.status == IdCheck.Status.AWAITING_SECOND_REVIEW

    second = checker_page(browser, live_server)

    def approve(checker):
        assert "The photo is old; same ears and mole" in checker.locator("main").inner_text()
        checker.get_by_label("Approve: this is the patient").check()
        go(checker, lambda: checker.get_by_role("button", name="Save decision").click())
        assert "Check approved" in checker.locator("main").inner_text()

    take_and_decide(second, approve)
    second.context.close()

    go(page, lambda: page.reload())
    assert page.get_by_role("heading", level=1).inner_text() == "You have proved who you are"
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"


@pytest.mark.browser
def test_photo_id_and_face_scan_rejected_by_a_checker(page, browser, live_server, files):
    patient = make_p5_patient()
    sign_in_browser(page, patient)
    choose_document_and_photo(page, files)
    page.get_by_label("Face scan: record your face with your camera for a few seconds").check()
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    assert page.locator("input[name=face]").get_attribute("capture") == "user"
    assert page.get_by_role("button", name="Start face scan").is_visible()  # a camera: live
    prompt = page.locator("#liveness-prompt").get_attribute("data-prompt")
    # A real person doing the prompt; the generated passport's drawn face is not them.
    page.set_input_files("input[name=face]", str(files[prompt]))
    go(page, lambda: page.locator("#face-continue").click())
    send(page)

    checker = checker_page(browser, live_server)

    def reject(checker):
        warnings = checker.locator("#automated-warnings").inner_text()
        assert "Face match" in warnings
        assert checker.get_by_alt_text("The face on the photo ID").is_visible()
        checker.get_by_label("Reject", exact=True).check()
        checker.get_by_label("Reason for rejecting").select_option("face_mismatch")
        checker.get_by_label("Note (optional)").fill("Photo of a wall")
        go(checker, lambda: checker.get_by_role("button", name="Save decision").click())
        assert "Check rejected" in checker.locator("main").inner_text()

    take_and_decide(checker, reject)
    checker.context.close()

    go(page, lambda: page.reload())
    assert page.get_by_role("heading", level=1).inner_text() == "We could not check your photo ID"
    assert page.locator("#rejection-reason").inner_text() == "the face does not match the photo ID"
    go(page, lambda: page.get_by_role("button", name="Try again").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Which photo ID will you use?"


@pytest.mark.browser
def test_the_video_can_be_recorded_in_the_page_with_mediarecorder(page, files):
    """Chromium's fake camera and microphone; the recording goes in the same file input."""
    patient = make_p5_patient()
    page.context.grant_permissions(["camera", "microphone"])
    sign_in_browser(page, patient)
    choose_document_and_photo(page, files)
    page.get_by_label("Record a short video").check()
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    page.get_by_label("Write them down and hold the paper up to the camera").check()
    page.get_by_role("button", name="Start recording").click()
    page.locator("#recorder-status:not(:empty)").wait_for()
    assert page.locator("#recorder-status").inner_text().startswith("Recording")
    page.wait_for_timeout(3500)
    page.get_by_role("button", name="Stop recording").click()
    page.get_by_text("Your video is ready").wait_for()
    go(page, lambda: page.get_by_role("button", name="Continue", exact=True).click())
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
    video = IdCheck.objects.get(user=patient).media.get(kind="video")
    assert video.content_type == "video/webm" and 2 <= video.duration_seconds <= 30
