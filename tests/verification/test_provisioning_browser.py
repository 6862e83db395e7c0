"""Chromium: practice staff ask for a login in admin; the patient follows the emailed link to a
new login at P9, or signs in to the one they have to accept. axe on every page."""

import pytest
from django.conf import settings

from accounts.models import PhoneDevice, User
from tests.accounts.helpers import latest_code
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check
from tests.verification.gp_online.helpers import make_staff, staff_client
from tests.verification.provisioning_helpers import (
    EMAIL,
    LONG_NAME,
    MOBILE,
    details,
    latest_link,
    make_organisation,
    make_pds_patient,
)
from verification.models import ProvisionRequest
from verification.provisioning import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "purple elephant kettle"
ADMIN = f"/{settings.ADMIN_URL}"


def sign_in_staff_browser(page, user):
    client = staff_client(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.base_url}]
    )


def go(page, path):
    page.goto(path)
    axe_check(page)


def click(page, name, role="button"):
    page.get_by_role(role, name=name, exact=True).first.click()
    axe_check(page)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def open_link_and_confirm_the_code(page):
    go(page, latest_link())
    assert heading(page) == "Set up your NHS login"
    assert LONG_NAME in page.content()
    assert "ending 123" in page.content()
    click(page, "Continue")
    assert heading(page) == "Check your phone"
    click(page, "Continue")  # no code: the error summary
    assert page.title().startswith("Error: ")
    page.get_by_label("Security code").fill(latest_code(MOBILE))
    click(page, "Continue")


def test_staff_ask_for_a_login_and_see_their_requests(page):
    make_pds_patient()
    organisation = make_organisation()
    staff = make_staff(organisation.practice)
    sign_in_staff_browser(page, staff)

    go(page, ADMIN)
    go(page, f"{ADMIN}verification/provisionrequest/")
    click(page, "Add provision request", role="link")
    assert "Ask for an NHS login for a patient" in page.content()
    page.get_by_label("NHS number").fill("900 000 0009")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Jones")
    page.get_by_label("Date of birth").fill("14/03/1980")
    page.get_by_label("Postcode").fill("LS1 4AP")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Mobile number").fill("07700 900999")  # not the mobile PDS holds
    click(page, "Ask for an NHS login")
    assert page.title().startswith("Error: ")
    assert "do not match one NHS record" in page.content()

    page.get_by_label("Mobile number").fill("07700 900123")
    click(page, "Ask for an NHS login")
    assert "We have emailed the patient a link" in page.content()
    row = ProvisionRequest.objects.get(state="sent")
    reference = str(row.public_id)[:8].upper()
    click(page, reference, role="link")
    assert "Link sent" in page.content()
    assert "Jones" not in page.content()


def test_a_superuser_sees_the_registered_organisations(page):
    organisation = make_organisation()
    root = User.objects.create_superuser("root@example.com", "correct horse battery")
    sign_in_staff_browser(page, root)
    go(page, f"{ADMIN}verification/provisioningorganisation/")
    click(page, LONG_NAME, role="link")
    assert page.locator("#id_name").input_value() == organisation.name


def test_a_new_patient_follows_the_link_to_a_login_at_p9(page):
    make_pds_patient()
    services.submit(make_organisation(), details())

    open_link_and_confirm_the_code(page)
    assert heading(page) == "Create a password"
    page.get_by_label("Create a password").fill("password")
    click(page, "Create your NHS login")
    assert page.title().startswith("Error: ")
    page.get_by_label("Create a password").fill(PASSWORD)
    click(page, "Create your NHS login")
    assert heading(page) == "Your NHS login is ready"

    user = User.objects.get(email=EMAIL)
    assert user.proofing_level == "P9"
    go(page, "/account/")
    assert "High (P9)" in page.content()
    go(page, "/account/activity/")
    assert f"{LONG_NAME} set up your NHS login and you proved who you are" in page.content()


def test_a_patient_with_a_login_signs_in_to_accept(page):
    make_pds_patient()
    user = UserFactory(email=EMAIL, phone_number="+447700900555")
    PhoneDevice.objects.create(
        user=user, name="mobile phone", number=user.phone_number, kind="mobile", confirmed=True
    )
    services.submit(make_organisation(), details())

    open_link_and_confirm_the_code(page)
    assert heading(page) == "Sign in to accept"
    click(page, "Sign in", role="link")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    click(page, "Continue")
    page.get_by_label("Security code").fill(latest_code(user.phone_number))
    click(page, "Continue")
    assert heading(page) == f"Accept the proof from {LONG_NAME}"
    click(page, "Accept")
    assert heading(page) == "Your NHS login is ready"
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    assert User.objects.count() == 1


def test_a_link_used_twice_shows_that_it_does_not_work(page):
    make_pds_patient()
    services.submit(make_organisation(), details())
    link = latest_link()
    go(page, link)
    click(page, "Continue")
    page.context.clear_cookies()
    go(page, link)
    assert heading(page) == "This link does not work"


def test_a_patient_who_cannot_confirm_the_code_is_told_and_nothing_is_made(page):
    make_pds_patient()
    services.submit(make_organisation(), details())
    go(page, latest_link())
    click(page, "Continue")
    right = latest_code(MOBILE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        page.get_by_label("Security code").fill(wrong)
        click(page, "Continue")
    assert heading(page) == "You entered the wrong code too many times"
    assert not User.objects.filter(email=EMAIL).exists()
