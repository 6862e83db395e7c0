"""Service administrators register connected services in Django admin."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from jwcrypto import jwk

from connected_services.models import Service
from core.models import AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def staff_client(db):
    from django_otp import DEVICE_ID_SESSION_KEY

    staff = UserFactory(is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _form(key_pem, **overrides):
    data = {
        "name": "Manage your prescriptions",
        "description": "Order repeat prescriptions",
        "url": "https://prescriptions.example/",
        "category": "appointments",
        "minimum_age": "13",
        "nations": ["england", "wales"],
        "has_care_benefit": "on",
        "is_nhs_commissioned": "on",
        "is_free_at_point_of_delivery": "on",
        "is_live": "on",
        "client_id": "prescriptions",
        "client_type": "confidential",
        "authorization_grant_type": "authorization-code",
        "redirect_uris": "https://prescriptions.example/callback",
        "post_logout_redirect_uris": "",
        "public_key_pem": key_pem,
        "jwks": "",
        "allowed_vectors": "P9.Cp.Cd P9.Cm",
        "allowed_scopes": "openid profile",
        "id_token_signing_alg": "RS512",
        "backchannel_logout_uri": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture(scope="module")
def key_pem():
    return jwk.JWK.generate(kty="RSA", size=2048).export_to_pem().decode()


def test_staff_register_a_live_service(staff_client, key_pem):
    response = staff_client.post("/admin/connected_services/service/add/", _form(key_pem))
    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get(client_id="prescriptions")
    assert service.is_live and service.nations == ["england", "wales"]
    assert AuditEvent.objects.filter(event="connected_services.service_changed").exists()


def test_a_service_cannot_go_live_without_all_three_assurance_answers(staff_client, key_pem):
    form = _form(key_pem, is_nhs_commissioned=None)
    response = staff_client.post("/admin/connected_services/service/add/", form)
    assert response.status_code == 200
    assert b"all three assurance answers are yes" in response.content
    assert not Service.objects.exists()
    form["is_live"] = None
    form = {k: v for k, v in form.items() if v is not None}
    assert staff_client.post("/admin/connected_services/service/add/", form).status_code == 302


@pytest.mark.parametrize(
    ("uris", "message"),
    [
        ("http://prescriptions.example/callback", b"must start with https://"),
        ("https://*.example/callback", b"wildcard"),
        ("https://prescriptions.example/callback?next=1", b"query string"),
        (
            "\n".join(f"https://prescriptions.example/{n}" for n in range(11)),
            b"10 redirect URIs or fewer",
        ),
    ],
)
def test_redirect_uris_follow_the_rules(staff_client, key_pem, uris, message):
    response = staff_client.post(
        "/admin/connected_services/service/add/", _form(key_pem, redirect_uris=uris)
    )
    assert response.status_code == 200
    assert message in response.content


def test_a_small_or_missing_key_is_refused(staff_client):
    small = jwk.JWK.generate(kty="RSA", size=1024).export_to_pem().decode()
    response = staff_client.post("/admin/connected_services/service/add/", _form(small))
    assert b"2048 bits or larger" in response.content
    response = staff_client.post("/admin/connected_services/service/add/", _form(""))
    assert b"needs a public key" in response.content


def test_a_jwks_can_be_registered_instead_of_a_pem(staff_client):
    import json

    key = jwk.JWK.generate(kty="RSA", size=2048, kid="k1")
    jwks = json.dumps({"keys": [json.loads(key.export_public())]})
    response = staff_client.post("/admin/connected_services/service/add/", _form("", jwks=jwks))
    assert response.status_code == 302
    assert Service.objects.get().public_jwk_set().get_key("k1") is not None
