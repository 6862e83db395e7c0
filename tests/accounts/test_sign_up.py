import re

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from accounts.models import EmailCode, PhoneDevice, User
from core.models import AuditEvent
from tests.accounts.helpers import VALID_LANDLINE, VALID_MOBILE, latest_code, sent_to

pytestmark = pytest.mark.django_db

PASSWORD = "a long unusual password"


def normalised(html: str, email: str) -> str:
    """A page without what differs on every request (nonces, CSRF tokens) or the email."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(email, "EMAIL")


def create(client, email="new@example.com", password=PASSWORD, terms="on"):
    return client.post(
        reverse("accounts:create"), {"email": email, "password": password, "terms": terms}
    )


def test_it_creates_a_p0_login_after_both_codes(client):
    response = create(client)
    assert response.url == reverse("accounts:confirm_email")
    assert not User.objects.exists()  # the login is made once the email is confirmed

    response = client.post(
        reverse("accounts:confirm_email"), {"code": latest_code("new@example.com")}
    )
    assert response.url == reverse("accounts:phone")
    user = User.objects.get(email="new@example.com")
    assert user.email_verified and not user.is_p0_complete
    assert user.password.startswith("argon2$argon2id$")
    assert user.terms_accepted_at is not None
    response = client.post(reverse("accounts:phone"), {"kind": "mobile", "number": VALID_MOBILE})
    assert response.url == reverse("accounts:confirm_phone")
    response = client.post(
        reverse("accounts:confirm_phone"), {"code": latest_code("+447400123456")}
    )
    assert response.url == reverse("accounts:home")

    user.refresh_from_db()
    assert user.is_p0_complete and user.proofing_level == "P0"
    assert user.phone_number == "+447400123456" and user.phone_kind == "mobile"
    assert PhoneDevice.objects.get(user=user).confirmed
    home = client.get(reverse("accounts:home"))
    assert "Low (P0)" in home.content.decode()
    events = set(AuditEvent.objects.filter(user=user).values_list("event", flat=True))
    assert {
        "account.created",
        "account.email_confirmed",
        "account.phone_confirmed",
        "sign_in.succeeded",
    } <= events
    assert client.session["authentication"]["methods"] == ["Cd", "Cp"]


def test_a_landline_gets_its_code_by_voice_call(client):
    create(client)
    client.post(reverse("accounts:confirm_email"), {"code": latest_code("new@example.com")})
    client.post(reverse("accounts:phone"), {"kind": "landline", "number": VALID_LANDLINE})
    (call,) = sent_to("+441134960000")
    assert call.channel == "voice"
    response = client.post(
        reverse("accounts:confirm_phone"), {"code": latest_code("+441134960000")}
    )
    assert response.url == reverse("accounts:home")
    assert User.objects.get(email="new@example.com").phone_kind == "landline"


@pytest.mark.parametrize(
    ("kind", "number", "error"),
    [
        ("mobile", "", "Enter your mobile number"),
        ("mobile", "12345", "Enter a UK mobile number"),
        ("mobile", "+33 6 12 34 56 78", "We cannot use numbers from other countries"),
        ("mobile", VALID_LANDLINE, "This is not a mobile number"),
        ("landline", VALID_MOBILE, "This is not a landline number"),
    ],
)
def test_it_explains_what_is_wrong_with_a_phone_number(client, kind, number, error):
    create(client)
    client.post(reverse("accounts:confirm_email"), {"code": latest_code("new@example.com")})
    response = client.post(reverse("accounts:phone"), {"kind": kind, "number": number})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not PhoneDevice.objects.exists()


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short", "at least 8 characters"),
        ("password123", "too easy to guess"),
        ("new@example.com1", "too like your email address"),
        ("8473629183", "cannot be only numbers"),
    ],
)
def test_it_refuses_weak_passwords(client, password, error):
    response = create(client, password=password)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists()


def test_it_needs_the_terms_accepted(client):
    response = create(client, terms="")
    assert "You must agree to the terms of use" in response.content.decode()
    assert not User.objects.exists()


def test_a_wrong_email_code_is_refused_and_five_void_it(client):
    create(client)
    right = latest_code("new@example.com")
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        response = client.post(reverse("accounts:confirm_email"), {"code": wrong})
        assert "The security code is not right" in response.content.decode()
    response = client.post(reverse("accounts:confirm_email"), {"code": wrong})
    assert "too many times" in response.content.decode()
    response = client.post(reverse("accounts:confirm_email"), {"code": right})
    assert "too many times" in response.content.decode()
    assert not User.objects.exists()


def test_an_expired_email_code_is_refused(client, time_machine=None):
    from datetime import timedelta

    from django.utils import timezone

    create(client)
    code = latest_code("new@example.com")
    EmailCode.objects.update(valid_until=timezone.now() - timedelta(seconds=1))
    response = client.post(reverse("accounts:confirm_email"), {"code": code})
    assert "This security code has expired" in response.content.decode()
    assert not User.objects.exists()


def test_a_new_code_replaces_the_old_one_and_is_limited(client):
    create(client)
    first = latest_code("new@example.com")
    client.post(reverse("accounts:resend_email_code"))
    second = latest_code("new@example.com")
    assert len(sent_to("new@example.com")) == 2
    for _ in range(5):
        client.post(reverse("accounts:resend_email_code"))
    assert len(sent_to("new@example.com")) == 5  # the first code and 4 new ones
    response = client.get(reverse("accounts:confirm_email"))
    assert "too many codes" in response.content.decode()
    if first != second:
        response = client.post(reverse("accounts:confirm_email"), {"code": first})
        assert "not right" in response.content.decode()


def test_signing_up_with_a_taken_email_looks_the_same_and_tells_the_owner(client, patient):
    fresh = create(client, email="fresh@example.com")
    fresh_page = client.get(fresh.url).content.decode()

    other = type(client)()
    taken = create(other, email=patient.email)
    taken_page = other.get(taken.url).content.decode()

    assert taken.status_code == fresh.status_code == 302
    assert taken.url == fresh.url
    assert normalised(taken_page, patient.email) == normalised(fresh_page, "fresh@example.com")
    (owner_email,) = sent_to(patient.email)
    assert owner_email.template == "accounts.account_already_exists"
    assert [n.template for n in sent_to("fresh@example.com")] == ["accounts.email_security_code"]
    # The patient's own password and login are untouched.
    patient.refresh_from_db()
    assert patient.check_password("correct horse battery")
    # Whatever code is tried, the taken address is never confirmed.
    response = other.post(reverse("accounts:confirm_email"), {"code": "123456"})
    assert "The security code is not right" in response.content.decode()


def test_a_login_without_a_phone_resumes_at_the_phone_step(client):
    create(client)
    client.post(reverse("accounts:confirm_email"), {"code": latest_code("new@example.com")})
    other = type(client)()
    response = other.post(
        reverse("accounts:sign_in"), {"email": "new@example.com", "password": PASSWORD}
    )
    assert response.url == reverse("accounts:phone")
    assert "_auth_user_id" not in other.session


def test_an_older_login_without_a_confirmed_email_resumes_at_the_email_step(client):
    User.objects.create_user("old@example.com", PASSWORD)
    response = client.post(
        reverse("accounts:sign_in"), {"email": "old@example.com", "password": PASSWORD}
    )
    assert response.url == reverse("accounts:confirm_email")
    response = client.post(
        reverse("accounts:confirm_email"), {"code": latest_code("old@example.com")}
    )
    assert response.url == reverse("accounts:phone")
    assert User.objects.get(email="old@example.com").email_verified


def test_two_sign_ups_for_one_address_make_one_login(client):
    create(client)
    other = type(client)()
    create(other)
    code_two = latest_code("new@example.com")
    client.post(reverse("accounts:resend_email_code"))
    code_one = latest_code("new@example.com")
    assert client.post(reverse("accounts:confirm_email"), {"code": code_one}).status_code == 302
    response = other.post(reverse("accounts:confirm_email"), {"code": code_two})
    assert response.status_code == 200
    assert User.objects.filter(email="new@example.com").count() == 1


def test_older_password_hashes_are_upgraded_at_sign_in(client):
    from tests.factories import UserFactory

    user = UserFactory()
    User.objects.filter(pk=user.pk).update(
        password=make_password("correct horse battery", hasher="pbkdf2_sha256")
    )
    PhoneDevice.objects.create(user=user, name="m", number=user.phone_number, kind="mobile")
    response = client.post(
        reverse("accounts:sign_in"),
        {"email": user.email, "password": "correct horse battery"},
    )
    assert response.url == reverse("accounts:security_code")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("correct horse battery")


def test_argon2_hashes_with_other_parameters_are_upgraded_at_sign_in(client):
    from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher

    from tests.factories import UserFactory

    user = UserFactory()
    django_default = Argon2PasswordHasher()  # m=100 MiB, t=2, p=8: not our parameters
    old_hash = django_default.encode("correct horse battery", django_default.salt())
    User.objects.filter(pk=user.pk).update(password=old_hash)
    client.post(
        reverse("accounts:sign_in"), {"email": user.email, "password": "correct horse battery"}
    )
    user.refresh_from_db()
    assert user.password != old_hash
    ours = get_hasher("default")
    assert not ours.must_update(user.password)
    assert user.check_password("correct horse battery")


@pytest.mark.parametrize("production", [False, True])
def test_ofcom_drama_mobiles_work_outside_production_only(settings, production):
    from django.core.exceptions import ValidationError

    from accounts.phones import uk_number

    settings.PRODUCTION = production
    if production:
        with pytest.raises(ValidationError):
            uk_number("07700 900 982", "mobile")
    else:
        assert uk_number("07700 900 982", "mobile") == "+447700900982"
    with pytest.raises(ValidationError):
        uk_number("07700 900 982", "landline")
