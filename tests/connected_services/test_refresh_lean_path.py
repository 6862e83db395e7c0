"""The refresh grant's lean path (ADR 0036): a client registration kept per process, the
service and the refresh token read in one statement, the jti written straight to Redis,
and the rotation's parameters prepared once per field. None of it may change what a
relying party sees."""

import datetime
import time

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connection
from django.utils import timezone

from connected_services.models import AccessToken, RefreshToken, Service
from connected_services.oidc import client_assertion, statements
from core import rows
from tests.connected_services.relying_party import RelyingParty, make_service

pytestmark = pytest.mark.django_db(transaction=True)


def _refresh(party, refresh_token, **extra):
    return party.token_request(
        {"grant_type": "refresh_token", "refresh_token": refresh_token}, **extra
    )


def test_a_new_public_key_takes_effect_at_once_though_the_registration_is_kept(
    rp, issuer, service, patient, other_key
):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    second = rp.refresh(first["refresh_token"])  # the registration is now kept in this process
    # Changed without save() (so no `updated` timestamp moves): still seen at once.
    Service.objects.filter(pk=service.pk).update(public_key_pem=other_key.export_to_pem().decode())
    refused = _refresh(rp, second["refresh_token"])
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert refused.headers["Cache-Control"] == "no-store"
    with RelyingParty(issuer, service.client_id, other_key) as rekeyed:
        assert rekeyed.refresh(second["refresh_token"])["refresh_token"]


