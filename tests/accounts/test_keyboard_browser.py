"""Keyboard only (issue 19): on each page the skip link is the first Tab stop; after using it
the address holds #maincontent, and an empty submit must still put focus on the error
summary, whose links move focus to their fields. Forms post to an explicit URL, so the
fragment is never carried on by the redirect (tests/core/test_forms_post_to_explicit_urls.py).
"""

import pytest

from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page, script="document.activeElement"):
    return page.evaluate(f"{script}.outerHTML.slice(0, 200)")


def skip_then_submit_empty(page):
    """Tab to the skip link, use it, Tab to the form's button, press Enter; nothing typed."""
    button = page.locator("main form button[type=submit]").last.inner_text().strip()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#maincontent")
    for _ in range(40):  # Tab through the form, as a keyboard user would, to its button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == button:
            break
    else:
        pytest.fail(f"no {button!r} button reached with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    axe_check(page)


def assert_error_summary_has_focus_and_links_to_fields(page):
    assert "#" not in page.url
    assert page.title().startswith("Error: ")
    assert "nhsuk-error-summary" in page.evaluate("document.activeElement.className")
    links = page.locator(".nhsuk-error-summary a")
    assert links.count()
    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href").lstrip("#")
        link.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == target, focused(page)


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
