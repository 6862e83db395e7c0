"""GOV.UK One Login in Chromium against the fake One Login, axe on every page (issue 18): link
and reach P9, sign in with it, sign in to the demo connected service with P9, unlink; and a
bad identity refused with a clear page."""

import pytest

from tests.accounts.one_login import fake_one_login  # noqa: F401  (a fixture)
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from tests.verification.factories import SyntheticPatientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fake_one_login"),
]


def _answer_the_fake(page, *, identity: bool, fault: str = "None: everything is right"):
    axe_check(page)
    assert page.locator("h1").inner_text() == "Fake GOV.UK One Login"
    page.get_by_label("One Login account (an email address)").fill("ffion@example.com")
    if identity:
        page.get_by_label("P2: identity checked to medium confidence").check()
        page.get_by_label("Given name").fill("Ffion")
        page.get_by_label("Family name").fill("Hughes")
        page.get_by_label("Date of birth").fill("1990-02-14")
        page.get_by_label("Postcode").fill("CF10 1EP")
    else:
        page.get_by_label("No identity").check()
    page.get_by_label(fault).check()
    page.get_by_role("button", name="Sign in and go back").click()
    page.wait_for_load_state("load")
    axe_check(page)


def test_link_reach_p9_sign_in_with_it_use_a_service_and_unlink(page, demo_service):
    SyntheticPatientFactory()
    patient = UserFactory()
    sign_in_browser(page, patient)
    page.goto("/account/")
    axe_check(page)
    page.get_by_role("link", name="Manage GOV.UK One Login").click()
    axe_check(page)
    page.get_by_role("link", name="Link your GOV.UK One Login").click()
    axe_check(page)
    assert "What we will take from GOV.UK One Login" in page.content()
    page.get_by_role("button", name="Continue to GOV.UK One Login").click()
    _answer_the_fake(page, identity=True)
    assert page.locator("h1").inner_text() == "You have proved who you are"
    patient.refresh_from_db()
    assert patient.proofing_level == "P9"

    # Signed out, then in again with One Login alone.
    page.context.clear_cookies()
    page.goto("/account/sign-in/")
    axe_check(page)
    page.get_by_role("button", name="Sign in with GOV.UK One Login").click()
    _answer_the_fake(page, identity=False)
    assert page.locator("h1").inner_text() == "Your NHS login"
    assert "High (P9)" in page.content()

    # The demo connected service asks for P9 and gets P9.Cp.Cd without another sign-in.
    page.goto(demo_service + "/")
    axe_check(page)
    page.get_by_label("high level (P9)").check()
    page.get_by_role("button", name="Continue to NHS login").click()
    page.wait_for_load_state("load")
    axe_check(page)
    page.get_by_label("Yes, share it").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.locator("h1").inner_text() == "You are signed in"
    assert page.locator("#vot").inner_text() == "P9.Cp.Cd"

    # Unlink.
    page.goto("/account/one-login/")
    axe_check(page)
    page.get_by_role("link", name="Remove the link to your GOV.UK One Login").click()
    axe_check(page)
    page.get_by_role("button", name="Remove the link").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert "You have removed the link to your GOV.UK One Login" in page.content()
    assert page.get_by_role("link", name="Link your GOV.UK One Login").is_visible()


def test_a_bad_identity_gets_a_clear_page_and_an_unlinked_account_another(page):
    SyntheticPatientFactory()
    patient = UserFactory()
    sign_in_browser(page, patient)
    page.goto("/account/one-login/link/")
    axe_check(page)
    page.get_by_role("button", name="Continue to GOV.UK One Login").click()
    _answer_the_fake(page, identity=True, fault="The identity is for another service")
    assert page.locator("h1").inner_text() == "We could not use your identity from GOV.UK One Login"
    patient.refresh_from_db()
    assert patient.proofing_level == "P0"
    # An account linked to no login: a clear page, and no login made.
    page.context.clear_cookies()
    page.goto("/account/sign-in/")
    axe_check(page)
    page.get_by_role("button", name="Sign in with GOV.UK One Login").click()
    _answer_the_fake(page, identity=False)
    assert page.locator("h1").inner_text() == "Your GOV.UK One Login is not linked to an NHS login"
