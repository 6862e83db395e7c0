"""The consent page names what the service will really get, and nothing else (issue 16)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import User
from tests.connected_services.relying_party import REDIRECT_URI
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
P0 = ["P0.Cp.Cd"]
SERVICE_PAGE = '<!DOCTYPE html><html lang="en"><title>Service</title><main><h1>Service</h1></main>'


def _stop_before_the_service(page) -> list[str]:
    """Where the consent answer sends the browser, kept; the browser is shown a stand-in
    page, since the test's service runs no web server (and Playwright does not route the
    requests a redirect makes)."""
    locations = []

    def handle(route):
        response = route.fetch(max_redirects=0)
        locations.append(response.headers.get("location", ""))
        route.fulfill(status=200, content_type="text/html", body=SERVICE_PAGE)

    page.route("**/authorize/consent", handle)
    return locations


def shared_on_consent_page(page, rp, user, scope) -> list[str]:
    """What the consent page says the service wants to use, as the patient reads it."""
    sign_in_browser(page, user)
    page.goto(rp.authorization_url(scope, vtr=P0))
    axe_check(page)
    assert "Share your information with" in page.content()
    return page.locator("main ul li").all_inner_texts()


def test_a_landline_user_is_not_told_their_mobile_number_will_be_shared(page, rp):
    landline = UserFactory(phone_number="+441134960000", phone_kind=User.PhoneKind.LANDLINE)
    shared = shared_on_consent_page(page, rp, landline, "openid email phone")
    assert shared == ["your email address"]
    # and what the service then gets has no phone number either
    locations = _stop_before_the_service(page)
    page.get_by_label("Yes, share it").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    axe_check(page)
    (location,) = locations
    assert location.startswith(REDIRECT_URI)
    tokens = rp.exchange(parse_qs(urlsplit(location).query)["code"][0])
    info = rp.userinfo(tokens["access_token"]).json()
    assert "phone_number" not in info and info["email"] == landline.email


def test_a_landline_user_asked_for_their_landline_is_told_so(page, rp):
    landline = UserFactory(phone_number="+441134960000", phone_kind=User.PhoneKind.LANDLINE)
    shared = shared_on_consent_page(page, rp, landline, "openid phone landline")
    assert shared == ["your landline phone number"]


def test_a_mobile_user_is_told_their_mobile_number_will_be_shared(page, rp):
    mobile = UserFactory()
    shared = shared_on_consent_page(page, rp, mobile, "openid phone landline")
    assert shared == ["your mobile phone number"]