def test_a_service_taken_offline_cannot_refresh(rp, service, patient):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    second = rp.refresh(first["refresh_token"])
    Service.objects.filter(pk=service.pk).update(is_live=False)
    refused = _refresh(rp, second["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"
    Service.objects.filter(pk=service.pk).update(is_live=True)
    assert rp.refresh(second["refresh_token"])["refresh_token"]


def test_a_deleted_service_is_unknown_at_once(rp, service, patient):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    rp.refresh(first["refresh_token"])
    assert statements.service_by_client_id(service.client_id) is not None
    Service.objects.filter(pk=service.pk).delete()
    assert statements.service_by_client_id(service.client_id) is None
    checksum = "0" * 64
    assert statements.service_and_refresh_token(service.client_id, checksum) == (None, None)


def test_a_refresh_token_is_not_touched_when_the_client_fails_authentication(
    rp, patient, other_key
):
    """The token is read with the service, before the client is authenticated; a rotated
    token presented with a bad assertion must not revoke the family (only an authenticated
    reuse does)."""
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    second = rp.refresh(first["refresh_token"])
    refused = _refresh(rp, first["refresh_token"], assertion=rp.assertion(key=other_key))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    # The family is intact: the live token still refreshes.
    assert rp.refresh(second["refresh_token"])["refresh_token"]


def test_an_unknown_refresh_token_is_an_invalid_grant(rp, patient):
    rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    refused = _refresh(rp, "not-a-token-we-issued")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_the_jti_is_remembered_where_the_django_cache_would_keep_it(service, rp_key):
    """Workers running either way of writing it see the same replay cache entry."""
    import hashlib

    from jwcrypto import jwt as jjwt

    from tests.connected_services.test_client_assertion import _claims

    claims = _claims(service, aud=client_assertion.token_endpoint_url())
    token = jjwt.JWT(header={"alg": "RS512", "typ": "JWT"}, claims=claims)
    token.make_signed_token(rp_key)
    client_assertion.verify(token.serialize())
    digest = hashlib.sha256(f"{service.client_id}\0{claims['jti']}".encode()).hexdigest()
    key = f"oidc:assertion-jti:{digest}"
    assert cache.get(key) == 1
    assert cache.add(key, 1, timeout=60) is False
    if isinstance(getattr(cache, "_cache", None), RedisCacheClient):  # kept until exp
        ttl = cache._cache.get_client().ttl(cache.make_key(key))
        assert 0 < ttl <= claims["exp"] - time.time() + client_assertion.LEEWAY_SECONDS + 1


def test_the_rotation_writes_what_model_save_would(patient, rp_key):
    """The rotation's parameters (``rows.InsertPlan``, per-field work decided once, on a
    ``rows.unsaved`` row rather than a model instance) are what each field's ``pre_save``
    and ``get_db_prep_save`` give for a model instance, i.e. what ``Model.save()`` sends."""
    import uuid

    from oauth2_provider.models import set_token_value

    service = make_service(rp_key)
    now = timezone.now()
    access = {
        "user_id": patient.pk,
        "application_id": service.pk,
        "scope": "openid profile",
        "expires": now,
        "vot": "P9.Cp.Cd",
        "auth_time": int(now.timestamp()),
        "id_token_id": None,
        "source_refresh_token_id": None,
    }
    refresh = {
        "user_id": patient.pk,
        "application_id": service.pk,
        "access_token_id": None,
        "token_family": uuid.uuid4(),
        "resource": [],
    }
    for model, values, leave_out in (
        (AccessToken, access, ()),
        (RefreshToken, refresh, ("access_token",)),
    ):
        instance, row = model(**values), rows.unsaved(model, values)
        set_token_value(instance, "a-token-value")
        set_token_value(row, "a-token-value")
        fields = rows.insert_fields(model, leave_out=leave_out)
        expected = rows.prepared_values(instance, fields, connection)
        got = rows.InsertPlan(fields, connection).values(row, connection)
        for i, field in enumerate(fields):
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                assert abs((_when(got[i]) - _when(expected[i])).total_seconds()) < 5
                got[i] = expected[i]
        assert [repr(v) for v in got] == [repr(v) for v in expected]


def _when(value) -> datetime.datetime:
    """An ``auto_now`` date as prepared: a datetime (PostgreSQL) or ISO text (SQLite)."""
    return datetime.datetime.fromisoformat(value) if isinstance(value, str) else value


def test_a_field_with_its_own_preparation_is_prepared_by_the_field():
    """An encrypted field is a TextField to the database: it must still be encrypted."""
    from core.crypto import EncryptedTextField

    field = EncryptedTextField()
    field.set_attributes_from_name("secret")
    assert rows.prepare_step(field, connection)[0] == rows.FULL


def test_two_services_with_refresh_tokens_are_kept_apart(rp, issuer, patient, other_key):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    other = make_service(other_key, name="Other")
    with RelyingParty(issuer, other.client_id, other_key) as party:
        refused = _refresh(party, first["refresh_token"])
        assert refused.json()["error"] == "invalid_grant"
    assert rp.refresh(first["refresh_token"])["refresh_token"]


def _statements_prepared_on(conn) -> list[str]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_refresh_and_userinfo_answer_as_before_once_their_statements_are_prepared(
    rp, patient, client
):
    """The hot statements are prepared on a connection after a few runs (ADR 0064): the
    answers after that must be what they were, and follow changes to the rows at once."""
    tokens = rp.sign_in(patient, scope="openid email", vtr=["P0.Cp.Cd"])
    refresh_token = tokens["refresh_token"]
    for _ in range(7):  # in this thread, so on this test's own database connection
        response = client.post(
            "/token",
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": rp.assertion(),
            },
        )
        assert response.status_code == 200, response.content
        refresh_token, access_token = (
            response.json()["refresh_token"],
            response.json()["access_token"],
        )
        claims = client.get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}").json()
        assert claims["email"] == patient.email
    prepared = _statements_prepared_on(connection)
    assert any("token_checksum" in sql and "WITH claimed" not in sql for sql in prepared)
    assert any("WITH claimed" in sql for sql in prepared)

    type(patient).objects.filter(pk=patient.pk).update(email="changed@example.com")
    claims = client.get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}").json()
    assert claims["email"] == "changed@example.com"
    # The rotated-out token is refused, the live one still rotates.
    assert _refresh(rp, tokens["refresh_token"]).json()["error"] == "invalid_grant"
