"""The P0 journeys in Chromium, reading codes from the development outbox, axe on each page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import EmailCode, User
from tests.accounts.helpers import VALID_MOBILE
from tests.fixtures.browser import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long unusual password"


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.DEBUG = True  # the outbox page exists only in development


def go(page, path):
    page.goto(path)
    axe_check(page)


def click(page, name, role="button"):
    page.get_by_role(role, name=name, exact=True).first.click()
    axe_check(page)


def code_from_outbox(page, recipient_text: str) -> str:
    """Open the outbox, as a person trying the service would, and read the newest code."""
    back_to = page.url
    go(page, "/outbox/")
    card = page.locator(".nhsuk-card", has_text=recipient_text).first
    body = card.get_by_test_id("outbox-body").inner_text()
    digits = re.sub(r"[^0-9]", "", body) if "calling" in body or "Again" in body else body
    code = re.search(r"\d{6}", digits).group(0)
    go(page, back_to)
    return code


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def error_summary(page) -> str:
    return page.locator(".nhsuk-error-summary").inner_text()


def create_login(page, email="journey@example.com", phone=VALID_MOBILE):
    go(page, "/")
    click(page, "Create your NHS login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("I agree to the NHS login terms of use").check()
    click(page, "Continue")
    assert heading(page) == "Check your email"
    page.get_by_label("Security code").fill(code_from_outbox(page, email))
    click(page, "Continue")
    assert heading(page) == "Enter your phone number"
    page.get_by_label("Mobile", exact=True).check()
    page.get_by_label("UK phone number").fill(phone)
    click(page, "Continue")
    assert heading(page) == "Check your phone"
    page.get_by_label("Security code").fill(code_from_outbox(page, "+447400123456"))
    click(page, "Continue")


def sign_in(page, email="journey@example.com", password=PASSWORD):
    go(page, "/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    click(page, "Continue")


def test_a_patient_creates_a_login_signs_in_remembers_the_browser_and_skips_the_code(page):
    create_login(page)
    assert heading(page) == "Your NHS login"
    assert "You have created your NHS login" in page.content()
    assert "Low (P0)" in page.content()
    assert User.objects.get(email="journey@example.com").is_p0_complete

    click(page, "Sign out")
    assert "You have signed out" in page.content()

    sign_in(page)
    assert heading(page) == "Enter the security code"
    page.get_by_label("Security code").fill(code_from_outbox(page, "+447400123456"))
    page.get_by_label("Remember this browser for 30 days").check()
    click(page, "Continue")
    assert heading(page) == "Your NHS login"
    assert "1 browser" in page.content()

    click(page, "Sign out")
    sign_in(page)
    assert heading(page) == "Your NHS login"  # no security code this time

    click(page, "See what has happened to your NHS login", role="link")
    assert heading(page) == "Account activity"
    assert "You signed in" in page.content()
    assert "You created your NHS login" in page.content()

    go(page, "/account/browsers/")
    click(page, "Forget all browsers")
    assert "You have no remembered browsers" in page.content()
    click(page, "Sign out")
    sign_in(page)
    assert heading(page) == "Enter the security code"


def test_a_wrong_security_code_shows_an_error(page, phone_patient):
    sign_in(page, phone_patient.email, "correct horse battery")
    code_from_outbox(page, "+447400123456")
    page.get_by_label("Security code").fill("12345x")
    click(page, "Continue")
    assert "The security code must be 6 numbers" in error_summary(page)
    page.get_by_label("Security code").fill("000000")
    click(page, "Continue")
    assert page.title().startswith("Error:")
    assert "The security code is not right" in error_summary(page)


def test_an_expired_email_code_shows_an_error(page):
    go(page, "/account/create/")
    page.get_by_label("Email address").fill("late@example.com")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("I agree to the NHS login terms of use").check()
    click(page, "Continue")
    code = code_from_outbox(page, "late@example.com")
    EmailCode.objects.update(valid_until=timezone.now() - timedelta(minutes=1))
    page.get_by_label("Security code").fill(code)
    click(page, "Continue")
    assert "This security code has expired" in error_summary(page)
    click(page, "Send a new code")
    assert "We have sent you a new code" in page.content()
    page.get_by_label("Security code").fill(code_from_outbox(page, "late@example.com"))
    click(page, "Continue")
    assert heading(page) == "Enter your phone number"


def test_a_weak_password_and_missing_answers_show_errors(page):
    go(page, "/account/create/")
    click(page, "Continue")
    summary = error_summary(page)
    assert "Enter your email address" in summary
    assert "Enter a password" in summary
    assert "You must agree to the terms of use" in summary
    page.get_by_label("Email address").fill("weak@example.com")
    page.get_by_label("Create a password").fill("password")
    page.get_by_label("I agree to the NHS login terms of use").check()
    click(page, "Continue")
    assert "This password is too easy to guess" in error_summary(page)
    assert not User.objects.filter(email="weak@example.com").exists()


def test_an_existing_email_leads_to_the_same_page_and_the_owner_is_told(page, phone_patient):
    go(page, "/account/create/")
    page.get_by_label("Email address").fill(phone_patient.email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("I agree to the NHS login terms of use").check()
    click(page, "Continue")
    assert heading(page) == "Check your email"
    go(page, "/outbox/")
    card = page.locator(".nhsuk-card", has_text=phone_patient.email).first
    assert "Someone tried to create an NHS login" in card.inner_text()


def test_an_invalid_phone_number_shows_an_error(page):
    go(page, "/account/create/")
    page.get_by_label("Email address").fill("phone@example.com")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("I agree to the NHS login terms of use").check()
    click(page, "Continue")
    page.get_by_label("Security code").fill(code_from_outbox(page, "phone@example.com"))
    click(page, "Continue")
    click(page, "Continue")
    assert "Choose mobile or landline" in error_summary(page)
    page.get_by_label("Mobile", exact=True).check()
    page.get_by_label("UK phone number").fill("0113 496 0000")
    click(page, "Continue")
    assert "This is not a mobile number" in error_summary(page)
    page.get_by_label("UK phone number").fill("12345")
    click(page, "Continue")
    assert "Enter a UK mobile number" in error_summary(page)


def test_too_many_wrong_passwords_lock_sign_in(page, phone_patient):
    for _ in range(5):
        sign_in(page, phone_patient.email, "not my password")
    assert "Sign in is locked for 15 minutes" in error_summary(page)
    sign_in(page, phone_patient.email, "correct horse battery")
    assert "Sign in is locked" in error_summary(page)
    go(page, "/outbox/")
    assert "has been locked" in page.content()


def test_the_settings_pages_work_for_a_signed_in_patient(page, phone_patient):
    from tests.fixtures.sessions import sign_in_browser

    sign_in_browser(page, phone_patient)
    go(page, "/account/")
    click(page, "Change email address", role="link")
    page.get_by_label("New email address").fill("moved@example.com")
    click(page, "Continue")
    page.get_by_label("Security code").fill(code_from_outbox(page, "moved@example.com"))
    click(page, "Continue")
    assert "Your email address has been changed" in page.content()
    assert "moved@example.com" in page.content()

    click(page, "Change password", role="link")
    page.get_by_label("Current password").fill("correct horse battery")
    page.get_by_label("New password").fill("another long password")
    click(page, "Change password")
    assert "Your password has been changed" in page.content()

    click(page, "Change phone number", role="link")
    page.get_by_label("Landline", exact=True).check()
    page.get_by_label("UK phone number").fill("0113 496 0000")
    click(page, "Continue")
    page.get_by_label("Security code").fill(code_from_outbox(page, "+441134960000"))
    click(page, "Continue")
    assert "Your phone number has been changed" in page.content()
    assert "0113 496 0000" in page.content()

    click(page, "Manage remembered browsers", role="link")
    assert "You have no remembered browsers" in page.content()


def test_a_forgotten_password_can_be_reset_from_the_email(page, phone_patient):
    go(page, "/account/sign-in/")
    click(page, "I have forgotten my password", role="link")
    page.get_by_label("Email address").fill(phone_patient.email)
    click(page, "Send link")
    assert heading(page) == "Check your email"
    go(page, "/outbox/")
    body = page.locator(".nhsuk-card", has_text=phone_patient.email).first.inner_text()
    link = re.search(r"https?://\S+", body).group(0)
    token = link.rstrip("/").rsplit("/", 1)[1]
    sent = []  # every request the browser makes from here, with its Referer
    page.on("request", lambda r: sent.append((r.url, r.headers.get("referer", ""))))
    go(page, "/" + link.split("/", 3)[3])
    assert page.url.endswith("/account/password/reset/new-password/")  # no token
    page.get_by_label("New password").fill("Summer2024!")
    click(page, "Reset password")
    assert "This password is too easy to guess" in page.content()
    page.get_by_label("New password").fill("my new long password")
    click(page, "Reset password")
    assert "Your password has been reset" in page.content()
    assert [url for url, referer in sent if token in url + referer] == [sent[0][0]]
    sign_in(page, phone_patient.email, "my new long password")
    assert heading(page) == "Enter the security code"


def test_a_patient_signs_out_of_their_other_browsers(page, phone_patient):
    from tests.fixtures.sessions import sign_in_browser, signed_in_client

    elsewhere = signed_in_client(phone_patient)  # signed in on another device
    sign_in_browser(page, phone_patient)
    go(page, "/account/")
    click(page, "Manage remembered browsers", role="link")
    assert "signed in to your NHS login on 1 other browser now" in page.content()
    click(page, "Sign out of other browsers")
    assert "You have signed out of your other browsers" in page.content()
    assert "You are not signed in on any other browser now" in page.content()
    assert elsewhere.get("/account/").status_code == 302  # sent to sign in
    go(page, "/account/")
    assert "Your NHS login" in page.content()  # this browser is still signed in
