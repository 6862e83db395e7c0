"""ID token signing keys: rotation keeps the old public key published until tokens expire."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from connected_services.models import SigningKey
from connected_services.oidc import keys

pytestmark = pytest.mark.django_db


def _kids(client):
    return [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]


def test_rotation_publishes_both_keys_then_drops_the_old(client):
    keys.forget_cached_keys()
    first = keys.signing_key()["kid"]
    call_command("rotate_signing_key")
    second = keys.signing_key()["kid"]
    assert second != first
    assert set(_kids(client)) == {first, second}
    SigningKey.objects.filter(kid=first).update(retired_at=timezone.now() - timedelta(hours=2))
    keys.forget_cached_keys()
    assert _kids(client) == [second]


def test_jwks_publishes_only_public_rsa_keys(client):
    keys.forget_cached_keys()
    for key in client.get("/.well-known/jwks.json").json()["keys"]:
        assert key["kty"] == "RSA" and key["use"] == "sig"
        assert "d" not in key and "p" not in key


def test_the_private_key_is_encrypted_at_rest():
    from django.db import connection

    keys.forget_cached_keys()
    keys.signing_key()
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_pem FROM connected_services_signingkey")
        stored = cursor.fetchone()[0]
    assert "PRIVATE KEY" not in stored
