"""Passkeys in Chromium with a virtual authenticator (DevTools Protocol), axe on each page."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from core.models import AuditEvent
from tests.accounts.test_journeys_browser import click, code_from_outbox, go, heading, sign_in
from tests.fixtures.browser import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _outbox_and_relying_party(settings, live_server):
    settings.DEBUG = True  # the outbox page exists only in development
    # The live server is http://localhost:<port>: a secure context, so WebAuthn works there.
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


@pytest.fixture
def authenticator(page):
    """A platform passkey authenticator that verifies the user (as a fingerprint would)."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield session, added["authenticatorId"]
    session.send("WebAuthn.disable")


def test_a_patient_adds_a_passkey_and_signs_in_with_it_alone(page, phone_patient, authenticator):
    assert page.base_url.startswith("http://localhost:")
    sign_in(page, phone_patient.email, "correct horse battery")
    page.get_by_label("Security code").fill(code_from_outbox(page, "+447400123456"))
    click(page, "Continue")
    assert heading(page) == "Your NHS login"

    click(page, "Manage passkeys", role="link")
    assert heading(page) == "Passkeys"
    assert "You have no passkeys" in page.content()
    with page.expect_navigation():  # the script shows the page again once the passkey is added
        page.get_by_role("button", name="Add a passkey").click()
    axe_check(page)
    assert "You added a passkey" in page.content()
    assert WebAuthnCredential.objects.filter(user=phone_patient).count() == 1
    session, authenticator_id = authenticator
    stored = session.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert stored["credentials"][0]["isResidentCredential"] is True

    click(page, "Sign out")
    assert "You have signed out" in page.content()

    go(page, "/account/sign-in/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url("**/account/")
    axe_check(page)
    assert heading(page) == "Your NHS login"
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.passkey").exists()
