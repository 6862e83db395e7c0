"""The development outbox (/outbox/): each message says which login it belongs to, so a
person trying the service can find their own codes when several logins share a phone."""

import pytest
from django.test import Client

from accounts.models import PhoneDevice
from accounts.services.codes import send_phone_code
from core.notifications import send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # the outbox exists only in development


def card_of(page: str, text: str) -> str:
    """The outbox card that contains ``text``."""
    for card in page.split('<div class="nhsuk-card">')[1:]:
        if text in card:
            return card
    raise AssertionError(f"no card with {text!r}")


def test_a_text_message_shows_the_login_it_belongs_to(
    client: Client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ada@example.com", phone_number="+447700900123")
    device = PhoneDevice.objects.create(user=user, number=user.phone_number, kind="mobile")
    with django_capture_on_commit_callbacks(execute=True):
        send_phone_code(device)

    card = card_of(client.get("/outbox/").content.decode(), "+447700900123")
    assert "Text message to +447700900123" in card
    assert "For the NHS login ada@example.com" in card


def test_a_message_before_the_login_exists_says_so(
    client: Client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send("accounts.email_security_code", "new@example.com", {"code": "123456"})

    card = card_of(client.get("/outbox/").content.decode(), "new@example.com")
    assert "Not linked to an NHS login yet" in card
