"""The P5 journey in Chromium, with an axe check on every page."""

import pytest

from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from tests.verification.factories import SyntheticPatientFactory
from verification.models import Identity, TraceAttempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def user(transactional_db):
    return UserFactory(phone_number="+447700900001")


def open_hub(page, user):
    sign_in_browser(page, user)
    page.goto("/prove-who-you-are/")
    axe_check(page)
    page.get_by_role("link", name="Use your NHS number or name").click()
    axe_check(page)


def enter_birth_date_and_postcode(page, day="14", month="2", year="1990", postcode="CF10 1EP"):
    page.get_by_label("Day").fill(day)
    page.get_by_label("Month").fill(month)
    page.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert page.get_by_role("heading", name="What is your postcode?").is_visible()
    page.get_by_label("What is your postcode?").fill(postcode)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)


def enter_nhs_number(page, nhs_number):
    assert page.get_by_role("heading", name="What is your NHS number?").is_visible()
    page.get_by_label("What is your NHS number?").fill(nhs_number)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)


def enter_name(page, given, family):
    page.get_by_role("link", name="I do not know my NHS number").click()
    axe_check(page)
    page.get_by_label("First name").fill(given)
    page.get_by_label("Last name").fill(family)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)


def test_a_patient_proves_who_they_are_with_their_nhs_number(page, user):
    patient = SyntheticPatientFactory()
    open_hub(page, user)
    spaced = f"{patient.nhs_number[:3]} {patient.nhs_number[3:6]} {patient.nhs_number[6:]}"
    enter_nhs_number(page, spaced)
    assert page.get_by_role("heading", name="What is your date of birth?").is_visible()
    enter_birth_date_and_postcode(page, postcode="cf101ep")
    assert page.get_by_role("heading", name="You have proved who you are").is_visible()
    assert patient.nhs_number not in page.content()
    user.refresh_from_db()
    assert user.proofing_level == "P5"
    assert Identity.objects.get(user=user).phone_number_pds_matched is True


def test_a_patient_proves_who_they_are_with_their_name(page, user):
    SyntheticPatientFactory(given_name="Seán", family_name="O'Brien", postcode="BT1 5GS")
    open_hub(page, user)
    enter_name(page, "sean", "O\u2019BRIEN")
    enter_birth_date_and_postcode(page, postcode="BT1 5GS")
    assert page.get_by_role("heading", name="You have proved who you are").is_visible()
    user.refresh_from_db()
    assert user.proofing_level == "P5"


def test_a_patient_whose_details_match_nobody_sees_the_neutral_page(page, user):
    SyntheticPatientFactory()
    open_hub(page, user)
    enter_name(page, "Ffion", "Hughes")
    enter_birth_date_and_postcode(page, day="15")
    assert page.get_by_role(
        "heading", name="We could not prove who you are with these details"
    ).is_visible()
    page.get_by_role("link", name="See the ways to prove who you are").click()
    axe_check(page)
    assert page.get_by_role("heading", name="Prove who you are", exact=True).is_visible()
    # At P0 the hub also offers photo ID, which finds the NHS record (ADR 0043).
    assert page.get_by_role("link", name="Prove who you are with photo ID").is_visible()
    user.refresh_from_db()
    assert user.proofing_level == "P0"


def test_try_again_after_no_match_keeps_what_the_patient_typed(page, user):
    patient = SyntheticPatientFactory()
    open_hub(page, user)
    enter_nhs_number(page, patient.nhs_number)
    enter_birth_date_and_postcode(page, day="15")  # a wrong day
    assert page.get_by_role(
        "heading", name="We could not prove who you are with these details"
    ).is_visible()
    # The address without the live server's host and port (a port can hold "15").
    address = page.url.split(page.url.split("/")[2], 1)[1]
    assert patient.nhs_number not in address and "15" not in address
    page.get_by_role("link", name="Try again").click()
    axe_check(page)
    assert page.get_by_label("What is your NHS number?").input_value() == patient.nhs_number
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert page.get_by_label("Day").input_value() == "15"
    assert page.get_by_label("Year").input_value() == "1990"
    page.get_by_label("Day").fill("14")
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert page.get_by_label("What is your postcode?").input_value() == "CF10 1EP"
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert page.get_by_role("heading", name="You have proved who you are").is_visible()
    user.refresh_from_db()
    assert user.proofing_level == "P5"


def test_twins_who_match_several_records_see_the_same_neutral_page(page, user):
    SyntheticPatientFactory(given_name="Sam Alex", family_name="Okafor", postcode="LS1 4AP")
    SyntheticPatientFactory(given_name="Sam Jordan", family_name="Okafor", postcode="LS1 4AP")
    open_hub(page, user)
    enter_name(page, "Sam", "Okafor")
    enter_birth_date_and_postcode(page, postcode="LS1 4AP")
    assert page.get_by_role(
        "heading", name="We could not prove who you are with these details"
    ).is_visible()
    assert TraceAttempt.objects.get(user=user).outcome == "multiple"
    user.refresh_from_db()
    assert user.proofing_level == "P0"


