"""Passkeys: adding one after a fresh password and code, signing in with it alone (Cm),
removing it, and the lockout. A real P-256 key answers the ceremonies (tests/accounts/passkeys.py).
"""

import json
import re
import time

import pytest
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from accounts.authentication import FORCE_CODE_SESSION_KEY, SESSION_KEY
from accounts.models import Session
from accounts.services.passkeys import SIGN_IN_BEGINS_PER_ADDRESS
from core.models import AuditEvent
from tests.accounts.helpers import rendered, sent_to
from tests.accounts.passkeys import ORIGIN, RP_ID, SoftPasskey, add_passkey, sign_in_with_passkey
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _relying_party(settings):
    settings.OTP_WEBAUTHN_RP_ID = RP_ID
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [ORIGIN]


@pytest.fixture
def passkey(phone_patient):
    """A passkey the patient added after signing in with their password and a code."""
    key = SoftPasskey()
    response = add_passkey(signed_in_client(phone_patient), key)
    assert response.status_code == 200, response.content
    return key


def test_a_patient_adds_a_passkey_after_signing_in_with_password_and_code(settings, phone_patient):
    client = signed_in_client(phone_patient)
    response = add_passkey(
        client, SoftPasskey(), HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Chrome/130"
    )
    assert response.status_code == 200
    assert response.json()["redirect_url"] == reverse("accounts:passkeys")
    (credential,) = WebAuthnCredential.objects.filter(user=phone_patient)
    assert credential.name == "Chrome on Linux"
    assert credential.confirmed
    assert credential.discoverable is True
    assert AuditEvent.objects.filter(user=phone_patient, event="passkey.added").exists()
    page = client.get(reverse("accounts:passkeys")).content.decode()
    assert "You added a passkey" in page
    assert "Not used yet" in page
    activity = client.get(reverse("accounts:activity")).content.decode()
    assert "You added a passkey" in activity
    (notice,) = sent_to(phone_patient.email, "accounts.passkey_added")
    subject, body = rendered(notice)
    assert subject == "A passkey was added to your NHS login"
    assert "Chrome on Linux" in body
    assert f"{settings.SITE_URL}/account/passkeys/" in body


@pytest.mark.parametrize(
    ("methods", "age", "remembered"),
    [
        (("Cp", "Cd"), 16 * 60, False),  # signed in too long ago
        (("Cp", "Cd"), 0, True),  # a remembered browser, no code this session
        (("Cm",), 0, False),  # a passkey, not the password and a code
    ],
)
def test_adding_a_passkey_needs_a_fresh_password_and_code(phone_patient, methods, age, remembered):
    client = signed_in_client(phone_patient, methods)
    session = client.session
    session[SESSION_KEY] = {
        "methods": sorted(methods),
        "auth_time": int(time.time()) - age,
        "remembered_browser": remembered,
    }
    session.save()
    begin = client.post(reverse("accounts:passkey_registration_begin"))
    assert begin.status_code == 403
    assert "Sign in again" in begin.json()["detail"]
    page = client.get(reverse("accounts:passkeys")).content.decode()
    assert "To add a passkey, sign in again" in page
    assert "passkey-register-button" not in page
    assert not WebAuthnCredential.objects.exists()


def test_sign_in_again_asks_for_the_password_and_a_code(phone_patient):
    client = signed_in_client(phone_patient)
    response = client.post(reverse("accounts:passkeys_sign_in_again"))
    assert response.url == reverse("accounts:sign_in") + "?next=%2Faccount%2Fpasskeys%2F"
    assert USER_SESSION_KEY not in client.session
    assert client.session[FORCE_CODE_SESSION_KEY] is True


def test_a_passkey_that_skips_user_verification_is_not_added(phone_patient):
    response = add_passkey(signed_in_client(phone_patient), SoftPasskey(verify_user=False))
    assert response.status_code == 400
    assert not WebAuthnCredential.objects.exists()


def test_a_passkey_signs_the_patient_in_by_itself_with_cm(phone_patient, passkey):
    client = Client()
    client.get(reverse("accounts:sign_in"))
    response = sign_in_with_passkey(client, passkey)
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == reverse("accounts:home")
    session = client.session
    assert session[USER_SESSION_KEY] == str(phone_patient.pk)
    assert session[SESSION_KEY]["methods"] == ["Cm"]
    phone_patient.refresh_from_db()
    assert phone_patient.last_login is not None
    event = AuditEvent.objects.get(user=phone_patient, event="sign_in.passkey")
    assert event.details["passkey"] == WebAuthnCredential.objects.get().pk
    credential = WebAuthnCredential.objects.get()
    assert credential.last_used_at is not None
    assert credential.sign_count == 1
    home = client.get(reverse("accounts:home"))
    assert home.status_code == 200
    assert "Your NHS login" in home.content.decode()
    activity = client.get(reverse("accounts:activity")).content.decode()
    assert "You signed in with a passkey" in activity


