import re

import pytest
from django.urls import reverse

from accounts.models import PhoneDevice, RememberedBrowser, User
from core.models import AuditEvent
from core.notifications.service import rendered
from tests.accounts.helpers import VALID_LANDLINE, latest_code, sent_to
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_level_email_phone_and_settings(phone_patient):
    client = signed_in_client(phone_patient)
    html = client.get(reverse("accounts:home")).content.decode()
    assert "Low (P0)" in html
    assert phone_patient.email in html
    assert "07400 123456" in html
    for name in ("change_email", "change_phone", "change_password", "browsers", "activity"):
        assert reverse(f"accounts:{name}") in html


def test_the_activity_page_lists_what_happened(phone_patient):
    from accounts import events
    from core import audit

    audit.record(events.SIGNED_IN, user=phone_patient)
    audit.record(events.SIGN_UP_STARTED, user=phone_patient)  # for staff, not patients
    client = signed_in_client(phone_patient)
    html = client.get(reverse("accounts:activity")).content.decode()
    assert "You signed in" in html
    assert "Someone started creating an NHS login" not in html


def test_changing_the_email_needs_a_code_sent_to_the_new_address(phone_patient):
    client = signed_in_client(phone_patient)
    old = phone_patient.email
    response = client.post(reverse("accounts:change_email"), {"email": "New@Example.com"})
    assert response.url == reverse("accounts:confirm_new_email")
    phone_patient.refresh_from_db()
    assert phone_patient.email == old  # nothing changes before the code
    response = client.post(
        reverse("accounts:confirm_new_email"), {"code": latest_code("new@example.com")}
    )
    assert response.url == reverse("accounts:home")
    phone_patient.refresh_from_db()
    assert phone_patient.email == "new@example.com" and phone_patient.email_verified
    assert sent_to(old, "accounts.email_address_changed")
    assert AuditEvent.objects.filter(user=phone_patient, event="account.email_changed").exists()


def test_changing_to_a_taken_email_tells_its_owner_and_never_confirms(phone_patient, patient):
    client = signed_in_client(phone_patient)
    response = client.post(reverse("accounts:change_email"), {"email": patient.email})
    assert response.url == reverse("accounts:confirm_new_email")
    assert sent_to(patient.email, "accounts.email_already_used_for_change")
    assert not sent_to(patient.email, "accounts.account_already_exists")
    response = client.post(reverse("accounts:confirm_new_email"), {"code": "123456"})
    assert "not right" in response.content.decode()
    phone_patient.refresh_from_db()
    assert phone_patient.email != patient.email


def test_changing_the_phone_needs_a_code_sent_to_the_new_phone(phone_patient):
    client = signed_in_client(phone_patient)
    response = client.post(
        reverse("accounts:change_phone"), {"kind": "landline", "number": VALID_LANDLINE}
    )
    assert response.url == reverse("accounts:confirm_new_phone")
    phone_patient.refresh_from_db()
    assert phone_patient.phone_number == "+447400123456"
    response = client.post(
        reverse("accounts:confirm_new_phone"), {"code": latest_code("+441134960000")}
    )
    assert response.url == reverse("accounts:home")
    phone_patient.refresh_from_db()
    assert phone_patient.phone_number == "+441134960000"
    assert phone_patient.phone_kind == "landline"
    (device,) = PhoneDevice.objects.filter(user=phone_patient)
    assert device.confirmed and device.number == "+441134960000"
    assert sent_to(phone_patient.email, "accounts.phone_number_changed")
    assert AuditEvent.objects.filter(user=phone_patient, event="account.phone_changed").exists()


def test_a_wrong_code_does_not_change_the_phone(phone_patient):
    client = signed_in_client(phone_patient)
    client.post(reverse("accounts:change_phone"), {"kind": "landline", "number": VALID_LANDLINE})
    right = latest_code("+441134960000")
    response = client.post(
        reverse("accounts:confirm_new_phone"), {"code": "000000" if right != "000000" else "1" * 6}
    )
    assert "not right" in response.content.decode()
    phone_patient.refresh_from_db()
    assert phone_patient.phone_number == "+447400123456"


