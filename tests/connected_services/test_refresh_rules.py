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


def test_a_refresh_that_loses_a_race_issues_nothing(rp, patient, monkeypatch):
    """Two requests with one refresh token: the one that claims it second gets invalid_grant
    and no tokens (PostgreSQL: the one-statement rotation; SQLite: the conditional UPDATE)."""
    from django.utils import timezone

    from connected_services.models import AccessToken
    from connected_services.oidc.validator import NHSLoginValidator

    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    validate = NHSLoginValidator.validate_refresh_token

    def validate_then_lose_the_race(self, refresh_token, client, request, *args, **kwargs):
        valid = validate(self, refresh_token, client, request, *args, **kwargs)
        # The other request rotates the token between our look-up and our claim.
        RefreshToken.objects.filter(pk=request.refresh_token_instance.pk).update(
            revoked=timezone.now()
        )
        return valid

    monkeypatch.setattr(NHSLoginValidator, "validate_refresh_token", validate_then_lose_the_race)
    access_tokens = AccessToken.objects.count()
    refresh_tokens = RefreshToken.objects.count()
    lost = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert lost.status_code == 400
    assert lost.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == access_tokens
    assert RefreshToken.objects.count() == refresh_tokens
    # The first access token was not deleted by the loser either.
    assert rp.userinfo(first["access_token"]).status_code == 200
