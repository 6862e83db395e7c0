"""Between the password and the code, the browser holds the pending sign-in (ADR 0012)."""

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Session, User
from accounts.services import pending
from core import crypto
from tests.accounts.helpers import latest_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
WRONG_PASSWORD = "not the password"


def password_step(client, user, password=PASSWORD, next_url=None):
    url = reverse("accounts:sign_in") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": user.email, "password": password})


def code_step(client, code):
    return client.post(reverse("accounts:security_code"), {"code": code})


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_the_password_step_stores_nothing_on_the_server(client, phone_patient):
    response = password_step(client, phone_patient)
    assert response.url == reverse("accounts:security_code")
    assert not Session.objects.exists()
    assert "sessionid" not in response.cookies
    cookie = response.cookies[pending.COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == reverse("accounts:security_code")
    # Opaque to the browser: no email address, phone number or database id in it.
    for plain in (phone_patient.email, phone_patient.phone_number[-3:], '"user"'):
        assert plain not in cookie.value


def test_the_code_page_names_the_phone_from_the_note(client, phone_patient):
    password_step(client, phone_patient)
    html = client.get(reverse("accounts:security_code")).content.decode()
    assert "your mobile ending 456" in html


def test_the_whole_sign_in_writes_one_session(client, phone_patient):
    password_step(client, phone_patient)
    response = code_step(client, latest_code(phone_patient.phone_number))
    assert response.url == reverse("accounts:home")
    (session,) = Session.objects.all()
    assert session.session_key == client.cookies["sessionid"].value
    # The note is dropped from the browser once the code is right.
    assert response.cookies[pending.COOKIE_NAME]["max-age"] == 0
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_changed_note_is_refused(client, phone_patient):
    password_step(client, phone_patient)
    value = client.cookies[pending.COOKIE_NAME].value
    flipped = "A" if value[-6] != "A" else "B"
    client.cookies[pending.COOKIE_NAME] = value[:-6] + flipped + value[-5:]
    assert client.get(reverse("accounts:security_code")).url == reverse("accounts:sign_in")
    response = code_step(client, latest_code(phone_patient.phone_number))
    assert response.url == reverse("accounts:sign_in")
    assert "_auth_user_id" not in client.session


def test_a_note_made_for_another_purpose_is_refused(client, phone_patient):
    """Fernet tokens also protect data at rest: only one made as a pending sign-in counts."""
    forged = {"user": phone_patient.pk, "account": "x", "kind": "mobile", "ending": "456"}
    client.cookies[pending.COOKIE_NAME] = crypto.encrypt(json.dumps(forged).encode()).decode()
    assert client.get(reverse("accounts:security_code")).url == reverse("accounts:sign_in")


def test_an_old_note_is_refused(client, phone_patient, settings):
    password_step(client, phone_patient)
    token = client.cookies[pending.COOKIE_NAME].value
    data = crypto.fernet().decrypt(token.encode())
    made = int(time.time()) - pending.LIFETIME - 5
    client.cookies[pending.COOKIE_NAME] = crypto.fernet().encrypt_at_time(data, made).decode()
    response = code_step(client, latest_code(phone_patient.phone_number))
    assert response.url == reverse("accounts:sign_in")
    assert "_auth_user_id" not in client.session


def test_a_copied_note_cannot_sign_in_again_with_the_used_code(client, phone_patient):
    password_step(client, phone_patient)
    copied = client.cookies[pending.COOKIE_NAME].value
    code = latest_code(phone_patient.phone_number)
    assert code_step(client, code).url == reverse("accounts:home")

    other = Client()
    other.cookies[pending.COOKIE_NAME] = copied
    response = code_step(other, code)
    assert response.status_code == 200
    assert "This security code has expired" in response.content.decode()
    assert "_auth_user_id" not in other.session


def test_wrong_codes_with_a_note_still_lock_the_account(client, phone_patient):
    password_step(client, phone_patient)
    code = latest_code(phone_patient.phone_number)
    copied = client.cookies[pending.COOKIE_NAME].value
    for _ in range(4):
        code_step(client, wrong(code))
    other = Client(REMOTE_ADDR="10.0.0.7")  # another browser, same note, another address
    other.cookies[pending.COOKIE_NAME] = copied
    response = code_step(other, wrong(code))
    assert "Sign in is locked" in response.content.decode()
    # The right password is refused too while the account is locked.
    assert "Sign in is locked" in password_step(Client(), phone_patient).content.decode()


def test_a_login_deactivated_before_the_code_is_not_signed_in(client, phone_patient):
    password_step(client, phone_patient)
    User.objects.filter(pk=phone_patient.pk).update(is_active=False)
    response = code_step(client, latest_code(phone_patient.phone_number))
    assert response.url == reverse("accounts:sign_in")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:security_code")).url == reverse("accounts:sign_in")


def test_signing_in_sets_last_login(client, phone_patient):
    assert phone_patient.last_login is None
    password_step(client, phone_patient)
    code_step(client, latest_code(phone_patient.phone_number))
    phone_patient.refresh_from_db()
    assert phone_patient.last_login is not None


def test_a_sign_in_forgets_earlier_wrong_passwords(client, phone_patient):
    for _ in range(4):
        password_step(client, phone_patient, WRONG_PASSWORD)
    password_step(client, phone_patient)
    assert code_step(client, latest_code(phone_patient.phone_number)).url == reverse(
        "accounts:home"
    )
    client.post(reverse("accounts:sign_out"))
    for _ in range(4):
        response = password_step(client, phone_patient, WRONG_PASSWORD)
    assert "The email address or password is not right" in response.content.decode()
    assert "Sign in is locked" not in response.content.decode()


def test_a_next_too_long_for_a_cookie_is_kept_in_the_session(client, phone_patient):
    next_url = "/prove-who-you-are/?x=" + "a" * 2000  # Django accepts up to 2048 characters
    response = password_step(client, phone_patient, next_url=next_url)
    assert pending.COOKIE_NAME not in response.cookies
    assert client.session[pending.SESSION_KEY]["user"] == phone_patient.pk
    response = code_step(client, latest_code(phone_patient.phone_number))
    assert response.url == next_url
    assert pending.SESSION_KEY not in client.session


def test_a_new_code_renews_the_note(client, phone_patient):
    password_step(client, phone_patient)
    first = client.cookies[pending.COOKIE_NAME].value
    response = client.post(reverse("accounts:resend_sign_in_code"))
    assert response.url == reverse("accounts:security_code")
    assert response.cookies[pending.COOKIE_NAME].value != first
    assert code_step(client, latest_code(phone_patient.phone_number)).url == reverse(
        "accounts:home"
    )


def test_a_right_code_signs_the_patient_in_with_a_new_session(client, phone_patient):
    """The code is used up and the login gets its last sign-in time and a new session row.
    The statements this costs are counted in bench/statements.py."""
    password_step(client, phone_patient)
    code = latest_code(phone_patient.phone_number)
    client.get(reverse("accounts:security_code"))
    assert code_step(client, code).url == reverse("accounts:home")
    phone_patient.refresh_from_db()
    assert phone_patient.last_login is not None
    assert Session.objects.filter(session_key=client.cookies["sessionid"].value).exists()
    other = Client()
    password_step(other, phone_patient)
    other.get(reverse("accounts:security_code"))
    assert code_step(other, code).status_code == 200  # used up


def test_a_save_of_a_login_signed_in_with_a_code_is_never_dropped(phone_patient):
    """The login the sign-in statement returns is an ordinary model instance: its next save
    is written, last_login included (a ``User.save`` override once dropped that one)."""
    from accounts import statements

    device, code = statements.new_code_for(phone_patient)
    user = statements.sign_in_with_code(device.pk, phone_patient.pk, code)
    assert user is not None and user.last_login is not None
    earlier = user.last_login - timedelta(days=3)
    user.last_login = earlier
    user.save(update_fields=["last_login"])
    user.email_verified = False
    user.save(update_fields=["email_verified"])
    phone_patient.refresh_from_db()
    assert phone_patient.last_login == earlier
    assert phone_patient.email_verified is False


def test_the_sign_in_and_its_audit_event_are_written_together(client, phone_patient):
    from core.models import AuditEvent

    password_step(client, phone_patient)
    code = latest_code(phone_patient.phone_number)
    client.get(reverse("accounts:security_code"))
    assert code_step(client, code).url == reverse("accounts:home")
    event = AuditEvent.objects.filter(event="sign_in.succeeded").get()
    assert event.user_id == event.actor_id == phone_patient.pk
    assert event.details == {"second_factor": "security code"}
    assert event.ip_address == "127.0.0.1"
    # a wrong code (or a used one) signs nobody in and writes no such event
    other = Client()
    password_step(other, phone_patient)
    other.get(reverse("accounts:security_code"))
    assert code_step(other, code).status_code == 200
    assert AuditEvent.objects.filter(event="sign_in.succeeded").count() == 1


def test_a_note_left_in_a_session_before_this_change_still_works(client, phone_patient):
    password_step(client, phone_patient)
    del client.cookies[pending.COOKIE_NAME]
    session = client.session
    session[pending.SESSION_KEY] = {"user": phone_patient.pk, "next": "/prove-who-you-are/"}
    session.save()
    html = client.get(reverse("accounts:security_code")).content.decode()
    assert "your mobile ending 456" in html
    response = code_step(client, latest_code(phone_patient.phone_number))
    assert response.url == "/prove-who-you-are/"
    assert client.session["_auth_user_id"] == str(phone_patient.pk)


def test_the_password_step_sends_a_new_code(client, phone_patient):
    """The new code and the text message that sends it are written together (one statement,
    counted in bench/statements.py)."""
    from core.models import Notification

    password_step(client, phone_patient)
    sent = Notification.objects.filter(user=phone_patient).get()
    assert sent.channel == "sms" and sent.recipient == phone_patient.phone_number
    code = latest_code(phone_patient.phone_number)
    assert code_step(client, code).url == reverse("accounts:home")


def test_a_landline_gets_its_code_by_a_call(client, phone_patient):
    from accounts.models import PhoneDevice
    from core.models import Notification

    User.objects.filter(pk=phone_patient.pk).update(phone_kind="landline")
    PhoneDevice.objects.filter(user=phone_patient).update(kind="landline")
    password_step(client, phone_patient)
    sent = Notification.objects.filter(user=phone_patient).latest("created_at")
    assert sent.channel == "voice" and sent.recipient == phone_patient.phone_number
    assert code_step(client, latest_code(phone_patient.phone_number)).url == reverse(
        "accounts:home"
    )


def test_a_device_with_another_number_still_gets_the_code_at_its_own(client, phone_patient):
    """The one-statement path sends only to the number the login records; a device that
    differs (an import, a half-finished change) is sent its code as before."""
    from accounts.models import PhoneDevice

    PhoneDevice.objects.filter(user=phone_patient).update(number="+447400999888")
    password_step(client, phone_patient)
    code = latest_code("+447400999888")
    with pytest.raises(AssertionError):
        latest_code(phone_patient.phone_number)
    assert code_step(client, code).url == reverse("accounts:home")
