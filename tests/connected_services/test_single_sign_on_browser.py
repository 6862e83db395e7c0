"""Single sign-on in Chromium (axe on every page): the demo GP surgery hands a signed-in
patient to the demo pharmacy, which gets them without NHS login's sign-in page (ADR 0067)."""

import pytest

from connected_services import events
from core.models import AuditEvent
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _go(page, name: str, kind="link"):
    page.get_by_role(kind, name=name).click()
    page.wait_for_load_state("load")
    axe_check(page)


def _sign_in_to_the_surgery(page, demo_service):
    page.goto(demo_service + "/")
    axe_check(page)
    page.get_by_label("Just my NHS login (P0)").check()
    _go(page, "Continue to NHS login", "button")


def test_a_patient_moves_from_one_service_to_another_without_signing_in_again(
    page, demo_service, patient
):
    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    sign_in_browser(page, patient)
    _sign_in_to_the_surgery(page, demo_service)
    page.get_by_label("Yes, share it").check()
    _go(page, "Continue", "button")
    assert page.locator("h1").inner_text() == "You are signed in"

    # First visit to the pharmacy: the sign-in carries over, but the patient is asked once
    # whether to share with it (prompt=none cannot ask, so the pharmacy asks again).
    _go(page, "Go to the demo pharmacy without signing in again")
    assert "Share your information with Demo pharmacy" in page.content()
    page.get_by_label("Yes, share it").check()
    _go(page, "Continue", "button")
    assert page.locator("h1").inner_text() == "You are signed in"
    assert page.locator("#vot").inner_text() == "P0.Cp"

    # Next time: from the surgery straight into the pharmacy, no page at NHS login at all.
    _sign_in_to_the_surgery(page, demo_service)
    assert page.locator("h1").inner_text() == "You are signed in"
    visited.clear()
    _go(page, "Go to the demo pharmacy without signing in again")
    assert page.locator("h1").inner_text() == "You are signed in"
    assert "without signing in again" in page.locator("#how").inner_text()
    assert page.locator("#vot").inner_text() == "P0.Cp"
    assert not [url for url in visited if url.startswith(page.base_url)], visited
    event = AuditEvent.objects.get(event=events.SINGLE_SIGN_ON)
    assert event.user_id == patient.pk
    assert event.details["from_service"] == "demo-gp-surgery"
    assert event.details["service"] == "demo-pharmacy"


def test_after_signing_out_of_nhs_login_the_pharmacy_asks_the_patient_to_sign_in(
    page, demo_service, patient
):
    """The surgery still holds its ID token, but the patient signed out of NHS login: the
    pharmacy's silent attempt answers sso_login_required, and it then asks NHS login the
    ordinary way, which shows the sign-in page."""
    sign_in_browser(page, patient)
    _sign_in_to_the_surgery(page, demo_service)
    page.get_by_label("Yes, share it").check()
    _go(page, "Continue", "button")
    page.goto("/logout")
    axe_check(page)
    page.goto(demo_service + "/")
    axe_check(page)
    page.goto(demo_service + "/to-pharmacy")
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Sign in")
    assert not AuditEvent.objects.filter(event=events.SINGLE_SIGN_ON).exists()
