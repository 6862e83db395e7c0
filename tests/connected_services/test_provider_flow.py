"""The whole flow, driven by authlib over HTTP: discovery, authorize with PKCE and vtr,
private_key_jwt code exchange, ID token validation against JWKS, userinfo, refresh."""

import pytest

from tests.connected_services.identities import prove

pytestmark = pytest.mark.django_db(transaction=True)


def test_discovery_advertises_what_the_provider_does(rp, issuer):
    meta = rp.metadata
    assert meta["issuer"] == issuer
    assert meta["authorization_endpoint"] == f"{issuer}/authorize"
    assert meta["token_endpoint"] == f"{issuer}/token"
    assert meta["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert meta["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert meta["response_types_supported"] == ["code"]
    assert "private_key_jwt" in meta["token_endpoint_auth_methods_supported"]
    assert "client_secret_basic" not in meta["token_endpoint_auth_methods_supported"]
    assert meta["id_token_signing_alg_values_supported"][0] == "RS512"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    for scope in ("openid", "profile", "basic_demographics", "gp_integration_credentials"):
        assert scope in meta["scopes_supported"]
    for claim in ("nhs_number", "vot", "vtm", "identity_proofing_level", "birthdate"):
        assert claim in meta["claims_supported"]
    for never in ("address", "postcode", "gender"):
        assert never not in meta["claims_supported"]


def test_a_p9_patient_signs_in_and_the_service_gets_claims(rp, patient):
    prove(patient, "P9")
    token = rp.sign_in(patient, scope="openid profile email phone", vtr=["P9.Cp.Cd"])
    assert token["token_type"].lower() == "bearer"
    assert 0 < token["expires_in"] <= 300
    claims = rp.validate_id_token(token["id_token"], nonce=rp.nonce)
    assert claims["sub"] == str(patient.sub)
    assert claims["vot"] == "P9.Cp.Cd"
    assert claims["vtm"].startswith(f"{rp.issuer}/trustmark/")
    assert claims["nhs_number"] == "9000000009"
    assert claims["family_name"] == "Bloggs"
    assert claims["birthdate"] == "1980-05-17"
    assert claims["identity_proofing_level"] == "P9"
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["auth_time"] - claims["iat"]) < 60
    assert "email" not in claims  # userinfo, not the ID token

    info = rp.userinfo(token["access_token"])
    assert info.status_code == 200
    body = info.json()
    assert body["sub"] == str(patient.sub)
    assert body["email"] == patient.email
    assert body["email_verified"] is True
    assert body["phone_number"] == patient.phone_number
    assert body["phone_number_pds_matched"] is True
    assert body["nhs_number"] == "9000000009"
    assert None not in body.values()
    for never in ("address", "postcode", "gender"):
        assert never not in body


def test_the_id_token_header_is_rs512_with_a_kid_and_no_embedded_keys(rp, patient):
    import base64
    import json

    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    header = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS512"
    assert header["typ"] == "JWT"
    assert header["kid"] in {k["kid"] for k in rp.http.get(rp.metadata["jwks_uri"]).json()["keys"]}
    assert not {"jku", "jwk", "x5u", "x5c"} & set(header)


def test_p0_claims_are_not_released_at_p0(rp, patient):
    token = rp.sign_in(patient, scope="openid profile email", vtr=["P0.Cp.Cd"])
    claims = rp.validate_id_token(token["id_token"])
    assert claims["vot"] == "P0.Cp.Cd"
    assert "nhs_number" not in claims and "identity_proofing_level" not in claims
    body = rp.userinfo(token["access_token"]).json()
    assert body["email"] == patient.email
    assert "nhs_number" not in body and "family_name" not in body


