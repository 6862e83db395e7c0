"""Each page where patients get stuck links to the help that answers it, seen in the state
where they are stuck: a code that has not come, a locked sign-in, no match, a rejected check."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuthenticatorApp, PhoneDevice, User
from tests.accounts.helpers import latest_code
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def assert_links_to_help(html: str, name: str, section: str = "") -> None:
    """The page links to the help page ``name`` (at the heading ``section``), which is there."""
    address = reverse(f"core:help_{name}")
    href = f"{address}#{section}" if section else address
    assert f'href="{href}"' in html, f"no link to {href}"
    help_page = Client().get(address)
    assert help_page.status_code == 200
    if section:
        assert f'id="{section}"' in help_page.content.decode()


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("accounts:sign_in"), {"email": user.email, "password": password})


def with_phone(**fields) -> User:
    user = UserFactory(**fields)
    PhoneDevice.objects.create(
        user=user, name="phone", number=user.phone_number, kind=user.phone_kind
    )
    return user


# --- security codes ---------------------------------------------------------------------


def test_the_email_code_page_links_to_help_with_codes(client):
    response = client.post(
        reverse("accounts:create"),
        {"email": "new.patient@example.com", "password": "purple tractor harmonica", "terms": "on"},
    )
    assert response.url == reverse("accounts:confirm_email")
    html = client.get(response.url).content.decode()
    assert "We have sent a 6-digit security code to new.patient@example.com" in html
    assert_links_to_help(html, "security_codes")


@pytest.mark.parametrize("kind", [User.PhoneKind.MOBILE, User.PhoneKind.LANDLINE])
def test_the_sign_in_code_page_links_to_help_with_codes(client, kind):
    patient = with_phone(phone_kind=kind)
    assert sign_in(client, patient).url == reverse("accounts:security_code")
    html = client.get(reverse("accounts:security_code")).content.decode()
    assert ("We are calling" if kind == User.PhoneKind.LANDLINE else "by text message") in html
    assert_links_to_help(html, "security_codes")


def test_the_new_phone_code_page_links_to_help_with_codes():
    patient = with_phone()
    client = signed_in_client(patient)
    client.post(reverse("accounts:change_phone"), {"kind": "mobile", "number": "07400 654321"})
    html = client.get(reverse("accounts:confirm_new_phone")).content.decode()
    assert "Check your phone" in html
    assert_links_to_help(html, "security_codes")


def test_the_authenticator_app_page_links_to_help_with_app_codes(client):
    patient = with_phone()
    AuthenticatorApp.objects.create(user=patient, name="Authenticator app", confirmed=True)
    response = sign_in(client, patient)
    assert response.url == reverse("accounts:authenticator_app_sign_in")
    html = client.get(response.url).content.decode()
    assert_links_to_help(html, "security_codes", "authenticator-app")


# --- a locked sign-in -------------------------------------------------------------------


def test_a_locked_sign_in_links_to_help_with_a_lock(client, settings):
    patient = with_phone()
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS - 1):
        html = sign_in(client, patient, "not my password").content.decode()
        assert "The email address or password is not right" in html
        assert reverse("core:help_locked") not in html  # not locked yet: no word of a lock
    html = sign_in(client, patient, "not my password").content.decode()
    assert "Sign in is locked for" in html
    assert_links_to_help(html, "locked", "sign-in-locked")
    # and the right password, while it lasts
    html = sign_in(client, patient).content.decode()
    assert "Sign in is locked for" in html
    assert_links_to_help(html, "locked", "sign-in-locked")


def test_a_sign_in_locked_by_wrong_codes_links_to_help_with_a_lock(client, settings):
    patient = with_phone()
    sign_in(client, patient)
    code = latest_code(patient.phone_number)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.SIGN_IN_LOCKOUT_ATTEMPTS - 1):
        html = client.post(reverse("accounts:security_code"), {"code": wrong}).content.decode()
        assert "The security code is not right" in html
    html = client.post(reverse("accounts:security_code"), {"code": wrong}).content.decode()
    assert "Sign in is locked for" in html
    assert_links_to_help(html, "locked", "sign-in-locked")


# --- proving who you are ----------------------------------------------------------------


def p5_answers(client, nhs_number="9434765919"):
    client.post(reverse("verification:p5:nhs_number"), {"nhs_number": nhs_number})
    client.post(
        reverse("verification:p5:date_of_birth"),
        {"birth_date_0": "14", "birth_date_1": "2", "birth_date_2": "1990"},
    )
    return client.post(reverse("verification:p5:postcode"), {"postcode": "LS1 4AP"})


def test_a_p5_no_match_links_to_help_with_details_that_do_not_match():
    client = signed_in_client(UserFactory())
    response = p5_answers(client)  # no such patient in the demographics service
    assert response.url == reverse("verification:p5:not_matched")
    html = client.get(response.url).content.decode()
    assert "We could not prove who you are with these details" in html
    assert_links_to_help(html, "proving_who_you_are", "if-your-details-do-not-match")


def test_too_many_p5_tries_links_to_help_with_limits(settings):
    settings.P5_TRACE_ATTEMPTS = 1
    client = signed_in_client(UserFactory())
    p5_answers(client)
    response = client.get(reverse("verification:p5:nhs_number"))
    assert response.url == reverse("verification:p5:too_many_attempts")
    html = client.get(response.url).content.decode()
    assert "You have tried too many times" in html
    assert_links_to_help(html, "locked", "nhs-number-or-name")


def p5_patient() -> User:
    from verification.models import Identity

    user = UserFactory(proofing_level="P5")
    Identity.objects.create(
        user=user,
        nhs_number="9434765919",
        given_name="Jane",
        family_name="Smith",
        birth_date=datetime.date(1985, 4, 12),
        postcode="LS1 4AP",
        traced_at=timezone.now(),
    )
    return user


def test_gp_details_that_do_not_work_link_to_help_from_the_gp_practice():
    client = signed_in_client(p5_patient())
    wrong = {"account_id": "1234567890", "linkage_key": "ABCDE FGHJK MNPQR", "ods_code": "A12345"}
    html = client.post(reverse("verification:gp_online_details"), wrong).content.decode()
    assert "We could not use those details" in html
    assert_links_to_help(html, "gp_practice", "details-do-not-work")


def test_too_many_gp_details_tries_link_to_help_from_the_gp_practice(settings):
    settings.GP_ONLINE_ATTEMPTS_PER_ACCOUNT = 1
    client = signed_in_client(p5_patient())
    wrong = {"account_id": "1234567890", "linkage_key": "ABCDE FGHJK MNPQR", "ods_code": "A12345"}
    client.post(reverse("verification:gp_online_details"), wrong)
    html = client.get(reverse("verification:gp_online_details")).content.decode()
    assert "You have tried too many times" in html
    assert_links_to_help(html, "gp_practice", "what-to-ask-for")


def test_a_rejected_photo_id_check_links_to_help_with_photo_id():
    from verification.models import IdCheck

    patient = p5_patient()
    IdCheck.objects.create(
        user=patient,
        digits="4719",
        document_type="uk_passport",
        method=IdCheck.Method.VIDEO,
        status=IdCheck.Status.REJECTED,
        rejection_reason=IdCheck.RejectionReason.EXPIRED,
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
    )
    html = signed_in_client(patient).get(reverse("verification:idcheck_status")).content.decode()
    assert "We could not check your photo ID" in html
    assert_links_to_help(html, "proving_who_you_are", "photo-id")
