"""One address never locks everyone out (issue 14, finding 1; ADR 0018).

Many patients share one address behind a NAT or a proxy. Wrong passwords from one address
make it *watched*: from there, a wrong password is answered as a right one is (the code step,
with no code sent), so guessing teaches nothing, and a right password still works. Only an
account locks, after its own wrong tries."""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import AuthenticatorApp
from accounts.services import limits
from core.models import AuditEvent
from tests.accounts.helpers import latest_code, sent_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
CODE_PAGE = reverse("accounts:security_code")


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("accounts:sign_in"), {"email": email, "password": password}, **extra)


def enter_code(client, code):
    return client.post(CODE_PAGE, {"code": code})


def wrong_passwords_for_many_logins(client, count=limits.ADDRESS_ATTEMPTS, **extra):
    for user in UserFactory.create_batch(count):
        sign_in(client, user.email, "wrong password", **extra)


def test_twenty_wrong_passwords_for_twenty_logins_do_not_refuse_a_twenty_first_patient(client):
    wrong_passwords_for_many_logins(client)
    patient = UserFactory()
    response = sign_in(client, patient.email)
    assert response.status_code == 302 and response.url == CODE_PAGE
    response = enter_code(client, latest_code(patient.phone_number))
    assert response.url == reverse("accounts:home")
    assert client.session["_auth_user_id"] == str(patient.pk)


def test_a_busy_address_never_shows_a_lock_to_a_patient_whose_login_is_not_locked(client):
    wrong_passwords_for_many_logins(client, 3 * limits.ADDRESS_ATTEMPTS)
    for patient in UserFactory.create_batch(5):
        assert "Sign in is locked" not in sign_in(client, patient.email).content.decode()
        assert sent_to(patient.phone_number)  # a code went to each


def test_from_a_watched_address_a_wrong_password_looks_like_a_right_one(client):
    wrong_passwords_for_many_logins(client)
    patient, other = UserFactory.create_batch(2)
    wrong = sign_in(client, patient.email, "wrong password")
    assert wrong.status_code == 302 and wrong.url == CODE_PAGE
    wrong_page = client.get(CODE_PAGE).content.decode()
    assert not sent_to(patient.phone_number)  # no code for a wrong password

    right_client = Client()
    wrong_passwords_for_many_logins(right_client)  # the same address (the test client's)
    right = sign_in(right_client, other.email)
    assert right.status_code == 302 and right.url == CODE_PAGE
    right_page = right_client.get(CODE_PAGE).content.decode()
    assert "If the email address and password you entered are right" in wrong_page
    # The pages differ only in the per-request CSRF token and script nonce.
    assert strip_tokens(wrong_page) == strip_tokens(right_page)
    # (The logo's SVG path has numbers of its own.)
    assert other.phone_number[-3:] not in re.sub(r"<svg.*?</svg>", "", right_page, flags=re.S)


def strip_tokens(html: str) -> str:
    import re

    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_an_unknown_email_from_a_watched_address_also_gets_the_code_step(client):
    wrong_passwords_for_many_logins(client)
    response = sign_in(client, "nobody@example.com", "whatever1")
    assert response.url == CODE_PAGE
    assert client.get(CODE_PAGE).status_code == 200


def test_codes_after_a_wrong_password_are_never_right_and_count_towards_the_lock(client):
    wrong_passwords_for_many_logins(client)
    patient = UserFactory()
    sign_in(client, patient.email, "wrong password")  # 1 wrong try for this login
    for _ in range(3):
        response = enter_code(client, "123456")
        assert "The security code is not right" in response.content.decode()
        assert "_auth_user_id" not in client.session
    response = enter_code(client, "123456")  # the 5th wrong try for this login
    assert "Sign in is locked" in response.content.decode()
    assert sent_to(patient.email, "accounts.account_locked")


def test_send_a_new_code_after_a_wrong_password_sends_nothing(client):
    wrong_passwords_for_many_logins(client)
    patient = UserFactory()
    sign_in(client, patient.email, "wrong password")
    response = client.post(reverse("accounts:resend_sign_in_code"))
    assert response.url == CODE_PAGE
    assert not sent_to(patient.phone_number)


