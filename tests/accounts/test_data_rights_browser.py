"""Download your data and delete your NHS login in Chromium, axe on every page."""

import json
from pathlib import Path

import pytest

from accounts.models import User
from tests.accounts.data_rights import NHS_NUMBER, PASSWORD, patient_with_everything
from tests.accounts.test_journeys_browser import click, error_summary, go, heading, sign_in
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.DEBUG = True  # the outbox page exists only in development


def test_a_patient_downloads_their_data_after_a_wrong_password(page, phone_patient):
    patient_with_everything(phone_patient)
    sign_in_browser(page, phone_patient)
    go(page, "/account/")
    click(page, "Download your data", role="link")
    assert heading(page) == "Download your data"

    page.get_by_label("Password", exact=True).fill("not my password")
    click(page, "Download your data")
    assert page.title().startswith("Error:")
    assert "Your password is not right" in error_summary(page)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download your data", exact=True).click()
    download = downloading.value
    assert download.suggested_filename.startswith("nhs-login-data-")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["your_login"]["email_address"] == phone_patient.email
    assert data["who_you_are"]["nhs_number"] == NHS_NUMBER
    assert data["services_you_used"][0]["service"] == "Book a test"
    assert heading(page) == "Download your data"  # the page stays; no new page to check


def test_a_patient_deletes_their_login_after_missing_the_tick(page, phone_patient):
    email = phone_patient.email
    sign_in_browser(page, phone_patient)
    go(page, "/account/")
    click(page, "Delete your NHS login", role="link")
    assert heading(page) == "Delete your NHS login"

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click(page, "Delete your NHS login")
    assert "Tick the box to confirm" in error_summary(page)
    assert User.objects.filter(email=email).exists()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("I understand that my NHS login will be deleted").check()
    click(page, "Delete your NHS login")
    assert page.locator(".nhsuk-panel").inner_text().strip() == "Your NHS login has been deleted"
    assert not User.objects.filter(email=email).exists()

    go(page, "/outbox/")
    card = page.locator(".nhsuk-card", has_text="Your NHS login has been deleted").first
    assert email in card.inner_text()

    sign_in(page, email, PASSWORD)
    assert "Enter the security code" not in heading(page)
    assert error_summary(page)
