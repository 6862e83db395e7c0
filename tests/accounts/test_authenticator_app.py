"""An authenticator app (TOTP, the ``Ck`` component; ADR 0016): setting it up after a fresh
password and code, signing in with the password and its code, the text instead, the lockout,
and removing it. Codes are real RFC 6238 codes made from the device's key."""

import time

import pytest
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from accounts.authentication import SESSION_KEY
from accounts.models import AuthenticatorApp
from accounts.services import pending
from core.models import AuditEvent
from tests.accounts.helpers import latest_code, rendered, sent_to
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
SETUP = "/account/authenticator-app/"
APP_SIGN_IN = "/account/sign-in/authenticator-app/"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # django-otp slows down tries after a wrong code (1 s, 2 s, ...); the lockout is tested here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_for(device: AuthenticatorApp, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` 30-second steps later)."""
    device.refresh_from_db()
    token = totp(
        device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step, drift=0
    )
    return f"{token:06d}"


def wrong_code(device: AuthenticatorApp) -> str:
    right = {code_for(device, n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def set_up_app(client) -> AuthenticatorApp:
    client.get(SETUP)
    device = AuthenticatorApp.objects.get(confirmed=False)
    response = client.post(SETUP, {"action": "confirm", "code": code_for(device)})
    assert response.status_code == 302, response.content.decode()[:2000]
    device.refresh_from_db()
    assert device.confirmed
    return device


@pytest.fixture
def app(phone_patient):
    """An app set up earlier: the code used to set it up belongs to a step long past."""
    device = set_up_app(signed_in_client(phone_patient))
    AuthenticatorApp.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return device


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("accounts:sign_in"), {"email": user.email, "password": password})


def test_a_patient_sets_up_an_app_after_a_wrong_then_a_right_code(settings, phone_patient):
    client = signed_in_client(phone_patient)
    page = client.get(SETUP).content.decode()
    device = AuthenticatorApp.objects.get(user=phone_patient, confirmed=False)
    assert "app-qr-code" in page and "<svg" in page.split("app-qr-code", 1)[1]
    assert 'role="img" aria-label="QR code to scan with your authenticator app' in page
    key = __import__("base64").b32encode(device.bin_key).decode()
    assert key[:4] + " " + key[4:8] in page  # the key to type in, in groups of 4
    assert device.config_url.startswith("otpauth://totp/NHS%20login%3A")
    assert "issuer=NHS%20login" in device.config_url

    response = client.post(SETUP, {"action": "confirm", "code": wrong_code(device)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "nhsuk-error-message" in html
    assert "The security code is not right" in html
    assert key[:4] + " " + key[4:8] in html  # the same key, still to be confirmed
    assert not AuthenticatorApp.objects.filter(user=phone_patient, confirmed=True).exists()
    assert not sent_to(phone_patient.email, "accounts.authenticator_app_added")

    response = client.post(SETUP, {"action": "confirm", "code": code_for(device)})
    assert response.url == SETUP
    assert key not in response.url
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(user=phone_patient, event="authenticator_app.added").exists()
    (notice,) = sent_to(phone_patient.email, "accounts.authenticator_app_added")
    subject, body = rendered(notice)
    assert subject == "An authenticator app was set up for your NHS login"
    assert f"{settings.SITE_URL}{SETUP}" in body
    page = client.get(SETUP).content.decode()
    assert "You set up your authenticator app" in page
    assert "Remove authenticator app" in page
    activity = client.get(reverse("accounts:activity")).content.decode()
    assert "You set up an authenticator app" in activity
    home = client.get(reverse("accounts:home")).content.decode()
    assert SETUP in home


def test_a_key_shown_too_long_ago_is_replaced_and_the_patient_told(phone_patient):
    """A right code from a key shown over an hour ago sets nothing up: the page says so and
    shows a new key, whose code then works."""
    client = signed_in_client(phone_patient)
    client.get(SETUP)
    old = AuthenticatorApp.objects.get(user=phone_patient, confirmed=False)
    AuthenticatorApp.objects.filter(pk=old.pk).update(
        created_at=old.created_at - __import__("datetime").timedelta(hours=2)
    )
    response = client.post(SETUP, {"action": "confirm", "code": code_for(old)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Setting up took too long, so we have made a new key" in html
    assert "nhsuk-error-summary" in html
    assert not AuthenticatorApp.objects.filter(user=phone_patient, confirmed=True).exists()
    new = AuthenticatorApp.objects.get(user=phone_patient, confirmed=False)
    assert new.pk != old.pk
    assert client.post(SETUP, {"action": "confirm", "code": code_for(new)}).url == SETUP
    assert AuthenticatorApp.objects.get(user=phone_patient).confirmed


@pytest.mark.parametrize(
    ("methods", "age", "remembered"),
    [
        (("Cp", "Cd"), 16 * 60, False),  # signed in too long ago
        (("Cp", "Cd"), 0, True),  # a remembered browser, no code this session
        (("Cm",), 0, False),  # a passkey, not the password and a code
    ],
)
def test_setting_up_needs_a_fresh_password_and_code(phone_patient, methods, age, remembered):
    client = signed_in_client(phone_patient, methods)
    session = client.session
    session[SESSION_KEY] = {
        "methods": sorted(methods),
        "auth_time": int(time.time()) - age,
        "remembered_browser": remembered,
    }
    session.save()
    page = client.get(SETUP).content.decode()
    assert "Sign in again" in page
    assert "app-qr-code" not in page
    assert not AuthenticatorApp.objects.exists()
    again = client.post(reverse("accounts:authenticator_app_sign_in_again"))
    assert again.url.startswith(reverse("accounts:sign_in"))
    assert client.session["second_factor_asked"] == "Cd"


def test_setting_up_again_replaces_the_old_app_only_once_confirmed(phone_patient, app):
    client = signed_in_client(phone_patient)
    client.get(SETUP)
    new = AuthenticatorApp.objects.get(user=phone_patient, confirmed=False)
    client.post(SETUP, {"action": "confirm", "code": wrong_code(new)})
    assert AuthenticatorApp.objects.get(user=phone_patient, confirmed=True).pk == app.pk
    client.post(SETUP, {"action": "confirm", "code": code_for(new)})
    (only,) = AuthenticatorApp.objects.filter(user=phone_patient)
    assert only.pk == new.pk and only.confirmed


def test_signing_in_asks_for_the_app_code_instead_of_a_text(phone_patient, app):
    client = Client()
    response = sign_in(client, phone_patient)
    assert response.url == APP_SIGN_IN
    assert not sent_to(phone_patient.phone_number)
    assert USER_SESSION_KEY not in client.session
    page = client.get(APP_SIGN_IN).content.decode()
    assert "Enter the code from your authenticator app" in page
    assert "Text me a code instead" in page
    assert "Remember this browser for 30 days" in page
    # The note is for the app's page only: the text code page does not take it.
    assert client.get(reverse("accounts:security_code")).url == reverse("accounts:sign_in")

    response = client.post(APP_SIGN_IN, {"code": code_for(app)})
    assert response.url == reverse("accounts:home")
    assert client.session[USER_SESSION_KEY] == str(phone_patient.pk)
    assert client.session[SESSION_KEY]["methods"] == ["Ck", "Cp"]
    assert response.cookies[pending.APP.cookie].value == ""  # the note is dropped
    phone_patient.refresh_from_db()
    assert phone_patient.last_login is not None
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.authenticator_app").exists()
    activity = client.get(reverse("accounts:activity")).content.decode()
    assert "You signed in with a code from your authenticator app" in activity


def test_a_code_cannot_be_used_twice(phone_patient, app):
    code = code_for(app)
    first = Client()
    sign_in(first, phone_patient)
    assert first.post(APP_SIGN_IN, {"code": code}).url == reverse("accounts:home")
    second = Client()
    sign_in(second, phone_patient)
    response = second.post(APP_SIGN_IN, {"code": code})
    assert response.status_code == 200
    assert "The security code is not right" in response.content.decode()
    assert USER_SESSION_KEY not in second.session
    # The next code from the app works.
    assert second.post(APP_SIGN_IN, {"code": code_for(app, 1)}).url == reverse("accounts:home")


def test_text_me_a_code_instead_sends_a_text_and_signs_in_with_cd(phone_patient, app):
    client = Client()
    sign_in(client, phone_patient)
    response = client.post(reverse("accounts:authenticator_app_text_instead"))
    assert response.url == reverse("accounts:security_code")
    assert response.cookies[pending.APP.cookie].value == ""
    (text,) = sent_to(phone_patient.phone_number)
    assert text.channel == "sms"
    response = client.post(
        reverse("accounts:security_code"), {"code": latest_code(phone_patient.phone_number)}
    )
    assert response.url == reverse("accounts:home")
    assert client.session[SESSION_KEY]["methods"] == ["Cd", "Cp"]


def test_wrong_app_codes_lock_the_sign_in(settings, phone_patient, app):
    client = Client()
    sign_in(client, phone_patient)
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS - 1):
        response = client.post(APP_SIGN_IN, {"code": wrong_code(app)})
        assert "The security code is not right" in response.content.decode()
    response = client.post(APP_SIGN_IN, {"code": wrong_code(app)})
    assert "Sign in is locked for 15 minutes" in response.content.decode()
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.locked_out").exists()
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.code_failed").count() == 5
    assert sent_to(phone_patient.email, "accounts.account_locked")
    # Even the right code and password are refused now.
    again = Client()
    assert "Sign in is locked" in sign_in(again, phone_patient).content.decode()
    assert USER_SESSION_KEY not in again.session


def test_a_remembered_browser_still_skips_the_app_and_gives_cd(phone_patient, app):
    client = Client()
    sign_in(client, phone_patient)
    client.post(APP_SIGN_IN, {"code": code_for(app), "remember_browser": "on"})
    client.post(reverse("accounts:sign_out"))
    response = sign_in(client, phone_patient)
    assert response.url == reverse("accounts:home")
    assert client.session[SESSION_KEY]["methods"] == ["Cd", "Cp"]
    assert client.session[SESSION_KEY]["remembered_browser"] is True


def test_removing_the_app_needs_the_password(phone_patient, app):
    client = signed_in_client(phone_patient)
    response = client.post(SETUP, {"action": "remove", "password": "wrong password"})
    assert response.status_code == 200
    assert "Your password is not right" in response.content.decode()
    assert AuthenticatorApp.objects.filter(pk=app.pk).exists()

    response = client.post(SETUP, {"action": "remove", "password": PASSWORD})
    assert response.url == SETUP
    assert not AuthenticatorApp.objects.filter(user=phone_patient, confirmed=True).exists()
    assert AuditEvent.objects.filter(user=phone_patient, event="authenticator_app.removed")
    (notice,) = sent_to(phone_patient.email, "accounts.authenticator_app_removed")
    assert "send a security code to your phone" in rendered(notice)[1]
    # Signing in now sends a text again.
    assert sign_in(Client(), phone_patient).url == reverse("accounts:security_code")


def test_an_app_removed_during_sign_in_sends_the_patient_back(phone_patient, app):
    client = Client()
    sign_in(client, phone_patient)
    code = code_for(app)
    AuthenticatorApp.objects.all().delete()
    response = client.post(APP_SIGN_IN, {"code": code})
    assert response.url == reverse("accounts:sign_in")
    assert USER_SESSION_KEY not in client.session


def test_a_note_for_the_text_code_is_refused_by_the_app_page(phone_patient, app):
    """Each step's note is sealed for that step: a code-page note put in the app's cookie
    does not let anyone enter an app code."""
    client = Client()
    AuthenticatorApp.objects.all().delete()
    sign_in(client, phone_patient)
    code_note = client.cookies[pending.CODE.cookie].value
    client.cookies[pending.APP.cookie] = code_note
    assert client.get(APP_SIGN_IN).url == reverse("accounts:sign_in")


@pytest.mark.parametrize(
    ("code", "message"),
    [("", "Enter the security code"), ("12ab56", "must be 6 numbers"), ("1234567", "6 numbers")],
)
def test_a_code_that_is_not_6_numbers_gets_a_message_and_changes_nothing(
    phone_patient, app, code, message
):
    """At set-up and at sign-in: the error summary, no app confirmed, no try counted."""
    client = signed_in_client(phone_patient)
    client.get(SETUP)
    page = client.post(SETUP, {"action": "confirm", "code": code}).content.decode()
    assert message in page and "nhsuk-error-summary" in page
    assert AuthenticatorApp.objects.filter(user=phone_patient, confirmed=True).get() == app

    signing_in = Client()
    assert sign_in(signing_in, phone_patient).url == APP_SIGN_IN
    page = signing_in.post(APP_SIGN_IN, {"code": code}).content.decode()
    assert message in page and "nhsuk-error-summary" in page
    assert USER_SESSION_KEY not in signing_in.session
    assert not AuditEvent.objects.filter(event="sign_in.code_failed").exists()
