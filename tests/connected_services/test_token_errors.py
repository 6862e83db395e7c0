"""What a connected service sees when /token or /revoke refuses it (INTERFACE.md, "Errors";
issue 14, finding 10): the error, an ``error_description`` saying which check failed, 401 and
no ``WWW-Authenticate`` challenge for credentials sent in the body (RFC 6749 section 5.2), a
``Basic`` challenge for HTTP Basic credentials, and never a cached answer."""

import base64
import json
import time
from datetime import timedelta

import pytest
from authlib.integrations.base_client import OAuthError
from django.utils import timezone

from connected_services.models import AccessToken, Grant, Service
from tests.connected_services.relying_party import (
    REDIRECT_URI,
    RelyingParty,
    authorize_url,
    make_service,
)

pytestmark = pytest.mark.django_db(transaction=True)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _code_body(rp, the_code, **overrides):
    body = {
        "grant_type": "authorization_code",
        "code": the_code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.code_verifier,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _refused(response, status, error, description):
    """The answer is the error, with a description containing ``description``, never
    cached; a 401 for credentials in the body carries no challenge."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert description in body["error_description"], body
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert "www-authenticate" not in response.headers, response.headers
    return body


def test_each_refused_client_authentication_says_which_check_failed(rp, patient, other_key):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    body = _code_body(rp, code)
    now = int(time.time())
    cases = [
        (rp.token_request(body, assertion=None), "client authentication is required"),
        (
            rp.token_request({**body, "client_id": "nobody"}, assertion=None),
            "unknown client",
        ),
        (
            rp.token_request({**body, "client_id": rp.client_id, "client_secret": "guess"}, None),
            "not a client_secret",
        ),
        (
            rp.token_request(
                {**body, "client_assertion_type": "jwt", "client_assertion": rp.assertion()},
                None,
            ),
            "client_assertion_type must be",
        ),
        (
            rp.token_request({**body, "client_assertion_type": JWT_BEARER}, None),
            "client_assertion is missing",
        ),
        (rp.token_request(body, "not-a-jwt"), "not a signed JWT"),
        (rp.token_request(body, rp.assertion(key=other_key)), "signature does not verify"),
        (rp.token_request(body, rp.assertion(sub="someone-else")), "iss and sub"),
        (rp.token_request(body, rp.assertion(iss="nobody", sub="nobody")), "unknown client"),
        (
            rp.token_request(body, rp.assertion(aud="https://elsewhere.example/token")),
            "aud must be the token endpoint",
        ),
        (rp.token_request(body, rp.assertion(exp=now - 120)), "has expired"),
        (rp.token_request(body, rp.assertion(exp=now + 86400)), "lives too long"),
        (rp.token_request(body, rp.assertion(nbf=now + 600)), "not valid yet"),
        (rp.token_request(body, rp.assertion(jti=None)), "needs a jti"),
    ]
    for response, description in cases:
        _refused(response, 401, "invalid_client", description)
    # A signed assertion is spent even when the grant is then refused; its replay is told so.
    assertion = rp.assertion()
    _refused(
        rp.token_request(_code_body(rp, "made-up"), assertion),
        400,
        "invalid_grant",
        "authorization code not known",
    )
    _refused(rp.token_request(body, assertion), 401, "invalid_client", "used before")
    # None of these spent the code.
    assert rp.token_request(body).status_code == 200


def test_http_basic_credentials_get_a_basic_challenge_and_are_refused(rp, patient):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    basic = "Basic " + base64.b64encode(f"{rp.client_id}:guess".encode()).decode()
    for assertion in (None, "auto"):  # refused even beside a good client assertion
        response = rp.http.post(
            rp.metadata["token_endpoint"],
            data={
                **_code_body(rp, code),
                **(
                    {"client_assertion_type": JWT_BEARER, "client_assertion": rp.assertion()}
                    if assertion
                    else {}
                ),
            },
            headers={"Authorization": basic},
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith('Basic realm="')
        assert response.json()["error"] == "invalid_client"
        assert "not the Authorization header" in response.json()["error_description"]
        assert response.headers["cache-control"] == "no-store"
    revoke = rp.http.post(
        rp.metadata["revocation_endpoint"], data={"token": "x"}, headers={"Authorization": basic}
    )
    assert revoke.status_code == 401
    assert revoke.headers["www-authenticate"].startswith("Basic ")
    assert rp.token_request(_code_body(rp, code)).status_code == 200


def test_revoke_refuses_a_client_without_a_challenge_and_says_why(rp):
    response = rp.http.post(rp.metadata["revocation_endpoint"], data={"token": "x"})
    _refused(response, 401, "invalid_client", "client authentication is required")
    bad = rp.http.post(
        rp.metadata["revocation_endpoint"],
        data={"token": "x", "client_assertion_type": JWT_BEARER, "client_assertion": "x.y"},
    )
    _refused(bad, 401, "invalid_client", "not a signed JWT")


def test_each_refused_code_says_which_check_failed(rp, issuer, patient, other_key):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    _refused(rp.token_request({"code": code}), 400, "invalid_request", "grant_type is required")
    _refused(
        rp.token_request({"grant_type": "password"}),
        400,
        "unsupported_grant_type",
        "authorization_code or refresh_token",
    )
    _refused(rp.token_request(_code_body(rp, code, code=None)), 400, "invalid_request", "code")
    _refused(
        rp.token_request(_code_body(rp, code, redirect_uri="https://service.example/other")),
        400,
        "invalid_grant",
        "redirect_uri does not match",
    )
    _refused(
        rp.token_request(_code_body(rp, code, code_verifier="x" * 50)),
        400,
        "invalid_grant",
        "code_verifier does not match",
    )
    _refused(
        rp.token_request(_code_body(rp, code, code_verifier=None)),
        400,
        "invalid_request",
        "erifier",
    )
    # Another client's code is answered as a code that does not exist.
    other = make_service(other_key, name="Other")
    with RelyingParty(issuer, other.client_id, other_key) as intruder:
        intruder.code_verifier = rp.code_verifier
        stolen = intruder.token_request(_code_body(intruder, code))
    _refused(stolen, 400, "invalid_grant", "authorization code not known")
    # None of the refusals spent the code; a second use is told, and revokes the first's.
    first = rp.token_request(_code_body(rp, code))
    assert first.status_code == 200
    _refused(rp.token_request(_code_body(rp, code)), 400, "invalid_grant", "already used")
    assert rp.userinfo(first.json()["access_token"]).status_code == 401

    late = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    Grant.objects.filter(code=late).update(expires=timezone.now() - timedelta(seconds=1))
    _refused(
        rp.token_request(_code_body(rp, late)), 400, "invalid_grant", "authorization code expired"
    )


def test_a_suspended_patients_code_is_refused_without_saying_why(rp, patient):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    body = _refused(rp.token_request(_code_body(rp, code)), 400, "invalid_grant", "no longer")
    assert "suspend" not in body["error_description"]


def test_each_refused_refresh_says_which_check_failed(rp, service, patient):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    _refused(
        rp.token_request({"grant_type": "refresh_token"}), 400, "invalid_request", "refresh token"
    )
    _refused(
        rp.token_request({**refresh, "refresh_token": "made-up"}),
        400,
        "invalid_grant",
        "refresh token not known",
    )
    _refused(
        rp.token_request({**refresh, "scope": "openid email"}),
        400,
        "invalid_scope",
        "more than the sign-in granted",
    )
    Service.objects.filter(pk=service.pk).update(is_live=False)
    _refused(rp.token_request(refresh), 400, "unauthorized_client", "not live")
    Service.objects.filter(pk=service.pk).update(is_live=True)
    second = rp.refresh(first["refresh_token"])
    _refused(rp.token_request(refresh), 400, "invalid_grant", "already used or revoked")
    # ... and the reuse revoked the family, so the newer token is refused too.
    _refused(
        rp.token_request({**refresh, "refresh_token": second["refresh_token"]}),
        400,
        "invalid_grant",
        "already used or revoked",
    )

    third = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    AccessToken.objects.filter(user=patient, refresh_token__revoked__isnull=True).update(
        expires=timezone.now() - timedelta(days=31)
    )
    _refused(
        rp.token_request({**refresh, "refresh_token": third["refresh_token"]}),
        400,
        "invalid_grant",
        "refresh token expired",
    )


def test_an_authlib_client_sees_the_error_and_its_description(
    rp, issuer, service, patient, other_key
):
    """authlib, an independent OAuth 2.0 client, reads the error and its description."""
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    with pytest.raises(OAuthError) as refused:
        rp.exchange("made-up")
    assert refused.value.error == "invalid_grant"
    assert refused.value.description == "authorization code not known"

    with RelyingParty(issuer, service.client_id, other_key) as impostor:
        impostor.code_verifier = rp.code_verifier
        with pytest.raises(OAuthError) as refused:
            impostor.exchange(code)
    assert refused.value.error == "invalid_client"
    assert refused.value.description == "client_assertion signature does not verify"

    token = rp.exchange(code)
    rp.refresh(token["refresh_token"])
    with pytest.raises(OAuthError) as refused:
        rp.refresh(token["refresh_token"])
    assert refused.value.error == "invalid_grant"
    assert refused.value.description.startswith("refresh token already used or revoked")


def test_a_code_verifier_for_a_code_without_a_challenge_is_refused(rp, patient):
    """RFC 9700 2.1.1: PKCE cannot be downgraded by leaving the challenge out at /authorize."""
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s-1",
        "nonce": "n-1",
        "vtr": json.dumps(["P0.Cp.Cd"]),
    }
    with rp.browser(patient) as browser:
        result = rp.follow_to_service(browser, authorize_url(rp.issuer, params))
    code = result["code"]
    rp.code_verifier = "v" * 50
    _refused(rp.token_request(_code_body(rp, code)), 400, "invalid_grant", "no challenge")
    # A confidential client may still leave PKCE out altogether (NHS login's reference).
    assert rp.token_request(_code_body(rp, code, code_verifier=None)).status_code == 200


def test_plain_pkce_is_refused_with_a_reason(rp, patient):
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s-1",
        "nonce": "n-1",
        "vtr": json.dumps(["P0.Cp.Cd"]),
        "code_challenge": "a" * 43,
    }
    with rp.browser(patient) as browser:
        for method in ("plain", None):  # RFC 7636: no method means plain
            query = {**params, **({"code_challenge_method": method} if method else {})}
            result = rp.follow_to_service(browser, authorize_url(rp.issuer, query))
            assert result["error"] == "invalid_request"
            assert "S256" in result["error_description"]
    assert not Grant.objects.exists()


def test_django_oauth_toolkit_refuses_a_plain_challenge_too(service):
    """Behind the authorization endpoint's own check, DOT's RFC 9700 gate
    (COMPLIANT_BCP_RFC9700_PKCE_METHOD) refuses to store a plain challenge."""
    from oauthlib.common import Request
    from oauthlib.oauth2.rfc6749 import errors

    from connected_services.oidc.validator import NHSLoginValidator

    request = Request("https://login.example/authorize")
    request.client = service
    request.code_challenge = "a" * 43
    request.code_challenge_method = "plain"
    with pytest.raises(errors.InvalidRequestError, match="S256"):
        NHSLoginValidator()._create_authorization_code(request, {"code": "c"})
    assert not Grant.objects.exists()
