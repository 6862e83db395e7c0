"""Every app's pages: the title starts "Error: " exactly when the page shows an error summary
(core.pages.page_errors), in Chromium with axe on each page."""

import pytest
from django.urls import reverse

from tests.connected_services.relying_party import RelyingParty, make_service
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shows_errors(page) -> bool:
    """Whether the page shows an error summary, having checked that its title agrees."""
    page.wait_for_load_state("load")
    axe_check(page)
    summary = page.locator(".nhsuk-error-summary").count() > 0
    assert page.title().startswith("Error: ") == summary, (page.url, page.title())
    return summary


def go(page, name, **kwargs) -> bool:
    page.goto(reverse(name, kwargs=kwargs or None))
    return shows_errors(page)


def press(page, name="Continue") -> bool:
    page.get_by_role("button", name=name, exact=True).first.click()
    return shows_errors(page)


@pytest.fixture
def rp(live_server, settings, rp_key):
    from connected_services.oidc import keys

    settings.OIDC_ISSUER = live_server.url
    keys.forget_cached_keys()
    service = make_service(rp_key)
    with RelyingParty(live_server.url, service.client_id, rp_key) as party:
        yield party
    keys.forget_cached_keys()


@pytest.fixture(scope="session")
def rp_key():
    from jwcrypto import jwk

    return jwk.JWK.generate(kty="RSA", size=2048)


def test_accounts_pages_say_error_in_the_title_only_with_an_error_summary(page, patient):
    sign_in_browser(page, patient)
    assert not go(page, "accounts:change_email")
    assert press(page)  # blank
    assert not go(page, "accounts:change_password")
    assert press(page, "Change password")
    # two forms on one page: the set-up code and the password to remove an app
    assert not go(page, "accounts:authenticator_app")
    page.get_by_label("Security code").fill("12")
    assert press(page, "Continue")
    assert not go(page, "accounts:download_data")
    assert press(page, "Download your data")


def test_proving_pages_say_error_in_the_title_only_with_an_error_summary(page, patient):
    sign_in_browser(page, patient)
    # P5: the NHS number, then a date of birth that is not a date
    assert not go(page, "verification:p5:nhs_number")
    assert press(page)
    page.get_by_label("What is your NHS number?").fill("943 476 5919")
    assert not press(page)
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1980")
    assert press(page)
    # photo ID: the first question of the tracing route
    assert not go(page, "verification:idcheck_start")
    assert not press(page, "Start now")
    assert press(page)
    # GP online registration details
    assert not go(page, "verification:gp_online_details")
    assert press(page)


def test_the_consent_page_says_error_in_the_title_only_with_an_error_summary(page, patient, rp):
    sign_in_browser(page, patient)
    page.goto(rp.authorization_url("openid email", vtr=["P0.Cp.Cd"]))
    assert not shows_errors(page)
    assert "Share your information with" in page.content()
    assert press(page)  # no answer
    assert "Select yes if you agree to share this information" in page.content()
