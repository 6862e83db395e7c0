"""A form sent after signing out in another tab (issue 16): the sign-in page says what was
sent was not saved. Two tabs of one browser, axe on each page."""

import pytest

from accounts.middleware import SIGNED_OUT
from tests.accounts.helpers import sent_to
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_form_sent_after_signing_out_in_another_tab_says_it_was_not_saved(page, patient):
    sign_in_browser(page, patient)
    page.goto("/account/email/")
    axe_check(page)
    page.get_by_label("New email address").fill("new@example.com")

    other_tab = page.context.new_page()
    other_tab.goto(page.base_url + "/account/")
    axe_check(other_tab)
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.wait_for_load_state("load")
    axe_check(other_tab)
    assert "You have signed out" in other_tab.content()

    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to NHS login"
    assert SIGNED_OUT in page.locator("main").inner_text()
    patient.refresh_from_db()
    assert patient.email != "new@example.com"
    assert not sent_to("new@example.com")


def test_signing_in_on_purpose_says_nothing_about_being_signed_out(page, patient):
    page.goto("/account/")
    axe_check(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to NHS login"
    assert SIGNED_OUT not in page.content()