def test_the_session_gets_a_new_key_at_a_passkey_sign_in(passkey):
    client = Client()
    client.post(reverse("accounts:passkey_sign_in_begin"))
    before = client.session.session_key
    sign_in_with_passkey(client, passkey)
    assert client.session.session_key != before


def test_a_passkey_sign_in_goes_on_to_next_on_this_site_only(passkey):
    client = Client()
    response = sign_in_with_passkey(client, passkey, next_url="/authorize?client_id=x")
    assert response.json()["redirect_url"] == "/authorize?client_id=x"
    client = Client()
    response = sign_in_with_passkey(client, passkey, next_url="https://evil.example/")
    assert response.json()["redirect_url"] == reverse("accounts:home")


def test_a_passkey_sign_in_ends_a_forced_sign_in(phone_patient, passkey):
    client = signed_in_client(phone_patient)
    client.post(reverse("accounts:passkeys_sign_in_again"))
    assert client.session[FORCE_CODE_SESSION_KEY] is True
    sign_in_with_passkey(client, passkey)
    assert FORCE_CODE_SESSION_KEY not in client.session


def test_a_removed_passkey_cannot_sign_in(phone_patient, passkey):
    client = signed_in_client(phone_patient)
    credential = WebAuthnCredential.objects.get()
    response = client.post(reverse("accounts:passkeys"), {"passkey": credential.pk})
    assert response.url == reverse("accounts:passkeys")
    assert not WebAuthnCredential.objects.exists()
    assert AuditEvent.objects.filter(user=phone_patient, event="passkey.removed").exists()
    assert "You cannot sign in with it now" in client.get(response.url).content.decode()
    (notice,) = sent_to(phone_patient.email, "accounts.passkey_removed")
    assert "can no longer be used to sign in" in rendered(notice)[1]

    stranger = Client()
    response = sign_in_with_passkey(stranger, passkey)
    assert response.status_code == 403
    assert USER_SESSION_KEY not in stranger.session


def test_a_patient_cannot_remove_someone_elses_passkey(passkey, patient):
    client = signed_in_client(patient)
    client.post(reverse("accounts:passkeys"), {"passkey": WebAuthnCredential.objects.get().pk})
    assert WebAuthnCredential.objects.count() == 1
    assert not sent_to(patient.email, "accounts.passkey_removed")
    assert not AuditEvent.objects.filter(event="passkey.removed").exists()


def _lock_out(settings, patient):
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS):
        Client().post(reverse("accounts:sign_in"), {"email": patient.email, "password": "wrong"})


def test_a_locked_login_cannot_sign_in_with_a_passkey(settings, phone_patient, passkey):
    _lock_out(settings, phone_patient)
    client = Client()
    response = sign_in_with_passkey(client, passkey)
    assert response.status_code == 403
    assert "Sign in is locked for 15 minutes" in response.json()["detail"]
    assert USER_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.blocked").exists()


def test_a_wrong_passkey_answer_does_not_say_the_login_is_locked(settings, phone_patient, passkey):
    """A passkey's id is no secret: whoever has one but not the key learns nothing, not even
    that the login is locked. The lock is told only after the passkey has been checked."""
    _lock_out(settings, phone_patient)
    impostor = SoftPasskey()
    impostor.credential_id = passkey.credential_id  # the right id, the wrong key
    impostor.user_handle = passkey.user_handle
    client = Client()
    response = sign_in_with_passkey(client, impostor)
    assert response.status_code == 403
    assert "locked" not in response.json()["detail"]
    assert "could not be checked" in response.json()["detail"]
    assert not AuditEvent.objects.filter(event="sign_in.blocked", details__method="passkey")
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.passkey_failed").exists()


