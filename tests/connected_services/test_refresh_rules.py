"""Refresh grant rules kept by the lean rotation (connected_services.oidc.validator)."""

import pytest

from connected_services.models import RefreshToken
from tests.connected_services.relying_party import RelyingParty, make_service

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_suspended_patients_refresh_token_is_refused(rp, patient):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    refused = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert refused.headers["Cache-Control"] == "no-store"


def test_another_services_refresh_token_is_refused(rp, issuer, patient, other_key):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    other = make_service(other_key)
    with RelyingParty(issuer, other.client_id, other_key) as thief:
        refused = thief.token_request(
            {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    # The rightful service can still refresh: the refusal spent nothing.
    assert rp.refresh(first["refresh_token"])["refresh_token"]


def test_each_refresh_stays_in_one_family_with_one_live_token(rp, patient):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    second = rp.refresh(first["refresh_token"])
    third = rp.refresh(second["refresh_token"])
    family = RefreshToken.objects.filter(user=patient)
    assert family.values("token_family").distinct().count() == 1
    assert family.filter(revoked__isnull=True).count() == 1
    assert rp.userinfo(third["access_token"]).status_code == 200
    assert rp.userinfo(second["access_token"]).status_code == 401
