from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from accounts.authentication import FORCE_CODE_SESSION_KEY, current_authentication
from accounts.hashers import Argon2idPasswordHasher
from accounts.models import RememberedBrowser
from accounts.services.browsers import COOKIE_NAME
from core.models import AuditEvent
from tests.accounts.helpers import latest_code, sent_to

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def sign_in(client, user, password=PASSWORD, next_url=None):
    url = reverse("accounts:sign_in") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": user.email, "password": password})


def enter_code(client, code, remember=False):
    data = {"code": code}
    if remember:
        data["remember_browser"] = "on"
    return client.post(reverse("accounts:security_code"), data)


def test_it_signs_in_with_password_and_a_code_by_text(client, phone_patient):
    response = sign_in(client, phone_patient)
    assert response.url == reverse("accounts:security_code")
    assert "_auth_user_id" not in client.session  # not signed in before the code
    (text,) = sent_to(phone_patient.phone_number)
    assert text.channel == "sms"
    response = enter_code(client, latest_code(phone_patient.phone_number))
    assert response.url == reverse("accounts:home")
    assert client.session["_auth_user_id"] == str(phone_patient.pk)
    assert client.session["authentication"]["methods"] == ["Cd", "Cp"]
    assert client.session["authentication"]["remembered_browser"] is False
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.succeeded").exists()


def test_a_wrong_password_is_refused_and_recorded(client, phone_patient):
    response = sign_in(client, phone_patient, password="wrong password")
    assert "The email address or password is not right" in response.content.decode()
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.failed").exists()
    assert not sent_to(phone_patient.phone_number)


def test_an_unknown_email_gets_the_same_message(client):
    response = client.post(
        reverse("accounts:sign_in"), {"email": "nobody@example.com", "password": "whatever1"}
    )
    assert "The email address or password is not right" in response.content.decode()


def test_a_wrong_code_is_refused(client, phone_patient):
    sign_in(client, phone_patient)
    right = latest_code(phone_patient.phone_number)
    response = enter_code(client, "000000" if right != "000000" else "111111")
    assert "The security code is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.code_failed").exists()


def test_five_wrong_passwords_lock_the_account_and_email_the_owner(client, phone_patient):
    for _ in range(4):
        response = sign_in(client, phone_patient, password="wrong password")
        assert "not right" in response.content.decode()
    response = sign_in(client, phone_patient, password="wrong password")
    assert "Sign in is locked for 15 minutes" in response.content.decode()
    (lock_email,) = sent_to(phone_patient.email, "accounts.account_locked")
    assert lock_email.user == phone_patient
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_in.locked_out").exists()
    # Even the right password is refused while locked, from any address.
    other = type(client)(REMOTE_ADDR="10.0.0.9")
    response = sign_in(other, phone_patient)
    assert "Sign in is locked" in response.content.decode()
    assert not sent_to(phone_patient.phone_number)


def test_the_lock_ends_after_the_lockout_period(client, phone_patient):
    from django.core.cache import cache

    for _ in range(5):
        sign_in(client, phone_patient, password="wrong password")
    cache.clear()  # what the cache expiry does after SIGN_IN_LOCKOUT_PERIOD
    assert sign_in(client, phone_patient).url == reverse("accounts:security_code")


def test_wrong_codes_count_towards_the_lockout(client, phone_patient):
    sign_in(client, phone_patient)
    right = latest_code(phone_patient.phone_number)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        enter_code(client, wrong)
    response = enter_code(client, wrong)
    html = response.content.decode()
    assert "Sign in is locked" in html
    assert f'action="{reverse("accounts:sign_in")}"' in html  # the form goes to sign-in
    assert sent_to(phone_patient.email, "accounts.account_locked")
    assert "_auth_user_id" not in client.session


def test_remembering_the_browser_skips_the_code_next_time(client, phone_patient):
    sign_in(client, phone_patient)
    response = enter_code(client, latest_code(phone_patient.phone_number), remember=True)
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and int(cookie["max-age"]) == 30 * 24 * 3600
    browser = RememberedBrowser.objects.get(user=phone_patient)
    assert browser.token_hash != cookie.value  # only a hash is stored
    client.post(reverse("accounts:sign_out"))
    assert "_auth_user_id" not in client.session

    texts_before = len(sent_to(phone_patient.phone_number))
    response = sign_in(client, phone_patient)
    assert response.url == reverse("accounts:home")
    assert len(sent_to(phone_patient.phone_number)) == texts_before
    assert client.session["authentication"]["remembered_browser"] is True
    assert client.session["authentication"]["methods"] == ["Cd", "Cp"]


