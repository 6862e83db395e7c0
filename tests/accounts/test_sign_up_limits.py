"""Sign-up from one address: many patients behind one NAT can all sign up, while no email
address can be flooded with sign-up emails (issue 14, finding 1; ADR 0018)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import limits
from tests.accounts.helpers import sent_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long unusual password"
TOO_SOON = "We have sent a code to this email address lately"


def create(client, email):
    return client.post(
        reverse("accounts:create"), {"email": email, "password": PASSWORD, "terms": "on"}
    )


def test_patients_behind_one_address_can_all_sign_up(client):
    for n in range(3 * limits.SIGN_UPS_PER_ADDRESS.attempts):
        response = Client().post(
            reverse("accounts:create"),
            {"email": f"neighbour{n}@example.com", "password": PASSWORD, "terms": "on"},
        )
        assert response.status_code == 302, f"sign-up {n + 1} was refused"
        assert response.url == reverse("accounts:confirm_email")
        assert sent_to(f"neighbour{n}@example.com")


def test_one_email_address_gets_only_a_few_sign_up_emails_an_hour(client):
    for _ in range(limits.SIGN_UPS_PER_EMAIL.attempts):
        assert create(Client(), "target@example.com").status_code == 302
    response = create(client, "target@example.com")
    assert TOO_SOON in response.content.decode()
    assert len(sent_to("target@example.com")) == limits.SIGN_UPS_PER_EMAIL.attempts
    assert 'value="target@example.com"' in response.content.decode()  # nothing typed is lost


def test_a_taken_email_address_is_limited_the_same_so_nothing_is_revealed(client):
    owner = UserFactory(email="owner@example.com")
    for _ in range(limits.SIGN_UPS_PER_EMAIL.attempts):
        assert create(Client(), owner.email).status_code == 302
    assert TOO_SOON in create(client, owner.email).content.decode()
    assert len(sent_to(owner.email, "accounts.account_already_exists")) == 3


def test_from_a_busy_address_each_email_address_gets_one_sign_up_email(client):
    for n in range(limits.SIGN_UPS_PER_ADDRESS.attempts):
        create(Client(), f"someone{n}@example.com")
    assert create(client, "victim@example.com").status_code == 302
    assert TOO_SOON in create(client, "victim@example.com").content.decode()
    assert len(sent_to("victim@example.com")) == 1
