"""Keyboard only (issue 19): on each page the skip link is the first Tab stop; after using it
the address holds #maincontent, and an empty submit must still put focus on the error
summary, whose links move focus to their fields. Forms post to an explicit URL, so the
fragment is never carried on by the redirect (tests/core/test_forms_post_to_explicit_urls.py).
"""

import pytest

from tests.fixtures.browser import axe_check
from tests.fixtures.keyboard import (
    assert_error_summary_has_focus_and_links_to_fields,
    first_tab_is_the_skip_link,
    keyboard_page,
    skip_then_submit_empty,
    tab_to,
)
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "path",
    ["/account/create/", "/account/sign-in/", "/account/password/forgotten/"],
)
def test_signed_out_pages_keyboard_only(page, path):
    page.goto(path)
    axe_check(page)
    skip_then_submit_empty(page)
    assert_error_summary_has_focus_and_links_to_fields(page)


@pytest.mark.parametrize("path", ["/account/email/", "/account/phone/"])
def test_signed_in_pages_keyboard_only(page, patient, path):
    sign_in_browser(page, patient)
    page.goto(path)
    axe_check(page)
    skip_then_submit_empty(page)
    assert_error_summary_has_focus_and_links_to_fields(page)


def test_creating_a_login_and_signing_in_keyboard_only(page):
    from tests.accounts.helpers import latest_code

    email, mobile = "keys@example.com", "07700 900 123"
    page.goto("/account/create/")
    axe_check(page)
    keyboard_page(
        page,
        [
            ("Email address", email),
            ("Create a password", "a long unusual password"),
            ("I agree to the NHS login terms of use", " "),
        ],
    )
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    keyboard_page(page, [("Security code", latest_code(email))])
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your phone number"
    keyboard_page(page, [("Mobile", " "), ("UK phone number", mobile)])
    assert page.get_by_role("heading", level=1).inner_text() == "Check your phone"
    keyboard_page(page, [("Security code", latest_code("+447700900123"))])
    assert page.get_by_role("heading", level=1).inner_text() == "Your NHS login"

    # Sign out, then sign in with a code and remember the browser, keyboard only.
    tab_to(page, "Sign out")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe_check(page)
    page.goto("/account/sign-in/")
    axe_check(page)
    keyboard_page(page, [("Email address", email), ("Password", "a long unusual password")])
    assert page.get_by_role("heading", level=1).inner_text() == "Enter the security code"
    keyboard_page(
        page,
        [
            ("Security code", latest_code("+447700900123")),
            ("Remember this browser for 30 days", " "),
        ],
    )
    assert page.get_by_role("heading", level=1).inner_text() == "Your NHS login"
    assert "1 browser" in page.content()

    # The remembered browser signs in again with no code.
    tab_to(page, "Sign out")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe_check(page)
    page.goto("/account/sign-in/")
    axe_check(page)
    keyboard_page(page, [("Email address", email), ("Password", "a long unusual password")])
    assert page.get_by_role("heading", level=1).inner_text() == "Your NHS login"
    first_tab_is_the_skip_link(page)


def test_proving_who_you_are_with_an_nhs_number_keyboard_only(page):
    from tests.factories import UserFactory
    from tests.verification.factories import SyntheticPatientFactory
    from verification.models import Identity

    user = UserFactory(phone_number="+447700900001")
    patient = SyntheticPatientFactory()
    sign_in_browser(page, user)
    page.goto("/prove-who-you-are/nhs-details/")
    axe_check(page)
    keyboard_page(page, [("What is your NHS number?", patient.nhs_number)])
    assert page.get_by_role("heading", level=1).inner_text() == "What is your date of birth?"
    born = patient.birth_date
    keyboard_page(
        page, [("Day", str(born.day)), ("Month", str(born.month)), ("Year", str(born.year))]
    )
    assert page.get_by_role("heading", level=1).inner_text() == "What is your postcode?"
    keyboard_page(page, [("What is your postcode?", patient.postcode)])
    assert page.get_by_role("heading", level=1).inner_text() == "You have proved who you are"
    first_tab_is_the_skip_link(page)
    user.refresh_from_db()
    assert user.proofing_level == "P5" and Identity.objects.filter(user=user).exists()