def test_asking_for_a_passkey_challenge_keeps_no_session(passkey):
    """A signed-out visitor's challenge waits in the cache, not in a session row, and its
    handle goes only to the passkey endpoints; the answer uses it up."""
    sessions = Session.objects.count()
    client = Client()
    begin = client.post(reverse("accounts:passkey_sign_in_begin"))
    assert begin.status_code == 200
    assert Session.objects.count() == sessions
    cookie = begin.cookies["nhslogin_passkey"]
    assert cookie["path"] == "/account/sign-in/passkey/"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "sessionid" not in begin.cookies

    copied = Client()
    copied.cookies["nhslogin_passkey"] = cookie.value
    answer = passkey.assertion(begin.json())
    url = reverse("accounts:passkey_sign_in_complete")
    done = client.post(url, answer, content_type="application/json")
    assert done.status_code == 200
    assert done.cookies["nhslogin_passkey"].value == ""  # dropped from the browser
    # The handle copied before the answer points to nothing now.
    assert copied.post(url, answer, content_type="application/json").status_code == 403
    assert USER_SESSION_KEY not in copied.session


def test_one_address_may_ask_for_only_so_many_passkey_challenges(passkey):
    client = Client()
    url = reverse("accounts:passkey_sign_in_begin")
    for _ in range(SIGN_IN_BEGINS_PER_ADDRESS.attempts):
        assert client.post(url).status_code == 200
    refused = client.post(url)
    assert refused.status_code == 429
    assert "Wait 15 minutes" in refused.json()["detail"]
    assert "nhslogin_passkey" not in refused.cookies
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.post(url).status_code == 200


def test_an_inactive_login_cannot_sign_in_with_a_passkey(phone_patient, passkey):
    phone_patient.is_active = False
    phone_patient.save()
    client = Client()
    assert sign_in_with_passkey(client, passkey).status_code == 403
    assert USER_SESSION_KEY not in client.session


def test_a_passkey_answer_is_used_once(passkey):
    client = Client()
    options = client.post(reverse("accounts:passkey_sign_in_begin")).json()
    answer = passkey.assertion(options)
    url = reverse("accounts:passkey_sign_in_complete")
    assert client.post(url, answer, content_type="application/json").status_code == 200
    assert client.post(url, answer, content_type="application/json").status_code == 403
    replay = Client()
    replay.post(reverse("accounts:passkey_sign_in_begin"))
    response = replay.post(url, answer, content_type="application/json")
    assert response.status_code == 403  # the challenge was for the other session
    assert USER_SESSION_KEY not in replay.session


def test_a_passkey_without_user_verification_cannot_sign_in(passkey):
    passkey.verify_user = False
    client = Client()
    response = sign_in_with_passkey(client, passkey)
    assert response.status_code == 403
    assert USER_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(event="sign_in.passkey_failed").exists()


def test_a_passkey_from_another_site_cannot_sign_in(passkey):
    passkey.origin = "https://evil.example"
    client = Client()
    assert sign_in_with_passkey(client, passkey).status_code == 403
    assert USER_SESSION_KEY not in client.session


def test_the_sign_in_page_offers_a_passkey_only_to_scripts(client):
    page = client.get(reverse("accounts:sign_in")).content.decode()
    # Without JavaScript the <template> stays inert: email, password and code are the route.
    before_template = page.split('<template id="passkey-verification-available-template">')[0]
    assert "Sign in with a passkey" not in before_template
    assert 'id="otp_webauthn_config"' in page
    assert reverse("accounts:passkey_sign_in_begin") in page
    assert 'name="password"' in page
    # The page is kept and shared (core.pages): each visitor still gets their own CSRF token.
    kept = client.get(reverse("accounts:sign_in")).content.decode()
    config = json.loads(re.search(r'id="otp_webauthn_config">([^<]+)<', kept).group(1))
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', kept).group(1)
    assert config["csrfToken"] == form_token and len(form_token) == 64


def test_the_data_download_lists_passkeys_without_their_keys(phone_patient, passkey):
    client = signed_in_client(phone_patient)
    response = client.post(reverse("accounts:download_data"), {"password": "correct horse battery"})
    (listed,) = json.loads(response.content)["passkeys"]
    assert set(listed) == {"name", "added", "last_used"}
    assert listed["added"] and listed["last_used"] is None


def test_deleting_the_login_deletes_its_passkeys(phone_patient, passkey):
    client = signed_in_client(phone_patient)
    client.post(
        reverse("accounts:delete_login"), {"password": "correct horse battery", "confirm": "on"}
    )
    assert not type(phone_patient).objects.filter(pk=phone_patient.pk).exists()
    assert not WebAuthnCredential.objects.exists()