def test_refresh_rotates_and_keeps_vot(rp, patient):
    prove(patient, "P5")
    first = rp.sign_in(patient, scope="openid basic_demographics", vtr=["P5.Cp.Cd"])
    second = rp.refresh(first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    claims = rp.validate_id_token(second["id_token"])
    assert claims["vot"] == "P5.Cp.Cd"
    assert claims["family_name"] == "Bloggs"
    assert "nhs_number" not in claims  # basic_demographics, not profile
    assert rp.userinfo(second["access_token"]).status_code == 200
    assert rp.userinfo(first["access_token"]).status_code == 401


def test_a_reused_refresh_token_revokes_the_family(rp, patient):
    first = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    second = rp.refresh(first["refresh_token"])
    replay = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    again = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert again.json()["error"] == "invalid_grant"
    assert rp.userinfo(second["access_token"]).status_code == 401


def test_a_reused_code_is_refused_and_revokes_the_first_tokens(rp, patient):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    first = rp.exchange(code)
    assert rp.userinfo(first["access_token"]).status_code == 200
    reuse = rp.token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://service.example/callback",
            "code_verifier": rp.code_verifier,
        }
    )
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert rp.userinfo(first["access_token"]).status_code == 401
    refresh = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_token_responses_are_not_cached(rp, patient):
    code = rp.code_for(patient, vtr=["P0.Cp.Cd"])
    response = rp.token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://service.example/callback",
            "code_verifier": rp.code_verifier,
        }
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    error = rp.token_request({"grant_type": "authorization_code", "code": "nope"})
    assert error.headers["cache-control"] == "no-store"


def test_patch_sets_and_clears_client_user_metadata(rp, patient):
    token = rp.sign_in(patient, scope="openid client_metadata", vtr=["P0.Cp.Cd"])
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    url = rp.metadata["userinfo_endpoint"]
    assert (
        rp.http.patch(url, headers=headers, json={"client_user_metadata": "abc"}).status_code == 204
    )
    assert rp.userinfo(token["access_token"]).json()["client_user_metadata"] == "abc"
    assert (
        rp.http.patch(url, headers=headers, json={"client_user_metadata": "auto"}).status_code
        == 204
    )
    generated = rp.userinfo(token["access_token"]).json()["client_user_metadata"]
    assert generated not in ("abc", "auto") and len(generated) > 10
    assert rp.http.patch(url, headers=headers, json={"client_user_metadata": ""}).status_code == 204
    assert "client_user_metadata" not in rp.userinfo(token["access_token"]).json()
    too_long = rp.http.patch(url, headers=headers, json={"client_user_metadata": "x" * 1025})
    assert too_long.status_code == 400
    assert too_long.json()["error"] == "invalid_request"


def test_rs256_client_assertions_are_accepted(issuer, service, rp_key, patient):
    from tests.connected_services.relying_party import RelyingParty

    with RelyingParty(issuer, service.client_id, rp_key, alg="RS256") as party:
        token = party.sign_in(patient, vtr=["P0.Cp.Cd"])
    assert "id_token" in token


def test_userinfo_gives_the_claims_the_claim_rules_give(rp, service, patient):
    """Userinfo reads the token, service, patient and identity as real models (in one
    statement: bench/statements.py counts it), so what a service receives is exactly what
    ``connected_services.claims`` gives for the patient as the ORM loads them: a new claim is
    added there alone."""
    from django.test import Client

    from accounts.models import User
    from connected_services import claims
    from connected_services.models import Service

    prove(patient, "P9")
    scopes = "openid profile profile_extended email phone gp_registration_details"
    token = rp.sign_in(patient, scope=scopes, vtr=["P9.Cp.Cd"])
    response = Client().get(
        "/userinfo", headers={"authorization": f"Bearer {token['access_token']}"}
    )
    assert response.status_code == 200
    user = User.objects.select_related("identity").get(pk=patient.pk)
    expected = claims.claims_for(user, scopes.split(), service=Service.objects.get(pk=service.pk))
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("iss", "aud", "sub")} == expected
    assert body["given_name"] == "Jo" and body["gp_ods_code"] == "Y12345"
