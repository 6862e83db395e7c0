"""A genuine face scan check, fast-tracked to P9, in Chromium with its fake camera.

The camera shows what the test chooses (``fake_camera``): first a passport lying on a desk,
filmed as a hand-held phone does (the document camera step), then the patient's own face
doing the prompt the page shows (the face scan). One Chromium has one fake camera, so each
step has its own browser, both signed in as the same patient. axe checks every page.
"""

import numpy as np
import pytest
from django.urls import reverse

from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from tests.verification.idchecks import faces_media, media
from tests.verification.idchecks.camera_media import camera_frames
from tests.verification.idchecks.conftest import CONFIRMED_PASSPORT, make_p5_patient
from tests.verification.idchecks.fake_camera import launch_with_camera, write_y4m
from verification.models import IdCheck

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLOW = 180_000  # "Send" runs the automated checks in the request (eager Celery in tests)


def camera_page(browser, live_server, y4m, patient):
    """A page in a Chromium whose camera shows ``y4m``, signed in as ``patient``."""
    chromium = launch_with_camera(browser.browser_type, y4m)
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    context.grant_permissions(["camera"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.base_url = live_server.url
    sign_in_browser(page, patient)
    return chromium, page


def go(page, action, timeout=30_000):
    action()
    page.wait_for_load_state("load", timeout=timeout)
    axe_check(page)


def passport_on_a_desk(tmp_path):
    """Jane Smith's passport (confirmed by the fake issuer) with a photo of person A."""
    page = faces_media.passport_page("a_congress", number=CONFIRMED_PASSPORT)
    photo = np.asarray(media.photographed(page, tilt=1.5, perspective=0.03, quality=92))
    frames = camera_frames(photo, width=1280)
    return write_y4m(frames, tmp_path / "passport.y4m", fps=12)


def face_doing(prompt, tmp_path):
    """Person A (another recording than the passport's photo) doing ``prompt``."""
    frames = faces_media.CLIPS[prompt]()
    return write_y4m(frames, tmp_path / "face.y4m", fps=faces_media.FPS)


def test_a_genuine_live_face_scan_with_a_confirmed_passport_is_fast_tracked(
    browser, live_server, tmp_path, settings
):
    settings.P9_FAST_TRACK = True
    patient = make_p5_patient()

    # The document, with the camera step.
    chromium, page = camera_page(browser, live_server, passport_on_a_desk(tmp_path), patient)
    try:
        go(page, lambda: page.goto("/prove-who-you-are/photo-id/"))
        go(page, lambda: page.get_by_role("button", name="Start now").click())
        page.get_by_label("UK passport").check()
        go(page, lambda: page.get_by_role("button", name="Continue").click())
        page.get_by_role("button", name="Use your camera").click()
        page.get_by_role("button", name="Take photo").click()
        page.get_by_text("Your photo is ready").wait_for()
        go(page, lambda: page.get_by_role("button", name="Continue", exact=True).click())
        check = IdCheck.objects.get(user=patient)
        assert check.media.filter(kind="document_clip").exists()  # taken live, with its clip
        page.get_by_label("Face scan: record your face with your camera for a few seconds").check()
        go(page, lambda: page.get_by_role("button", name="Continue").click())
        assert page.get_by_role("heading", level=1).inner_text() == "Record a face scan"
    finally:
        chromium.close()

    # The face scan, doing the prompt the page gives.
    check.refresh_from_db()
    prompt = check.liveness_prompt
    chromium, page = camera_page(browser, live_server, face_doing(prompt, tmp_path), patient)
    try:
        go(page, lambda: page.goto(reverse("verification:idcheck_face")))
        assert page.locator("#liveness-prompt").get_attribute("data-prompt") == prompt
        page.get_by_role("button", name="Start face scan").click()
        page.get_by_text("Your face scan is ready").wait_for(timeout=20_000)
        go(page, lambda: page.locator("#face-continue").click(), timeout=60_000)
        assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
        go(page, lambda: page.get_by_role("button", name="Send").click(timeout=SLOW), SLOW)
        check.refresh_from_db()
        outcomes = {r.name: (r.outcome, r.summary) for r in check.results.all()}
        assert all(outcome == "pass" for outcome, _ in outcomes.values()), outcomes
        assert check.status == IdCheck.Status.APPROVED and check.fast_tracked
        go(page, lambda: page.reload())
        assert page.get_by_role("heading", level=1).inner_text() == "You have proved who you are"
    finally:
        chromium.close()
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"