def test_a_forgotten_browser_needs_a_code_again(client, phone_patient):
    sign_in(client, phone_patient)
    enter_code(client, latest_code(phone_patient.phone_number), remember=True)
    browser = RememberedBrowser.objects.get(user=phone_patient)
    response = client.post(reverse("accounts:browsers"), {"browser": browser.pk})
    assert response.url == reverse("accounts:browsers")
    browser.refresh_from_db()
    assert browser.revoked_at is not None
    client.post(reverse("accounts:sign_out"))
    assert sign_in(client, phone_patient).url == reverse("accounts:security_code")


def test_a_remembered_browser_of_another_patient_does_not_count(client, phone_patient):
    from accounts.models import PhoneDevice
    from tests.factories import UserFactory

    sign_in(client, phone_patient)
    enter_code(client, latest_code(phone_patient.phone_number), remember=True)
    client.post(reverse("accounts:sign_out"))
    other = UserFactory()
    PhoneDevice.objects.create(user=other, name="m", number=other.phone_number, kind="mobile")
    assert sign_in(client, other).url == reverse("accounts:security_code")


def test_an_expired_remembered_browser_needs_a_code(client, phone_patient):
    from django.utils import timezone

    sign_in(client, phone_patient)
    enter_code(client, latest_code(phone_patient.phone_number), remember=True)
    client.post(reverse("accounts:sign_out"))
    RememberedBrowser.objects.update(expires_at=timezone.now())
    assert sign_in(client, phone_patient).url == reverse("accounts:security_code")


def test_a_forced_sign_in_asks_for_the_code_even_on_a_remembered_browser(client, phone_patient):
    sign_in(client, phone_patient)
    enter_code(client, latest_code(phone_patient.phone_number), remember=True)
    # What require_sign_in(force=True) leaves in the session (OIDC prompt=login).
    session = client.session
    session[FORCE_CODE_SESSION_KEY] = True
    session.save()
    assert client.get(reverse("accounts:sign_in")).status_code == 200  # not bounced home
    assert sign_in(client, phone_patient).url == reverse("accounts:security_code")
    response = enter_code(client, latest_code(phone_patient.phone_number))
    assert response.url == reverse("accounts:home")
    assert FORCE_CODE_SESSION_KEY not in client.session
    assert client.session["authentication"]["remembered_browser"] is False


def test_require_sign_in_with_force_then_signing_in_returns_to_next(rf, client, phone_patient):
    from django.contrib.sessions.backends.cached_db import SessionStore

    from accounts.authentication import require_sign_in

    request = rf.get("/authorize")
    request.session = SessionStore()
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = require_sign_in(request, "/authorize?client_id=x", force=True)
    assert response.url.startswith(reverse("accounts:sign_in") + "?next=")
    assert request.session[FORCE_CODE_SESSION_KEY] is True


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/prove-who-you-are/", "/prove-who-you-are/"),
        ("https://evil.example.com/", "/account/"),
        ("//evil.example.com/", "/account/"),
        ("/\\evil.example.com", "/account/"),
    ],
)
def test_it_returns_to_a_safe_next_only(client, phone_patient, next_url, expected):
    sign_in(client, phone_patient, next_url=next_url)
    response = enter_code(client, latest_code(phone_patient.phone_number))
    assert response.url == expected


def test_the_code_page_needs_a_password_first(client):
    assert client.get(reverse("accounts:security_code")).url == reverse("accounts:sign_in")


def test_sign_out_is_post_only_and_recorded(client, phone_patient):
    sign_in(client, phone_patient)
    enter_code(client, latest_code(phone_patient.phone_number))
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    response = client.post(reverse("accounts:sign_out"))
    assert response.url == reverse("core:start")
    assert client.get(reverse("accounts:home")).status_code == 302
    assert AuditEvent.objects.filter(user=phone_patient, event="sign_out").exists()


def test_current_authentication_reports_password_and_device(rf, client, phone_patient):
    sign_in(client, phone_patient)
    enter_code(client, latest_code(phone_patient.phone_number))
    request = rf.get("/")
    request.user = phone_patient
    request.session = client.session
    auth = current_authentication(request)
    assert auth.satisfies({"Cp", "Cd"})


