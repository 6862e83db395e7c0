"""Access and refresh tokens are kept only as their SHA-256 (issue 14, finding 8; RFC 9700;
ADR 0037): someone who reads the database, or a backup of it, gets no usable token."""

import hashlib
import importlib

import pytest
from django.apps import apps
from django.db import connection

from connected_services.models import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db(transaction=True)


def _every_value_in(model) -> str:
    """Every column of every row of the model's table, as the database gives them back."""
    table = connection.ops.quote_name(model._meta.db_table)  # from the model, not input
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return "\n".join(repr(row) for row in cursor.fetchall())


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_no_access_or_refresh_token_is_stored_in_plain_text(rp, patient):
    issued = [rp.sign_in(patient, vtr=["P0.Cp.Cd"])]
    issued.append(rp.refresh(issued[-1]["refresh_token"]))
    issued.append(rp.refresh(issued[-1]["refresh_token"]))
    raw = [t[name] for t in issued for name in ("access_token", "refresh_token")]
    stored = _every_value_in(AccessToken) + _every_value_in(RefreshToken)
    for value in raw:
        assert value not in stored
    assert set(AccessToken.objects.values_list("token", flat=True)) == {""}
    assert set(RefreshToken.objects.values_list("token", flat=True)) == {""}
    # What is kept is the SHA-256, and the tokens still work.
    latest = issued[-1]
    assert AccessToken.objects.filter(token_checksum=_sha256(latest["access_token"])).exists()
    assert rp.userinfo(latest["access_token"]).status_code == 200
    assert rp.refresh(latest["refresh_token"])["access_token"]


def test_tokens_issued_before_keep_working_once_their_plain_text_is_forgotten(rp, patient):
    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    # As a row written before hashing was turned on: the token in plain text beside its hash.
    AccessToken.objects.filter(token_checksum=_sha256(token["access_token"])).update(
        token=token["access_token"]
    )
    RefreshToken.objects.filter(token_checksum=_sha256(token["refresh_token"])).update(
        token=token["refresh_token"]
    )
    assert token["access_token"] in _every_value_in(AccessToken)

    migration = importlib.import_module(
        "connected_services.migrations.0003_forget_plaintext_tokens"
    )
    migration.forget_plaintext_tokens(apps, None)

    assert token["access_token"] not in _every_value_in(AccessToken)
    assert token["refresh_token"] not in _every_value_in(RefreshToken)
    assert rp.userinfo(token["access_token"]).status_code == 200
    assert rp.refresh(token["refresh_token"])["access_token"]
