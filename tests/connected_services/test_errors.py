"""Every error row of INTERFACE.md, over HTTP against the live server."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import OperationalError

from connected_services.models import Grant, Service
from tests.connected_services.identities import prove
from tests.connected_services.relying_party import REDIRECT_URI, make_service

pytestmark = pytest.mark.django_db(transaction=True)


def _base(rp, **overrides):
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s-123",
        "nonce": "n-456",
        "vtr": json.dumps(["P0.Cp.Cd"]),
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def _authorize(browser, params):
    response = browser.get("/authorize", params=params)
    location = response.headers.get("location", "")
    if location.startswith(REDIRECT_URI):
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return response


AUTHORIZE_ERRORS = [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": "code id_token"}, "unsupported_response_type"),
    ({"response_type": None}, "invalid_request"),
    ({"nonce": None}, "invalid_request"),
    ({"scope": None}, "invalid_request"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"scope": "openid address"}, "invalid_scope"),
    ({"scope": "openid profile basic_demographics"}, "invalid_scope"),
    ({"vtr": "P9.Cp.Cd"}, "invalid_request"),
    ({"vtr": json.dumps(["P9.Cp.Ck"])}, "invalid_request"),
    ({"vtr": json.dumps(["P7.Cp"])}, "invalid_request"),
    ({"prompt": "consent"}, "invalid_request"),
    ({"display": "popup"}, "invalid_request"),
    ({"response_mode": "fragment"}, "invalid_request"),
    ({"code_challenge": "abc", "code_challenge_method": "plain"}, "invalid_request"),
]


def test_bad_authorization_requests_are_sent_back_with_the_right_error(rp, patient):
    with rp.browser(patient) as browser:
        for overrides, error in AUTHORIZE_ERRORS:
            result = _authorize(browser, _base(rp, **overrides))
            assert isinstance(result, dict), (overrides, result.status_code)
            assert result["error"] == error, overrides
            assert result["state"] == "s-123"
        missing_state = _authorize(browser, _base(rp, state=None))
        assert missing_state["error"] == "invalid_request"
        assert "state" not in missing_state


def test_a_bad_client_or_redirect_uri_gets_an_error_page_not_a_redirect(rp, patient):
    with rp.browser(patient) as browser:
        for overrides in (
            {"client_id": "nobody"},
            {"client_id": None},
            {"redirect_uri": "https://evil.example/callback"},
            {"redirect_uri": REDIRECT_URI + "?x=1"},
            {"redirect_uri": REDIRECT_URI + "/"},
            {"redirect_uri": None},
        ):
            response = _authorize(browser, _base(rp, **overrides))
            assert not isinstance(response, dict), overrides
            assert response.status_code == 400
            assert "location" not in response.headers
            assert "problem with this service" in response.text


def test_a_service_that_is_not_live_is_unauthorized(rp, service, patient):
    Service.objects.filter(pk=service.pk).update(is_live=False)
    with rp.browser(patient) as browser:
        assert _authorize(browser, _base(rp))["error"] == "unauthorized_client"


def test_gp_integration_credentials_only_for_clients_allowed_them(rp, service, patient):
    with rp.browser(patient) as browser:
        result = _authorize(browser, _base(rp, scope="openid gp_integration_credentials"))
        assert result["error"] == "invalid_scope"
        Service.objects.filter(pk=service.pk).update(allow_gp_integration_credentials=True)
        result = _authorize(browser, _base(rp, scope="openid gp_integration_credentials"))
        assert "Share your information with" in result.text  # the consent page, not an error


def test_prompt_none_answers_without_showing_a_page(rp, patient):
    with rp.browser(None) as browser:
        assert _authorize(browser, _base(rp, prompt="none"))["error"] == "login_required"
    with rp.browser(patient) as browser:
        assert _authorize(browser, _base(rp, prompt="none"))["error"] == "consent_required"
        vtr = json.dumps(["P9.Cp.Cd"])
        result = _authorize(browser, _base(rp, prompt="none", vtr=vtr))
        assert result["error"] == "interaction_required"
    with rp.browser(patient, methods=("Cp",)) as browser:
        assert _authorize(browser, _base(rp, prompt="none"))["error"] == "login_required"


def test_declining_consent_sends_access_denied(rp, patient):
    with rp.browser(patient) as browser:
        result = rp.follow_to_service(browser, rp.authorization_url(vtr=["P0.Cp.Cd"]), "no")
    assert result["error"] == "access_denied"
    assert result["state"] == rp.state


def test_unexpected_failures_become_server_error_or_temporarily_unavailable(
    rp, patient, monkeypatch
):
    from connected_services import authorization

    with rp.browser(patient) as browser:
        monkeypatch.setattr(authorization, "decide", _raise(RuntimeError("boom")))
        assert _authorize(browser, _base(rp))["error"] == "server_error"
        monkeypatch.setattr(authorization, "decide", _raise(OperationalError("down")))
        assert _authorize(browser, _base(rp))["error"] == "temporarily_unavailable"


def _raise(error):
    def fail(*args, **kwargs):
        raise error

    return fail


# -- token endpoint -------------------------------------------------------------------------


def _code_body(rp, the_code, **overrides):
    body = {
        "grant_type": "authorization_code",
        "code": the_code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.code_verifier,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_token_errors(rp, service, patient, other_key):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])

    def error_of(response, status=400):
        assert response.status_code == status, response.text
        assert response.headers["cache-control"] == "no-store"
        return response.json()["error"]

    assert error_of(rp.token_request({"code": code})) == "invalid_request"
    assert error_of(rp.token_request({"grant_type": "password"})) == "unsupported_grant_type"
    assert (
        error_of(rp.token_request({"grant_type": "client_credentials"})) == "unsupported_grant_type"
    )
    assert error_of(rp.token_request(_code_body(rp, code, code=None))) == "invalid_request"
    # client authentication
    assert error_of(rp.token_request(_code_body(rp, code), assertion=None), 401) == (
        "invalid_client"
    )
    secret = {**_code_body(rp, code), "client_id": rp.client_id, "client_secret": "x"}
    assert error_of(rp.token_request(secret, assertion=None), 401) == "invalid_client"
    wrong_key = rp.assertion(key=other_key)
    assert error_of(rp.token_request(_code_body(rp, code), wrong_key), 401) == "invalid_client"
    for bad in (
        rp.assertion(aud="https://elsewhere.example/token"),
        rp.assertion(sub="someone-else"),
        rp.assertion(exp=int(time.time()) - 120),
        rp.assertion(exp=int(time.time()) + 86400),
        rp.assertion(jti=None),
        "not-a-jwt",
    ):
        assert error_of(rp.token_request(_code_body(rp, code), bad), 401) == "invalid_client"
    # the code itself
    assert error_of(rp.token_request(_code_body(rp, "made-up"))) == "invalid_grant"
    wrong_uri = _code_body(rp, code, redirect_uri="https://service.example/other")
    assert error_of(rp.token_request(wrong_uri)) == "invalid_grant"
    assert error_of(rp.token_request(_code_body(rp, code, code_verifier="x" * 50))) in (
        "invalid_grant"
    )


def test_an_expired_code_is_refused(rp, patient):
    from datetime import timedelta

    from django.utils import timezone

    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    Grant.objects.filter(code=code).update(expires=timezone.now() - timedelta(seconds=1))
    response = rp.token_request(_code_body(rp, code))
    assert response.json()["error"] == "invalid_grant"


def test_codes_live_ten_minutes(rp, patient):
    from django.utils import timezone

    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    grant = Grant.objects.get(code=code)
    assert 590 <= (grant.expires - timezone.now()).total_seconds() <= 600


def test_a_replayed_client_assertion_is_refused(rp, patient):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    assertion = rp.assertion()
    first = rp.token_request(_code_body(rp, code), assertion)
    assert first.status_code == 200
    replay = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]},
        assertion,
    )
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"


def test_a_service_taken_offline_cannot_exchange_codes(rp, service, patient):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    Service.objects.filter(pk=service.pk).update(is_live=False)
    response = rp.token_request(_code_body(rp, code))
    assert response.json()["error"] == "unauthorized_client"


def test_refresh_cannot_widen_scope(rp, patient):
    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    response = rp.token_request(
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "scope": "openid email",
        }
    )
    assert response.json()["error"] == "invalid_scope"


def test_another_clients_key_cannot_use_this_clients_code(rp, issuer, patient, other_key):
    from tests.connected_services.relying_party import RelyingParty

    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    other = make_service(other_key, name="Other")
    with RelyingParty(issuer, other.client_id, other_key) as intruder:
        intruder.code_verifier = rp.code_verifier
        response = intruder.token_request(_code_body(intruder, code))
    assert response.json()["error"] == "invalid_grant"


# -- userinfo -------------------------------------------------------------------------------


def test_userinfo_errors(rp, patient):
    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    url = rp.metadata["userinfo_endpoint"]
    basic = rp.http.get(url, headers={"Authorization": "Basic abc"})
    assert basic.status_code == 400
    assert 'error="invalid_request"' in basic.headers["www-authenticate"]
    twice = rp.http.post(
        url,
        headers={"Authorization": f"Bearer {token['access_token']}"},
        data={"access_token": token["access_token"]},
    )
    assert twice.status_code == 400
    bad = rp.userinfo("not-a-token")
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    none = rp.http.get(url)
    assert none.status_code == 401
    assert none.headers["www-authenticate"].startswith("Bearer")
    patch = rp.http.patch(
        url,
        headers={"Authorization": f"Bearer {token['access_token']}"},
        json={"client_user_metadata": "x"},
    )
    assert patch.status_code == 403
    assert 'error="insufficient_scope"' in patch.headers["www-authenticate"]
    posted = rp.http.post(url, data={"access_token": token["access_token"]})
    assert posted.status_code == 200


def test_an_expired_access_token_is_invalid(rp, patient):
    from datetime import timedelta

    from django.utils import timezone

    from connected_services.models import AccessToken

    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    access = AccessToken.objects.get(user=patient)
    assert 290 <= (access.expires - timezone.now()).total_seconds() <= 300
    AccessToken.objects.filter(pk=access.pk).update(expires=timezone.now() - timedelta(1))
    assert rp.userinfo(token["access_token"]).status_code == 401


def test_p5_claims_need_p5(rp, patient):
    prove(patient, "P5")
    token = rp.sign_in(patient, scope="openid profile gp_registration_details", vtr=["P5.Cp.Cd"])
    body = rp.userinfo(token["access_token"]).json()
    assert body["gp_ods_code"] == "Y12345"
    assert body["identity_proofing_level"] == "P5"
