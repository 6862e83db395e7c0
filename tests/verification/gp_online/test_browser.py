"""Chromium journeys: staff create details and print the letter; patients use them."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.fixtures.sessions import sign_in_browser
from tests.verification.gp_online.helpers import (
    give_identity,
    make_details,
    make_practice,
    make_registered_patient,
    make_staff,
    staff_client,
)
from verification.models import OnlineRegistrationDetails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_staff_browser(page, user):
    client = staff_client(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.base_url}]
    )


def fill_details(page, account_id, linkage_key, ods_code):
    page.get_by_label("Account ID").fill(account_id)
    page.get_by_label("Linkage key").fill(linkage_key)
    page.get_by_label("ODS code").fill(ods_code)


def open_gp_route(page):
    page.goto("/prove-who-you-are/")
    axe_check(page)
    page.get_by_role("link", name="Use your GP online registration details").click()
    axe_check(page)


def test_staff_create_details_and_print_the_letter(page):
    practice = make_practice()
    patient = make_registered_patient(practice, family_name="Okafor", given_name="Ada")
    staff = make_staff(practice)
    sign_in_staff_browser(page, staff)

    page.goto(f"/{settings.ADMIN_URL}verification/registeredpatient/")
    axe_check(page)
    page.get_by_role("link", name="Okafor").click()
    axe_check(page)
    page.get_by_role("link", name="Create online registration details").click()
    axe_check(page)
    page.get_by_role("button", name="Create details").click()
    axe_check(page)
    details = OnlineRegistrationDetails.objects.get(patient=patient)
    assert page.locator("#account-id").inner_text() == details.account_id
    assert page.locator("#linkage-key").inner_text().replace(" ", "") == details.linkage_key
    assert page.locator("#ods-code").inner_text() == "A12345"

    page.get_by_role("link", name="Print the letter").click()
    axe_check(page)
    letter = page.locator("main").inner_text()
    assert "Your GP online registration details" in letter
    assert details.account_id in letter
    assert details.linkage_key[:5] in letter
    assert "Ada Okafor" in letter
    assert "Riverside Surgery" in letter

    # "Shown only this once": going back to the created page does not show the key again.
    page.goto(f"/{settings.ADMIN_URL}verification/onlineregistrationdetails/{details.pk}/created/")
    axe_check(page)
    assert details.linkage_key[:5] not in page.locator("#linkage-key").inner_text()
    assert "Not shown again" in page.locator("#linkage-key").inner_text()


def test_staff_sign_in_to_admin_with_a_backup_code(page):
    from accounts.services.backup_codes import add_backup_code

    staff = make_staff(make_practice())
    add_backup_code(staff, "demo1234")
    page.goto(f"/{settings.ADMIN_URL}login/")
    axe_check(page)
    # The password, the second factor and its code on one page (ADR 0018).
    page.locator("#id_username").fill(staff.email)
    page.locator("#id_password").fill("correct horse battery")
    page.locator("#id_otp_device").select_option(label="Backup code")
    page.locator("#id_otp_token").fill("demo1234")
    page.get_by_role("button", name="Sign in").click()
    axe_check(page)
    assert "Registered patients" in page.content()


def test_a_p5_patient_uses_their_details_and_reaches_p9(page):
    registered = make_registered_patient(make_practice())
    user = UserFactory(proofing_level="P5")
    give_identity(user, registered)
    details, key = make_details(registered)
    sign_in_browser(page, user)

    open_gp_route(page)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert "Enter your Account ID" in page.locator(".nhsuk-error-summary").inner_text()

    fill_details(page, details.account_id, key, details.ods_code)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert page.locator("h1").inner_text() == "You have proved who you are"
    user.refresh_from_db()
    assert user.proofing_level == "P9"


def test_a_p0_patient_uses_their_details_with_surname_and_birth_date(page):
    registered = make_registered_patient(make_practice())
    user = UserFactory()
    details, key = make_details(registered)
    sign_in_browser(page, user)

    open_gp_route(page)
    fill_details(page, details.account_id, key, details.ods_code)
    page.get_by_label("Last name").fill("Jones")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("1980")
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert page.locator("h1").inner_text() == "You have proved who you are"
    user.refresh_from_db()
    assert user.proofing_level == "P9"


@pytest.mark.parametrize("case", ["expired", "revoked", "wrong"])
def test_details_that_do_not_work_show_what_to_do(page, case):
    registered = make_registered_patient(make_practice())
    user = UserFactory(proofing_level="P5")
    give_identity(user, registered)
    changes = {
        "expired": {"expires_at": timezone.now() - datetime.timedelta(days=1)},
        "revoked": {"revoked_at": timezone.now()},
        "wrong": {},
    }[case]
    details, key = make_details(registered, **changes)
    if case == "wrong":
        key = "ABCDEFGHJKMNPQR"
    sign_in_browser(page, user)

    open_gp_route(page)
    fill_details(page, details.account_id, key, details.ods_code)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    assert page.locator("h1").inner_text() == "We could not use those details"
    assert "ask your GP practice for new online registration details" in page.content()
    assert User.objects.get(pk=user.pk).proofing_level == "P5"


def test_an_under_age_patient_sees_a_clear_page(page):
    born = datetime.date(timezone.localdate().year - 8, 1, 1)
    registered = make_registered_patient(make_practice(), birth_date=born)
    user = UserFactory(proofing_level="P5")
    give_identity(user, registered)
    make_details(registered)
    sign_in_browser(page, user)

    # The hub offers no P9 route to them (issue 16), and says why.
    page.goto("/prove-who-you-are/")
    axe_check(page)
    assert page.get_by_role("link", name="Use your GP online registration details").count() == 0
    assert "11 or older" in page.locator("main").inner_text()
    # The address typed in still gets the clear page.
    page.goto("/prove-who-you-are/gp-online-details/")
    axe_check(page)
    assert page.locator("h1").inner_text() == "You cannot prove who you are to a high level yet"
    assert "11 or older" in page.content()


def test_a_matching_p5_patient_takes_the_fast_track(page):
    registered = make_registered_patient(make_practice(), mobile_number="+447700900777")
    user = UserFactory(proofing_level="P5", phone_number="+447700900777")
    give_identity(user, registered)
    make_details(registered)
    sign_in_browser(page, user)

    page.goto("/prove-who-you-are/")
    axe_check(page)
    page.get_by_role("link", name="Prove who you are with your GP practice").click()
    axe_check(page)
    page.get_by_role("button", name="Confirm and continue").click()
    axe_check(page)
    assert page.locator("h1").inner_text() == "You have proved who you are"
    assert User.objects.get(pk=user.pk).proofing_level == "P9"


def test_too_many_wrong_tries_lock_the_route(page, settings):
    settings.GP_ONLINE_ATTEMPTS_PER_ACCOUNT = 1
    registered = make_registered_patient(make_practice())
    user = UserFactory(proofing_level="P5")
    give_identity(user, registered)
    details, _ = make_details(registered)
    sign_in_browser(page, user)

    open_gp_route(page)
    fill_details(page, details.account_id, "ABCDEFGHJKMNPQR", details.ods_code)
    page.get_by_role("button", name="Continue").click()
    axe_check(page)
    page.get_by_role("link", name="try again").click()
    axe_check(page)
    assert page.locator("h1").inner_text() == "You have tried too many times"
