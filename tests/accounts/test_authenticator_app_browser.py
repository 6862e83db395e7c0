"""An authenticator app in Chromium: set it up, sign out, sign in with the password and the
app's code (ADR 0016), axe on each page. The "app" is the RFC 6238 sum done with the key the
page shows, as a patient's app would do it after they typed the key in."""

import base64

import pytest
from django_otp.oath import totp

from core.models import AuditEvent
from tests.accounts.test_journeys_browser import click, code_from_outbox, go, heading, sign_in
from tests.fixtures.browser import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.DEBUG = True  # the outbox page exists only in development


def app_code(key_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed in from the page."""
    secret = key_text.replace(" ", "")
    secret += "=" * (-len(secret) % 8)
    token = totp(base64.b32decode(secret), step=30, t0=-30 * steps_ahead, drift=0)
    return f"{token:06d}"


def test_a_patient_sets_up_an_app_and_signs_in_with_its_code(page, phone_patient):
    sign_in(page, phone_patient.email, "correct horse battery")
    page.get_by_label("Security code").fill(code_from_outbox(page, "+447400123456"))
    click(page, "Continue")
    assert heading(page) == "Your NHS login"

    click(page, "Manage authenticator app", role="link")
    assert heading(page) == "Authenticator app"
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app", exact=False)
    assert qr.locator("svg").count() == 1
    key = page.locator("#authenticator-app-key").inner_text()
    page.get_by_label("Security code").fill(app_code(key))
    click(page, "Continue")
    assert "You set up your authenticator app" in page.content()

    click(page, "Sign out")
    assert "You have signed out" in page.content()

    sign_in(page, phone_patient.email, "correct horse battery")
    assert heading(page) == "Enter the code from your authenticator app"
    # The setup code is used up: the app's next code signs in.
    page.get_by_label("Security code").fill(app_code(key, 1))
    click(page, "Continue")
    assert heading(page) == "Your NHS login"
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.authenticator_app").exists()
    go(page, "/account/activity/")
    assert "You signed in with a code from your authenticator app" in page.content()
    axe_check(page)
