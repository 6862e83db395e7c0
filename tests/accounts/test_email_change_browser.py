"""Changing the email address to one another NHS login uses (issue 16): the owner is told what
was tried, and the patient's pages read the same as for a free address (no account
enumeration). In Chromium, axe on each page."""

import pytest

from core.notifications.service import rendered
from tests.accounts.helpers import sent_to
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def change_email_to(page, user, address: str) -> str:
    """Ask to change ``user``'s email to ``address``; the code page's text, the address
    replaced by a placeholder."""
    sign_in_browser(page, user)
    page.goto("/account/email/")
    axe_check(page)
    page.get_by_label("New email address").fill(address)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    return page.locator("main").inner_text().replace(address, "ADDRESS")


def test_a_change_to_a_taken_address_reads_the_same_and_its_owner_is_told_what_was_tried(
    page, browser, live_server
):
    owner = UserFactory(email="owner@example.com")
    taken = change_email_to(page, UserFactory(), "owner@example.com")
    # The patient is told what may happen, in words that do not say whether it is taken.
    assert "If ADDRESS can be used for your NHS login, we have sent a 6-digit" in taken
    assert "the address may already be used by another NHS login" in taken
    # The owner is told someone tried to move their address to another login, not that
    # someone tried to create one; and it is in their account activity.
    (notice,) = sent_to(owner.email)
    subject, body = rendered(notice)
    assert subject == "Someone tried to use your email address for another NHS login"
    assert "tried to change the email address of another NHS login to this address" in body
    assert "create" not in subject + body
    sign_in_browser(page, owner)
    page.goto("/account/activity/")
    axe_check(page)
    assert "Someone tried to use your email address for another NHS login" in page.content()

    # A free address gives the same page, word for word.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    other = context.new_page()
    other.base_url = live_server.url
    free = change_email_to(other, UserFactory(), "free@example.com")
    context.close()
    assert free == taken
    assert sent_to("free@example.com", "accounts.email_security_code")