def test_a_login_without_a_phone_device_row_still_gets_a_code(client, patient):
    """Logins made by the factory (or before devices existed) have only a confirmed number."""
    from accounts.models import PhoneDevice

    assert not PhoneDevice.objects.filter(user=patient).exists()
    assert sign_in(client, patient).url == reverse("accounts:security_code")
    response = enter_code(client, latest_code(patient.phone_number))
    assert response.url == reverse("accounts:home")
    assert PhoneDevice.objects.get(user=patient).number == patient.phone_number


@pytest.mark.worker
def test_a_real_worker_delivers_the_sign_in_code(celery_worker):
    from accounts.models import PhoneDevice
    from core.models import Notification
    from tests.factories import UserFactory
    from tests.fixtures.worker import wait_for

    user = UserFactory(phone_number="+447400123456")
    PhoneDevice.objects.create(user=user, name="m", number=user.phone_number, kind="mobile")
    from django.test import Client

    client = Client()
    assert sign_in(client, user).url == reverse("accounts:security_code")
    (text,) = sent_to(user.phone_number)
    wait_for(lambda: Notification.objects.get(pk=text.pk).status == "delivered", timeout=30)
    response = enter_code(client, latest_code(user.phone_number))
    assert response.url == reverse("accounts:home")


def test_signing_up_from_a_services_link_returns_there(client):
    from tests.accounts.helpers import VALID_MOBILE

    client.post(
        reverse("accounts:create") + "?next=/prove-who-you-are/",
        {"email": "next@example.com", "password": "a long unusual password", "terms": "on"},
    )
    client.post(reverse("accounts:confirm_email"), {"code": latest_code("next@example.com")})
    client.post(reverse("accounts:phone"), {"kind": "mobile", "number": VALID_MOBILE})
    response = client.post(
        reverse("accounts:confirm_phone"), {"code": latest_code("+447400123456")}
    )
    assert response.url == "/prove-who-you-are/"


def test_each_password_attempt_costs_one_hash_known_or_unknown(client, phone_patient, monkeypatch):
    """One Argon2id operation per attempt: a right password, a wrong one and an unknown email
    address cost the same, so the time does not tell whether a login exists."""
    import argon2

    done = []
    real_hash, real_verify = argon2.low_level.hash_secret, argon2.PasswordHasher.verify

    def counted_hash(*args, **kwargs):
        done.append("hash")
        return real_hash(*args, **kwargs)

    def counted_verify(self, *args, **kwargs):
        done.append("verify")
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(argon2.low_level, "hash_secret", counted_hash)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted_verify)
    assert sign_in(client, phone_patient).url == reverse("accounts:security_code")
    assert done == ["verify"]
    done.clear()
    sign_in(type(client)(), phone_patient, password="wrong password")
    assert done == ["verify"]
    done.clear()
    client.post(
        reverse("accounts:sign_in"), {"email": "nobody@example.com", "password": "x1y2z3w4"}
    )
    assert done == ["hash"]


class CountingHasher(Argon2idPasswordHasher):
    """The configured hasher, counting each hash it computes (a wrong password's cost)."""

    hashed: list[str] = []

    def encode(self, password, salt):
        self.hashed.append("encode")
        return super().encode(password, salt)

    def verify(self, password, encoded):
        self.hashed.append("verify")
        return super().verify(password, encoded)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed.clear()
    return CountingHasher.hashed


def test_a_wrong_password_costs_one_hash_known_address_or_not(client, counting_hasher):
    """One backend (Django's ModelBackend): a wrong password is hashed once, so an unknown
    address takes as long as a known one and a guess costs the server one hash, not two."""
    from tests.factories import UserFactory

    user = UserFactory(email="known@example.com")
    counting_hasher.clear()
    assert authenticate(None, email=user.email, password="wrong password") is None
    assert counting_hasher == ["verify"]
    counting_hasher.clear()
    assert authenticate(None, email="nobody@example.com", password="wrong password") is None
    assert counting_hasher == ["encode"]

    for email in (user.email, "nobody@example.com"):
        counting_hasher.clear()
        response = sign_in(client, SimpleNamespace(email=email), password="wrong password")
        assert "The email address or password is not right" in response.content.decode()
        assert len(counting_hasher) == 1
