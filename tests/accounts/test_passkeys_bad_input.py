"""Passkeys: what the JSON endpoints do with answers that are not passkey answers at all."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from tests.accounts.passkeys import ORIGIN, RP_ID
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db

NOT_ANSWERS = [
    b"not json",
    b"[]",
    b"{}",
    b'{"id": "x", "rawId": "x", "type": "public-key", "response": {}}',
    b'{"id": 1, "rawId": null, "response": "nope"}',
]


@pytest.fixture(autouse=True)
def _relying_party(settings):
    settings.OTP_WEBAUTHN_RP_ID = RP_ID
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [ORIGIN]


@pytest.mark.parametrize("body", NOT_ANSWERS)
def test_adding_refuses_what_is_not_a_passkey_and_keeps_nothing(phone_patient, body):
    client = signed_in_client(phone_patient)
    assert client.post(reverse("accounts:passkey_registration_begin")).status_code == 200
    response = client.post(
        reverse("accounts:passkey_registration_complete"), body, content_type="application/json"
    )
    assert response.status_code in (400, 403)
    assert response.json()["detail"]
    assert not WebAuthnCredential.objects.exists()


@pytest.mark.parametrize("body", NOT_ANSWERS)
def test_signing_in_refuses_what_is_not_a_passkey(body):
    client = Client()
    assert client.post(reverse("accounts:passkey_sign_in_begin")).status_code == 200
    response = client.post(
        reverse("accounts:passkey_sign_in_complete"), body, content_type="application/json"
    )
    assert response.status_code in (400, 403)
    assert response.json()["detail"]
    assert "_auth_user_id" not in client.session


def test_answers_without_a_ceremony_begun_are_refused(phone_patient):
    client = signed_in_client(phone_patient)
    for name in ("accounts:passkey_registration_complete", "accounts:passkey_sign_in_complete"):
        response = client.post(reverse(name), b"{}", content_type="application/json")
        assert response.status_code in (400, 403)
        assert response.json()["detail"]
