"""The help section in Chromium, as a patient finds and reads it: from the footer, page by
page, without JavaScript too, and from a locked sign-in; axe on every page."""

import pytest
from django.conf import settings

from core import help_pages
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def heading(page) -> str:
    return " ".join(page.get_by_role("heading", level=1).inner_text().split())


def follow(page, name: str, role: str = "link", within: str = "main") -> None:
    page.locator(within).get_by_role(role, name=name, exact=True).first.click()
    page.wait_for_load_state("load")
    axe_check(page)


def read_every_help_page(page) -> list[str]:
    """From the hub: open the first page, then "Next" to the end; the headings read."""
    follow(page, help_pages.PAGES[0].label)
    read = [heading(page)]
    for _ in help_pages.PAGES[1:]:
        page.locator(".nhsuk-pagination").get_by_role("link", name="Next").click()
        page.wait_for_load_state("load")
        axe_check(page)
        read.append(heading(page))
    assert page.locator(".nhsuk-pagination").get_by_role("link", name="Next").count() == 0
    return read


def test_a_patient_finds_help_in_the_footer_and_reads_every_page(page):
    page.goto("/")
    axe_check(page)
    follow(page, "Help", within="footer")
    assert heading(page) == "Help with NHS login"
    read = read_every_help_page(page)
    assert read == [f"Help with NHS login - {p.title}" for p in help_pages.PAGES]
    # back through the contents list to a page read before, and on to its neighbour
    follow(page, "Security codes", within=".nhsuk-contents-list")
    assert heading(page).endswith("What if my security code does not arrive?")
    current = page.locator(".nhsuk-contents-list [aria-current=page]").inner_text()
    assert current.strip() == "Security codes"
    page.locator(".nhsuk-pagination").get_by_role("link", name="Previous").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert heading(page).endswith("How do I prove who I am?")
    # a link inside a page to another help page, then the breadcrumb back to the hub
    follow(page, "Find out what to ask your GP practice for")
    assert heading(page).endswith("Get help from your GP practice")
    follow(page, "Help", within=".nhsuk-breadcrumb")
    assert heading(page) == "Help with NHS login"


def test_the_help_pages_work_without_javascript(browser, live_server, page):
    # axe itself needs JavaScript (its checks wait on timers, which never fire with it off),
    # so each page read without JavaScript is checked at the same address in ``page``.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    no_script = context.new_page()
    no_script.set_default_timeout(15_000)

    def checked(address: str) -> None:
        page.goto(address)
        axe_check(page)

    try:
        no_script.goto("/help/")
        checked(no_script.url)
        no_script.get_by_role("link", name=help_pages.PAGES[0].label, exact=True).click()
        read = [heading(no_script)]
        checked(no_script.url)
        while no_script.locator(".nhsuk-pagination").get_by_role("link", name="Next").count():
            no_script.locator(".nhsuk-pagination").get_by_role("link", name="Next").click()
            no_script.wait_for_load_state("load")
            read.append(heading(no_script))
            checked(no_script.url)
        assert read == [f"Help with NHS login - {p.title}" for p in help_pages.PAGES]
        # the details component opens without a script (the browser's own <details>)
        no_script.goto("/help/" + help_pages.BY_NAME["setting_up"].slug + "/")
        answer = no_script.get_by_text("Your password must have at least 8 characters.")
        assert not answer.is_visible()
        no_script.get_by_text("Why was my password not accepted?").click()
        assert answer.is_visible()
        assert context.cookies() == []  # reading help leaves nothing in the browser
    finally:
        context.close()


def test_a_locked_sign_in_leads_to_help_with_a_lock(page):
    patient = UserFactory()
    page.goto("/account/sign-in/")
    axe_check(page)
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS):
        page.get_by_label("Email address").fill(patient.email)
        page.get_by_label("Password", exact=True).fill("not my password")
        page.locator("main").get_by_role("button", name="Continue").click()
        page.wait_for_load_state("load")
        axe_check(page)
    assert "Sign in is locked for" in page.locator(".nhsuk-error-summary").inner_text()
    follow(page, "What to do if sign-in is locked")
    assert heading(page).endswith("What if I am locked out?")
    assert page.url.endswith("#sign-in-locked")
    assert page.get_by_role("heading", name="Why is sign-in locked?").is_visible()
