import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_sign_in_offers_to_create_a_login_by_default(client: Client):
    assert "Create your NHS login" in client.get("/account/sign-in/").content.decode()


def test_sign_in_hides_create_a_login_when_the_service_asked(client: Client):
    session = client.session
    session["oidc_allow_registration"] = False
    session.save()
    assert "Create your NHS login" not in client.get("/account/sign-in/").content.decode()
