"""The photo ID status page while a check is decided: honest about how it updates.

With JavaScript the page updates by itself (the status endpoint is asked every few seconds)
and a polite live region tells screen reader users; without it the page says so and offers
"Check again". axe checks every page.
"""

import pytest
from django.utils import timezone

from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from tests.verification.idchecks.conftest import make_p5_patient
from verification.models import IdCheck

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sent_check(user):
    return IdCheck.objects.create(
        user=user, digits="4719", status=IdCheck.Status.SUBMITTED, submitted_at=timezone.now()
    )


@pytest.fixture
def page_without_javascript(browser, live_server):
    """A browser with JavaScript off. axe itself needs JavaScript, so each page it shows is
    checked by ``axe_check_without_scripts``: the same address in a browser whose page
    scripts are all blocked, which leaves the page as this browser sees it."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    checker = browser.new_context(base_url=live_server.url, locale="en-GB")
    checker.route("**/*.js", lambda route: route.abort())
    page.axe_page = checker.new_page()
    yield page
    checker.close()
    context.close()


def axe_check_without_scripts(page):
    twin = page.axe_page
    twin.context.add_cookies(page.context.cookies())
    twin.goto(page.url)
    assert twin.locator("main").inner_text() == page.locator("main").inner_text()
    axe_check(twin)


def test_with_javascript_the_page_updates_itself_and_says_so_politely(page):
    patient = make_p5_patient()
    check = sent_check(patient)
    sign_in_browser(page, patient)
    page.goto("/prove-who-you-are/photo-id/status/")
    axe_check(page)
    main = page.locator("main")
    assert "This usually takes less than a minute" in main.inner_text()
    assert "a few minutes" not in main.inner_text()
    assert page.locator("#updates-itself").is_visible()
    assert not page.get_by_role("link", name="Check again").is_visible()
    assert page.locator("#idcheck-announcer").get_attribute("aria-live") == "polite"

    IdCheck.objects.filter(pk=check.pk).update(
        status=IdCheck.Status.APPROVED, decided_at=timezone.now()
    )
    page.get_by_text("You can now use all NHS login services").wait_for(timeout=20_000)
    assert page.locator("#idcheck-announcer").inner_text() == "You have proved who you are"
    assert page.title().startswith("You have proved who you are")
    axe_check(page)


def test_while_a_person_checks_it_the_page_still_updates_itself(page):
    patient = make_p5_patient()
    check = sent_check(patient)
    IdCheck.objects.filter(pk=check.pk).update(status=IdCheck.Status.AWAITING_REVIEW)
    sign_in_browser(page, patient)
    page.goto("/prove-who-you-are/photo-id/status/")
    axe_check(page)
    assert "A member of our team will check your photo ID" in page.locator("main").inner_text()
    assert page.locator("#updates-itself").is_visible()


def test_without_javascript_the_page_says_check_again_and_the_button_shows_the_decision(
    page_without_javascript,
):
    page = page_without_javascript
    patient = make_p5_patient()
    check = sent_check(patient)
    sign_in_browser(page, patient)
    page.goto("/prove-who-you-are/photo-id/status/")
    axe_check_without_scripts(page)
    main = page.locator("main").inner_text()
    # Nothing promises an update that cannot happen without JavaScript.
    assert "will update" not in main
    assert not page.locator("#updates-itself").is_visible()
    assert "Select “Check again” to see if we have finished" in main

    IdCheck.objects.filter(pk=check.pk).update(
        status=IdCheck.Status.REJECTED,
        decided_at=timezone.now(),
        rejection_reason=IdCheck.RejectionReason.UNREADABLE,
    )
    page.get_by_role("link", name="Check again").click()
    axe_check_without_scripts(page)
    assert page.get_by_role("heading", name="We could not check your photo ID").is_visible()
