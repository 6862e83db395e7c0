"""Browser journeys in Chromium, with axe on every page: the demo connected service, consent
and decline, uplift inside an authorization, and the catalogue."""

import pytest

from tests.connected_services.identities import prove
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _start(page, demo_service, level):
    page.goto(demo_service + "/")
    axe_check(page)
    page.get_by_label(level).check()
    page.get_by_role("button", name="Continue to NHS login").click()
    page.wait_for_load_state("load")
    axe_check(page)


def test_a_patient_signs_in_to_the_demo_service(page, demo_service, patient):
    prove(patient, "P9")
    sign_in_browser(page, patient)
    _start(page, demo_service, "high level (P9)")
    assert "Share your information with Demo GP surgery" in page.content()
    assert "your NHS number" in page.content()
    page.get_by_label("Yes, share it").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.locator("h1").inner_text() == "You are signed in"
    assert page.locator("#vot").inner_text() == "P9.Cp.Cd"
    assert "9000000009" in page.content()
    # Second time: no consent page, straight back to the service.
    page.goto(demo_service + "/")
    axe_check(page)
    page.get_by_label("high level (P9)").check()
    page.get_by_role("button", name="Continue to NHS login").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.locator("#vot").inner_text() == "P9.Cp.Cd"


def test_declining_consent_returns_access_denied(page, demo_service, patient):
    sign_in_browser(page, patient)
    _start(page, demo_service, "Just my NHS login (P0)")
    page.get_by_role("button", name="Continue").click()  # no answer: an error
    page.wait_for_load_state("load")
    axe_check(page)
    assert "Select yes if you agree to share this information" in page.content()
    page.get_by_label("No, do not share it").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.locator("h1").inner_text() == "You did not sign in"
    assert "access_denied" in page.content()


def test_uplift_from_p0_to_p5_inside_an_authorization(page, demo_service, patient):
    """A P0 patient asked for P5 proves who they are on the real P5 pages, mid-authorization,
    and goes straight back to the service with a P5 vector."""
    from tests.verification.factories import SyntheticPatientFactory

    record = SyntheticPatientFactory()
    sign_in_browser(page, patient)
    _start(page, demo_service, "medium level (P5)")
    assert page.url.endswith("/prove-who-you-are/")
    assert page.locator("h1").inner_text() == "Prove who you are"
    page.get_by_role("link", name="Use your NHS number or name").click()
    axe_check(page)
    page.get_by_label("What is your NHS number?").fill(record.nhs_number)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    page.get_by_label("What is your postcode?").fill("cf10 1ep")
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    # Proved: back in the authorization, which now asks to share the P5 claims.
    assert "Share your information with Demo GP surgery" in page.content()
    page.get_by_label("Yes, share it").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.locator("#vot").inner_text() == "P5.Cp.Cd"
    assert "Hughes" in page.content()
    patient.refresh_from_db()
    assert patient.proofing_level == "P5"


def test_abandoning_uplift_returns_access_denied(page, demo_service, patient):
    sign_in_browser(page, patient)
    _start(page, demo_service, "high level (P9)")
    page.get_by_role("button", name="Go back to the service without proving who you are").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert "access_denied" in page.content()


def test_the_catalogue_by_level_and_nation(page, live_server, patient, rp_key):
    from tests.connected_services.relying_party import make_service

    make_service(
        rp_key, name="Find a pharmacy", allowed_vectors="P0.Cp.Cd", url="https://a.example/"
    )
    make_service(rp_key, name="GP record", allowed_vectors="P9.Cp.Cd")
    make_service(rp_key, name="Welsh service", allowed_vectors="P0.Cp.Cd", nations=["wales"])
    sign_in_browser(page, patient)
    page.goto("/services/")
    axe_check(page)
    text = page.content()
    assert "Go to Find a pharmacy" in text
    assert "Prove who you are to use GP record" in text
    assert "Welsh service" not in text
    page.get_by_role("link", name="Prove who you are to use GP record").click()
    page.wait_for_load_state("load")
    axe_check(page)
    assert page.locator("h1").inner_text() == "Prove who you are"
    prove(patient, "P9", nation="wales")
    page.goto("/services/")
    axe_check(page)
    assert "Welsh service" in page.content()
    assert "Prove who you are to use" not in page.content()
    page.goto("/services/used/")
    axe_check(page)
    assert "You have not used your NHS login with any services yet" in page.content()


def test_the_catalogue_by_age(page, live_server, patient, rp_key):
    import datetime

    from django.utils import timezone

    from tests.connected_services.relying_party import make_service

    make_service(rp_key, name="Teen service", allowed_vectors="P0.Cp.Cd", minimum_age=11)
    make_service(rp_key, name="Adult service", allowed_vectors="P0.Cp.Cd", minimum_age=16)
    prove(patient, "P9", birth_date=timezone.localdate() - datetime.timedelta(days=365 * 13 + 5))
    sign_in_browser(page, patient)
    page.goto("/services/")
    axe_check(page)
    assert "Teen service" in page.content()
    assert "Adult service" not in page.content()


def test_signing_in_to_a_service_and_consenting_keyboard_only(page, demo_service, patient):
    """Issue 19: the service's sign-in and consent pages, keyboard only (the skip link first,
    focus on the error summary after an empty submit, its links to the fields)."""
    from tests.accounts.helpers import latest_code
    from tests.fixtures.keyboard import keyboard_page

    _start(page, demo_service, "Just my NHS login (P0)")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Sign in")
    keyboard_page(page, [("Email address", patient.email), ("Password", "correct horse battery")])
    assert page.get_by_role("heading", level=1).inner_text() == "Enter the security code"
    keyboard_page(page, [("Security code", latest_code(patient.phone_number))])
    assert "Share your information with Demo GP surgery" in page.content()
    keyboard_page(page, [("Yes, share it", " ")])
    assert page.locator("h1").inner_text() == "You are signed in"
