"""Chromium: staff sign in to admin on one page, by a backup code and by a code by text,
with axe on every page (admin pages included)."""

import pytest
from django.conf import settings

from accounts.admin_site import CODE_SENT, REFUSED
from accounts.models import PhoneDevice
from accounts.services.backup_codes import add_backup_code
from tests.accounts.helpers import latest_code
from tests.factories import UserFactory
from tests.fixtures.browser import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def fill_in(page, email, password, method, code=""):
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("How you confirm it is you").select_option(label=method)
    page.get_by_label("Code:", exact=True).fill(code)


def test_staff_sign_in_with_a_backup_code_after_a_wrong_one(page, settings):
    # django-otp refuses a device's codes for a second after a wrong one; a person takes
    # longer than that to type again, the test does not.
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    user = UserFactory(is_staff=True, is_superuser=True)
    add_backup_code(user, "abc12345")

    page.goto(f"/{settings.ADMIN_URL}")
    axe_check(page)
    fill_in(page, user.email, PASSWORD, "Backup code", "wrong999")
    page.get_by_role("button", name="Sign in").click()
    axe_check(page)
    assert REFUSED in page.content()
    assert page.title().startswith("Error:")

    fill_in(page, user.email, PASSWORD, "Backup code", "abc12345")
    page.get_by_role("button", name="Sign in").click()
    axe_check(page)
    assert page.get_by_role("heading", name="Site administration").is_visible()


def test_staff_ask_for_a_code_by_text_and_enter_it_on_the_same_page(page):
    user = UserFactory(is_staff=True, is_superuser=True, phone_number="+447400999555")
    PhoneDevice.objects.create(user=user, name="mobile", number=user.phone_number, kind="mobile")

    page.goto(f"/{settings.ADMIN_URL}login/")
    axe_check(page)
    fill_in(page, user.email, PASSWORD, "Code by text message or phone call")
    page.get_by_role("button", name="Text or call me a code").click()
    axe_check(page)
    assert CODE_SENT in page.content()
    assert page.get_by_label("Password").input_value() == PASSWORD  # not cleared
    assert page.get_by_label("How you confirm it is you").input_value() == "phone"
    page.get_by_label("Code:", exact=True).fill(latest_code(user.phone_number))
    page.get_by_role("button", name="Sign in").click()
    axe_check(page)
    assert page.get_by_role("heading", name="Site administration").is_visible()