def test_an_authenticator_app_owner_gets_the_app_step_whatever_the_password(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    wrong_passwords_for_many_logins(client)
    patient = UserFactory()
    AuthenticatorApp.objects.create(user=patient, name="app", confirmed=True)
    app_page = reverse("accounts:authenticator_app_sign_in")
    assert sign_in(client, patient.email, "wrong password").url == app_page
    response = client.post(app_page, {"code": "123456"})
    assert "not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # "Text me a code instead" answers as it would, and sends nothing.
    response = client.post(reverse("accounts:authenticator_app_text_instead"))
    assert response.url == CODE_PAGE
    assert not sent_to(patient.phone_number)


def test_a_login_still_locks_after_its_own_wrong_passwords_from_a_watched_address(client):
    wrong_passwords_for_many_logins(client)
    patient = UserFactory()
    for _ in range(5):
        sign_in(client, patient.email, "wrong password")
    assert sent_to(patient.email, "accounts.account_locked")
    # Its right password is refused now, from this address and any other.
    for someone in (client, Client(REMOTE_ADDR="10.9.9.9")):
        response = sign_in(someone, patient.email)
        assert "Sign in is locked" in response.content.decode()
    assert not sent_to(patient.phone_number)


def test_a_login_locks_after_its_own_wrong_passwords_from_a_quiet_address(client):
    patient = UserFactory()
    for _ in range(5):
        response = sign_in(client, patient.email, "wrong password")
    assert "Sign in is locked" in response.content.decode()
    assert (
        "Sign in is locked"
        in sign_in(Client(REMOTE_ADDR="10.9.9.9"), patient.email).content.decode()
    )


def test_a_watched_address_is_recorded_once_for_support(client):
    wrong_passwords_for_many_logins(client, limits.ADDRESS_ATTEMPTS + 5)
    assert AuditEvent.objects.filter(event="sign_in.address_watched").count() == 1


def test_below_the_limit_a_wrong_password_is_told_as_wrong(client):
    wrong_passwords_for_many_logins(client, limits.ADDRESS_ATTEMPTS - 2)
    patient = UserFactory()
    response = sign_in(client, patient.email, "wrong password")
    assert "The email address or password is not right" in response.content.decode()


def test_behind_a_trusted_proxy_each_patient_is_counted_from_their_own_address(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    wrong_passwords_for_many_logins(client, **proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    patient = UserFactory()
    # Another patient behind the same proxy: told plainly that a typo is wrong.
    response = sign_in(client, patient.email, "typo", **proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert "The email address or password is not right" in response.content.decode()
    # The guesser's own address is watched.
    response = sign_in(client, patient.email, "typo", **proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert response.status_code == 302 and response.url == CODE_PAGE


def test_a_forged_forwarded_header_does_not_escape_the_watch(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for n, user in enumerate(UserFactory.create_batch(limits.ADDRESS_ATTEMPTS)):
        sign_in(
            client,
            user.email,
            "wrong",
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    patient = UserFactory()
    response = sign_in(
        client,
        patient.email,
        "wrong",
        REMOTE_ADDR="203.0.113.5",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 302 and response.url == CODE_PAGE  # still watched


def test_a_sign_in_behind_the_proxy_is_recorded_from_the_patients_address(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    patient = UserFactory()
    sign_in(
        client,
        patient.email,
        "wrong password",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.23",
    )
    event = AuditEvent.objects.get(user=patient, event="sign_in.failed")
    assert event.ip_address == "198.51.100.23"


def test_an_address_stays_watched_while_the_guessing_goes_on(client):
    import time

    from django.core.cache import cache

    wrong_passwords_for_many_logins(client)
    address = limits.address_key(RequestFactory().get("/"))  # the test client's 127.0.0.1
    # The count's fixed window ends, and the watch is a second from its end...
    cache.delete(limits.address_failures()._key(address))
    cache.set(limits._watched()._key(address), 1, timeout=1)
    # ...but the guessing goes on, and each wrong try pushes the watch back.
    wrong_passwords_for_many_logins(client, 3)
    time.sleep(1.5)
    patient = UserFactory()
    assert sign_in(client, patient.email, "wrong password").url == CODE_PAGE
