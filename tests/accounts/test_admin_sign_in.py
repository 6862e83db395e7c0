"""Staff sign-in to Django admin (issue 14 finding 4, issue 16): the patients' lockout and
limits, one answer for every failure, and the password, the second factor and its code on
one page (accounts.admin_site.StaffSignInForm; ADR 0018)."""

import re

import pytest
from django.conf import settings
from django.test import Client

from accounts.admin_site import CODE_SENT, REFUSED
from accounts.models import BackupCode, PhoneDevice
from accounts.services import limits
from accounts.services.backup_codes import add_backup_code
from core.models import AuditEvent
from tests.accounts.helpers import latest_code, sent_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def code_left(user, code) -> bool:
    return BackupCode.objects.filter(
        device__user=user, code_hash=BackupCode.hash_code(code)
    ).exists()


ADMIN = "/" + settings.ADMIN_URL
LOGIN = f"{ADMIN}login/?next={ADMIN}"
PASSWORD = "correct horse battery"


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True, is_superuser=True, email="staff@example.com")
    for n in range(3):
        add_backup_code(user, f"abc1234{n}")
    return user


def admin_sign_in(client, email, password=PASSWORD, method="backup", code="abc12340", **extra):
    data = {"username": email, "password": password, "otp_device": method, "otp_token": code}
    return client.post(LOGIN, {**data, **extra})


def signed_in(client) -> bool:
    return client.get(ADMIN).status_code == 200


def page_without_tokens(response, email) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = html.replace(" selected>", ">")  # which second factor was chosen
    return html.replace(email, "EMAIL")


def test_staff_sign_in_with_the_password_and_a_code_on_one_page(client, staff):
    page = client.get(LOGIN).content.decode()
    for field in ("id_username", "id_password", "id_otp_device", "id_otp_token"):
        assert f'id="{field}"' in page
    response = admin_sign_in(client, staff.email)
    assert response.status_code == 302
    assert signed_in(client)
    event = AuditEvent.objects.get(user=staff, event="sign_in.admin")
    assert event.ip_address == "127.0.0.1" and event.details["second_factor"] == "backup"


def test_a_staff_sign_in_records_when_they_last_signed_in(client, staff):
    assert staff.last_login is None
    admin_sign_in(client, staff.email)
    assert signed_in(client)
    staff.refresh_from_db()
    assert staff.last_login is not None


def test_every_failure_gets_the_same_answer(client, staff):
    patient = UserFactory(email="patient@example.com")
    tries = {
        "wrong password": admin_sign_in(Client(), staff.email, password="wrong password"),
        "right password, wrong code": admin_sign_in(Client(), staff.email, code="wrong999"),
        "right password, no code": admin_sign_in(Client(), staff.email, code=""),
        "right password, a device they do not have": admin_sign_in(
            Client(), staff.email, method="app", code="123456"
        ),
        "a patient's right password": admin_sign_in(Client(), patient.email, code="abc12341"),
        "unknown email address": admin_sign_in(Client(), "nobody@example.com"),
    }
    pages = {
        name: page_without_tokens(r, r.wsgi_request.POST["username"]) for name, r in tries.items()
    }
    first = pages["wrong password"]
    assert REFUSED in first
    assert "OTP" not in first
    for name, html in pages.items():
        assert html == first, f"{name} is answered differently from a wrong password"
    assert not signed_in(client)


def test_a_locked_login_gets_the_same_answer_even_with_everything_right(client, staff):
    wrong = admin_sign_in(Client(), staff.email, password="wrong password")
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS):
        admin_sign_in(Client(), staff.email, password="wrong password")
    locked = admin_sign_in(client, staff.email)
    assert page_without_tokens(locked, staff.email) == page_without_tokens(wrong, staff.email)
    assert not signed_in(client)
    assert code_left(staff, "abc12340")  # the code was not used up


def test_sixty_wrong_admin_passwords_lock_the_login(client, staff):
    for _ in range(60):
        admin_sign_in(client, staff.email, password="wrong password")
    assert AuditEvent.objects.filter(user=staff, event="sign_in.locked_out").exists()
    assert sent_to(staff.email, "accounts.account_locked")
    # The right password and code, from anywhere, are refused for the lockout period.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert REFUSED in admin_sign_in(other, staff.email).content.decode()
    assert not signed_in(other)
    # Only 5 of the 60 were checked against the password: the rest met the lock.
    assert AuditEvent.objects.filter(user=staff, event="sign_in.failed").count() == 5


def test_wrong_codes_count_towards_the_lock(client, staff):
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS):
        admin_sign_in(client, staff.email, code="wrong999")
    assert sent_to(staff.email, "accounts.account_locked")
    assert not signed_in(client)
    admin_sign_in(client, staff.email)
    assert not signed_in(client)


def test_many_wrong_admin_tries_from_one_address_do_not_lock_out_other_staff(client, staff):
    for user in UserFactory.create_batch(limits.ADDRESS_ATTEMPTS + 5, is_staff=True):
        admin_sign_in(client, user.email, password="wrong password")
    admin_sign_in(client, staff.email)
    assert signed_in(client)


def test_a_code_by_text_is_asked_for_and_entered_on_the_same_page(client):
    user = UserFactory(is_staff=True, is_superuser=True, phone_number="+447400999777")
    PhoneDevice.objects.create(user=user, name="mobile", number=user.phone_number, kind="mobile")
    response = admin_sign_in(client, user.email, method="phone", code="", otp_challenge="1")
    html = response.content.decode()
    assert CODE_SENT in html
    assert f'value="{PASSWORD}"' in html  # what they typed is kept for the code
    code = latest_code(user.phone_number)
    assert admin_sign_in(client, user.email, method="phone", code=code).status_code == 302
    assert signed_in(client)


def test_asking_for_a_code_with_a_wrong_password_looks_the_same_and_sends_nothing(client):
    user = UserFactory(is_staff=True, phone_number="+447400999666")
    PhoneDevice.objects.create(user=user, name="mobile", number=user.phone_number, kind="mobile")
    wrong = admin_sign_in(
        client, user.email, password="wrong password", method="phone", otp_challenge="1"
    )
    assert not sent_to(user.phone_number)
    right = admin_sign_in(Client(), user.email, method="phone", otp_challenge="1")
    assert sent_to(user.phone_number)
    assert page_without_tokens(wrong, user.email).replace("wrong password", PASSWORD) == (
        page_without_tokens(right, user.email)
    )
    assert AuditEvent.objects.filter(user=user, event="sign_in.failed").count() == 1


def test_another_persons_device_cannot_be_used(client, staff):
    other = UserFactory(is_staff=True)
    device = add_backup_code(other, "zzz99999")
    response = admin_sign_in(client, staff.email, method=device.persistent_id, code="zzz99999")
    assert REFUSED in response.content.decode()
    assert not signed_in(client)
    assert code_left(other, "zzz99999")