def test_an_invalid_nhs_number_is_refused_with_a_clear_message(page, user):
    open_hub(page, user)
    enter_nhs_number(page, "943 476 5918")
    summary = page.locator(".nhsuk-error-summary")
    assert "This is not a valid NHS number" in summary.inner_text()
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_nhs_number"
    assert not TraceAttempt.objects.exists()


def test_a_patient_who_tries_too_often_is_stopped_with_a_clear_page(page, user, settings):
    # Two tries show every page once (test_p5_journey.py proves the default of 5 in 24 hours).
    settings.P5_TRACE_ATTEMPTS = 2
    patient = SyntheticPatientFactory()
    open_hub(page, user)
    for attempt in range(2):
        if attempt:
            page.get_by_role("link", name="Try again").click()
            axe_check(page)
        enter_nhs_number(page, patient.nhs_number)
        enter_birth_date_and_postcode(page, postcode="CF10 1EQ")
    assert "You have used all your tries for now" in page.content()
    assert page.get_by_role("link", name="Try again").count() == 0
    page.goto("/prove-who-you-are/nhs-details/")
    axe_check(page)
    assert page.get_by_role("heading", name="You have tried too many times").is_visible()
    assert "You can try again after" in page.content()
    assert TraceAttempt.objects.filter(user=user).count() == 2


def test_a_patient_outside_the_nations_served_is_told_clearly(page, user):
    patient = SyntheticPatientFactory(postcode="JE2 4WE", gp_ods_code="")
    open_hub(page, user)
    enter_nhs_number(page, patient.nhs_number)
    enter_birth_date_and_postcode(page, postcode="JE2 4WE")
    assert page.get_by_role("heading", name="NHS login is not for you").is_visible()


def test_the_whole_journey_works_through_the_pds_fhir_client(page, user, settings, live_server):
    settings.DEMOGRAPHICS_BACKEND = "pds-fhir"
    settings.PDS_FHIR_BASE_URL = f"{live_server.url}/fake-pds/FHIR/R4"
    SyntheticPatientFactory(given_name="Zoë", family_name="Smith-Jones", postcode="EH1 1YZ")
    open_hub(page, user)
    enter_name(page, "Zoe", "smith jones")
    enter_birth_date_and_postcode(page, postcode="eh1 1yz")
    assert page.get_by_role("heading", name="You have proved who you are").is_visible()
    assert Identity.objects.get(user=user).nation == "scotland"


def test_each_question_shows_its_errors_accessibly(page, user):
    open_hub(page, user)
    enter_name(page, "", "Hugh3s")
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "Enter your first name" in summary
    assert "Last name must only include letters" in summary
    page.get_by_label("First name").fill("Ffion")
    page.get_by_label("Last name").fill("Hughes")
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert "must be a real date" in page.locator(".nhsuk-error-summary").inner_text()
    enter_birth_date_and_postcode(page, postcode="not a postcode")
    assert "Enter a real postcode" in page.locator(".nhsuk-error-summary").inner_text()
    assert not TraceAttempt.objects.exists()


def test_a_patient_is_told_to_try_later_when_pds_does_not_answer(page, user, settings):
    settings.DEMOGRAPHICS_BACKEND = "pds-fhir"
    settings.PDS_FHIR_BASE_URL = "http://127.0.0.1:9/FHIR/R4"  # nothing listens there
    open_hub(page, user)
    enter_nhs_number(page, "943 476 5919")
    enter_birth_date_and_postcode(page)
    assert page.get_by_role(
        "heading", name="Sorry, there is a problem with the service"
    ).is_visible()
    page.get_by_role("link", name="Try again").click()
    axe_check(page)
    assert page.get_by_label("What is your postcode?").input_value() == "CF10 1EP"
    assert not TraceAttempt.objects.exists()


def test_after_the_skip_link_an_empty_submit_puts_focus_on_the_error_summary(page, user):
    """Keyboard only (issue 19): the skip link is the first Tab stop; after it the address
    holds #maincontent, and the form must not post to it (a redirect would carry it on and
    the browser would move focus there instead of to the error summary)."""
    open_hub(page, user)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    page.wait_for_url("**#maincontent")  # the fragment lands a moment after the key press
    page.get_by_role("button", name="Continue").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # nothing typed: an error
    axe_check(page)
    assert "#" not in page.url
    assert page.title().startswith("Error: ")
    focused = page.evaluate("document.activeElement.className")
    assert "nhsuk-error-summary" in focused
    # Its link moves focus to the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == page.get_by_label(
        "What is your NHS number?"
    ).get_attribute("id")