@pytest.mark.parametrize("what", ["email", "phone"])
def test_codes_guessed_from_one_address_are_refused_on_the_change_pages(
    phone_patient, monkeypatch, what
):
    """Each code is voided after 5 wrong tries; asking for new ones does not give an address
    more guesses than the per-address limit (the same one sign-up has)."""
    from accounts.services import limits
    from core.ratelimit import Limit

    monkeypatch.setattr(limits, "CODE_TRIES_PER_ADDRESS", Limit("code-tries-address", 3, 900))
    client = signed_in_client(phone_patient)
    if what == "email":
        start = ("accounts:change_email", {"email": "guess@example.com"})
        confirm, recipient = "accounts:confirm_new_email", "guess@example.com"
    else:
        start = ("accounts:change_phone", {"kind": "landline", "number": VALID_LANDLINE})
        confirm, recipient = "accounts:confirm_new_phone", "+441134960000"
    client.post(reverse(start[0]), start[1])
    right = latest_code(recipient)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        response = client.post(reverse(confirm), {"code": wrong})
        assert "not right" in response.content.decode()

    response = client.post(reverse(confirm), {"code": right})

    assert response.status_code == 200
    assert "You have entered too many codes" in response.content.decode()
    phone_patient.refresh_from_db()
    assert phone_patient.email != "guess@example.com"
    assert phone_patient.phone_number == "+447400123456"


def test_changing_the_password_asks_for_the_current_one(phone_patient):
    client = signed_in_client(phone_patient)
    response = client.post(
        reverse("accounts:change_password"),
        {"current_password": "wrong", "password": "a brand new secret"},
    )
    assert "Your current password is not right" in response.content.decode()
    response = client.post(
        reverse("accounts:change_password"),
        {"current_password": "correct horse battery", "password": "a brand new secret"},
    )
    assert response.url == reverse("accounts:home")
    phone_patient.refresh_from_db()
    assert phone_patient.check_password("a brand new secret")
    assert client.get(reverse("accounts:home")).status_code == 200  # still signed in here
    assert sent_to(phone_patient.email, "accounts.password_changed")


def test_a_forgotten_password_is_reset_by_a_link_that_works_once(client, phone_patient):
    RememberedBrowser.objects.create(
        user=phone_patient,
        token_hash="x",
        description="Chrome on Android",
        expires_at="2999-01-01T00:00Z",
    )
    response = client.post(reverse("accounts:password_forgotten"), {"email": phone_patient.email})
    assert "Check your email" in response.content.decode()
    (email,) = sent_to(phone_patient.email, "accounts.password_reset_link")
    link = re.search(r"https?://\S+", rendered(email)[1]).group(0)
    path = "/" + link.split("/", 3)[3]
    form_page = client.get(path).url  # the token moves into the session (test_passwords.py)
    assert client.get(form_page).status_code == 200
    response = client.post(form_page, {"password": "short"})
    assert "at least 8 characters" in response.content.decode()
    response = client.post(form_page, {"password": "a fresh long password"})
    assert response.url == reverse("accounts:sign_in")
    assert User.objects.get(pk=phone_patient.pk).check_password("a fresh long password")
    assert not RememberedBrowser.objects.active().filter(user=phone_patient).exists()
    assert client.get(client.get(path).url).status_code == 400  # used up


def test_a_reset_for_an_unknown_email_looks_the_same(client):
    response = client.post(reverse("accounts:password_forgotten"), {"email": "nobody@example.com"})
    assert "Check your email" in response.content.decode()
    assert [n.template for n in sent_to("nobody@example.com")] == [
        "accounts.password_reset_no_account"
    ]


def test_settings_pages_need_sign_in(client):
    for name in ("home", "activity", "change_email", "change_phone", "change_password"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:sign_in"))


def test_forget_all_browsers(phone_patient):
    from accounts.services.browsers import remember_browser

    client = signed_in_client(phone_patient)
    request = type("R", (), {"META": {"HTTP_USER_AGENT": "Mozilla Chrome/1 Android"}})()
    remember_browser(request, phone_patient)
    remember_browser(request, phone_patient)
    html = client.get(reverse("accounts:browsers")).content.decode()
    assert html.count("Chrome on Android") >= 2
    client.post(reverse("accounts:browsers"))
    assert not RememberedBrowser.objects.active().filter(user=phone_patient).exists()
    assert AuditEvent.objects.filter(user=phone_patient, event="browser.forgotten").exists()


def test_wrong_current_passwords_count_towards_the_sign_in_lockout(phone_patient):
    client = signed_in_client(phone_patient)
    url = reverse("accounts:change_password")
    wrong = {"current_password": "wrong", "password": "a brand new secret"}
    for _ in range(4):
        assert "Your current password is not right" in client.post(url, wrong).content.decode()
    assert "too many times" in client.post(url, wrong).content.decode()
    right = {"current_password": "correct horse battery", "password": "a brand new secret"}
    assert "too many times" in client.post(url, right).content.decode()  # locked
    phone_patient.refresh_from_db()
    assert phone_patient.check_password("correct horse battery")
