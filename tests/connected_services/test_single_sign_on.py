"""One sign-in across connected services (NHS login's single sign-on, ADR 0067).

The services are authlib clients talking to the provider over HTTP; the assertion a service
hands to another (``asserted_login_identity``) is signed with authlib too. The patient's
browser is an HTTP client carrying their session cookie.
"""

import base64
import json
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.jose import jwt as authlib_jwt
from django.core.exceptions import ValidationError

from connected_services import events, services
from connected_services.models import Consent
from core.models import AuditEvent
from tests.connected_services.identities import prove
from tests.connected_services.relying_party import RelyingParty, make_service
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db(transaction=True)

P0 = ["P0.Cp.Cd"]


@pytest.fixture
def second_service(db, other_key):
    """Another connected service the patient has used before (so no consent page)."""
    return make_service(other_key, name="Order repeat prescriptions")


@pytest.fixture
def rp2(issuer, second_service, other_key):
    with RelyingParty(issuer, second_service.client_id, other_key) as party:
        yield party


def _used_before(patient, service):
    services.record_consent(patient, service, scopes=["openid"], claims=[], level="P0")


def asserted_login_identity(
    party: RelyingParty, code: str, /, key_pem: str | None = None, **claims
):
    """What ``party`` (RP1) hands another service: a JWT it signs naming the ID token it got
    (``code``: that token's ``jti``), valid 60 seconds. ``claims`` override (None drops)."""
    now = int(time.time())
    payload = {
        "iss": party.client_id,
        "code": code,
        "jti": secrets.token_hex(16),
        "iat": now,
        "exp": now + 60,
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return authlib_jwt.encode({"alg": "RS512"}, payload, key_pem or party.key_pem).decode()


def _signed_in_at(party, browser, vtr=P0) -> dict:
    """The patient in ``browser`` signs in to ``party``: its validated ID token claims and
    its token response."""
    result = party.follow_to_service(browser, party.authorization_url(vtr=vtr))
    assert isinstance(result, dict) and "code" in result, result
    tokens = party.exchange(result["code"])
    return party.validate_id_token(tokens["id_token"], nonce=party.nonce), tokens


def _sso(party, browser, assertion, prompt="none", vtr=P0, **extra):
    """``party`` (RP2) sends the browser to sign in with the assertion: the query it gets
    back (or the page shown)."""
    url = party.authorization_url(
        vtr=vtr, prompt=prompt, asserted_login_identity=assertion, **extra
    )
    return party.follow_to_service(browser, url, consent=None)


def test_a_second_service_gets_a_code_without_the_patient_signing_in_again(
    rp, rp2, patient, second_service
):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
    assert result.get("state") == rp2.state and "code" in result, result
    tokens = rp2.exchange(result["code"])
    second = rp2.validate_id_token(tokens["id_token"], nonce=rp2.nonce)
    assert second["sub"] == first["sub"] == str(patient.sub)
    assert second["vot"] == "P0.Cp.Cd"
    assert second["auth_time"] == first["auth_time"]  # the same sign-in
    event = AuditEvent.objects.get(event=events.SINGLE_SIGN_ON)
    assert event.user_id == patient.pk
    assert event.details["service"] == rp2.client_id
    assert event.details["from_service"] == rp.client_id


def test_the_second_service_can_pass_the_patient_on_in_turn(rp, rp2, patient, second_service):
    """An ID token got by single sign-on is itself one a service can assert."""
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
        second = rp2.validate_id_token(rp2.exchange(result["code"])["id_token"])
        back = _sso(rp, browser, asserted_login_identity(rp2, second["jti"]))
    assert "code" in back, back


def _service(party):
    from connected_services.models import Service

    return Service.objects.get(client_id=party.client_id)


def test_an_id_token_from_a_refresh_can_be_asserted_and_the_one_it_replaced_cannot(
    rp, rp2, patient, second_service
):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, tokens = _signed_in_at(rp, browser)
        refreshed = rp.validate_id_token(rp.refresh(tokens["refresh_token"])["id_token"])
        old = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
        assert old == {"error": "sso_login_required", "state": rp2.state}
        new = _sso(rp2, browser, asserted_login_identity(rp, refreshed["jti"]))
    assert "code" in new, new


def test_a_replayed_assertion_is_refused(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        assertion = asserted_login_identity(rp, first["jti"])
        assert "code" in _sso(rp2, browser, assertion)
        again = _sso(rp2, browser, assertion)
    assert again["error"] == "invalid_request"
    assert again["error_description"] == "asserted_login_identity has been used before"
    assert "code" not in again


def test_an_assertion_older_than_60_seconds_is_refused(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        now = int(time.time())
        stale = asserted_login_identity(rp, first["jti"], iat=now - 61, exp=now - 1)
        result = _sso(rp2, browser, stale)
    assert result["error"] == "invalid_request"
    assert result["error_description"] == "asserted_login_identity has expired"


def test_an_assertion_that_would_live_longer_than_60_seconds_is_refused(
    rp, rp2, patient, second_service
):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        now = int(time.time())
        long_lived = asserted_login_identity(rp, first["jti"], iat=now, exp=now + 3600)
        result = _sso(rp2, browser, long_lived)
    assert result["error"] == "invalid_request"
    assert "60 seconds" in result["error_description"]


def test_an_assertion_signed_with_another_key_is_refused(
    rp, rp2, patient, second_service, other_key
):
    """The second service cannot make an assertion in the first one's name."""
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        forged = asserted_login_identity(
            rp, first["jti"], key_pem=other_key.export_to_pem(True, None).decode()
        )
        result = _sso(rp2, browser, forged)
    assert result["error"] == "invalid_request"
    assert result["error_description"] == "asserted_login_identity signature does not verify"


def test_a_service_cannot_assert_an_id_token_it_was_not_given(rp, rp2, patient, second_service):
    """The second service learns the first one's ID token jti and signs with its own key: the
    token is not one issued to it, so nothing is carried over."""
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        result = _sso(rp2, browser, asserted_login_identity(rp2, first["jti"]))
    assert result == {"error": "sso_login_required", "state": rp2.state}


def test_a_service_taken_out_of_service_vouches_for_nobody(
    rp, rp2, patient, service, second_service
):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        service.is_live = False
        service.save()
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
    assert result["error"] == "invalid_request" and "code" not in result


def test_an_assertion_for_another_audience_is_refused(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        result = _sso(
            rp2, browser, asserted_login_identity(rp, first["jti"], aud="https://idp.example")
        )
        ours = _sso(rp2, browser, asserted_login_identity(rp, first["jti"], aud=rp.issuer))
    assert result["error"] == "invalid_request"
    assert result["error_description"] == "asserted_login_identity aud must be the issuer"
    assert "code" in ours, ours


def test_assertions_that_are_not_signed_jwts_are_refused(rp, rp2, patient, second_service):
    _used_before(patient, second_service)

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"iss": rp.client_id, "code": "x", "jti": "y", "iat": int(time.time())}
    unsigned = f"{b64({'alg': 'none'})}.{b64(claims)}."
    with rp.browser(patient) as browser:
        for bad in ("not-a-jwt", unsigned, "a.b.c"):
            result = _sso(rp2, browser, bad)
            assert result["error"] == "invalid_request", (bad, result)


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"jti": None}, "asserted_login_identity needs a jti"),
        ({"code": None}, "asserted_login_identity needs code: the jti of an ID token"),
        ({"iat": None}, "asserted_login_identity needs iat and exp"),
        ({"exp": None}, "asserted_login_identity needs iat and exp"),
        ({"iat": "in 600 s", "exp": "in 630 s"}, "not valid yet"),
        ({"iss": None}, "asserted_login_identity needs iss: the client_id that signed it"),
        ({"iss": "unknown-client"}, "asserted_login_identity is not from a service with a key"),
    ],
)
def test_an_assertion_missing_what_nhs_login_requires_is_refused(
    rp, rp2, patient, second_service, claims, description
):
    # Times are made when the test runs ("in 600 s"), not when the module is collected.
    claims = {
        name: int(time.time()) + int(value.split()[1])
        if isinstance(value, str) and value.startswith("in ")
        else value
        for name, value in claims.items()
    }
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"], **claims))
    assert result["error"] == "invalid_request"
    assert description in result["error_description"]


def test_an_rs256_assertion_is_accepted(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    now = int(time.time())
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        claims = {"iss": rp.client_id, "code": first["jti"], "jti": "j1", "iat": now}
        assertion = authlib_jwt.encode(
            {"alg": "RS256"}, {**claims, "exp": now + 60}, rp.key_pem
        ).decode()
        result = _sso(rp2, browser, assertion)
    assert "code" in result, result


def test_an_assertion_naming_another_patients_id_token_is_refused(rp, rp2, patient, second_service):
    """Another patient's sign-in (their assertion, stolen or sent by mistake) never carries
    over to the patient signed in in this browser, nor signs them out."""
    other = UserFactory()
    _used_before(patient, second_service)
    with rp.browser(other) as their_browser:
        theirs, _tokens = _signed_in_at(rp, their_browser)
    with rp.browser(patient) as browser:
        _signed_in_at(rp, browser)
        result = _sso(rp2, browser, asserted_login_identity(rp, theirs["jti"]))
    assert result == {"error": "sso_login_required", "state": rp2.state}
    refused = AuditEvent.objects.get(event=events.SINGLE_SIGN_ON_REFUSED)
    assert refused.user_id == other.pk
    assert refused.details["reason"] == "another_patient"
    assert not AuditEvent.objects.filter(event=events.SINGLE_SIGN_ON).exists()


def test_a_stolen_assertion_used_in_another_browser_is_refused(rp, rp2, patient, second_service):
    """Even where the same patient is signed in: only the session that signed in for the ID
    token carries it over (ADR 0067)."""
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
    assertion = asserted_login_identity(rp, first["jti"])
    with rp.browser(patient) as elsewhere:
        result = _sso(rp2, elsewhere, assertion)
    assert result == {"error": "sso_login_required", "state": rp2.state}
    refused = AuditEvent.objects.get(event=events.SINGLE_SIGN_ON_REFUSED)
    assert refused.details["reason"] == "another_session"


def test_an_assertion_in_a_browser_with_nobody_signed_in_gets_sso_login_required(
    rp, rp2, patient, second_service
):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
    with rp.browser() as nobody:
        result = _sso(rp2, nobody, asserted_login_identity(rp, first["jti"]))
        assert result == {"error": "sso_login_required", "state": rp2.state}
        plain = rp2.follow_to_service(nobody, rp2.authorization_url(vtr=P0, prompt="none"))
    assert plain["error"] == "login_required"  # OpenID Connect's answer without an assertion


def test_after_signing_out_the_assertion_carries_nothing_over(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        browser.get("/logout")
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
    assert result == {"error": "sso_login_required", "state": rp2.state}


def test_an_id_token_whose_tokens_were_revoked_carries_nothing_over(
    rp, rp2, patient, service, second_service
):
    """The patient stopped sharing with the first service: what it holds is revoked."""
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        services.withdraw_consent(patient, Consent.objects.get(user=patient, service=service))
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
    assert result == {"error": "sso_login_required", "state": rp2.state}


def test_a_suspended_patients_id_token_carries_nothing_over(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        patient.is_active = False
        patient.save()
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
    assert "code" not in result


def test_a_level_the_session_cannot_satisfy_gets_sso_login_required(
    rp, rp2, patient, second_service
):
    """A P0 sign-in does not carry over to a service asking for P9."""
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]), vtr=["P9.Cp.Cd"])
    assert result == {"error": "sso_login_required", "state": rp2.state}


def test_a_first_visit_to_the_second_service_still_needs_consent(rp, rp2, patient):
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]))
    assert result == {"error": "consent_required", "state": rp2.state}


def test_an_assertion_needs_prompt_none_or_login(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        url = rp2.authorization_url(
            vtr=P0, asserted_login_identity=asserted_login_identity(rp, first["jti"])
        )
        result = rp2.follow_to_service(browser, url, consent=None)
    assert result["error"] == "invalid_request"


# -- prompt=login with an assertion: the patient signs in again, and must be the one named ---


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _sign_in_again(client, user):
    """As the sign-in pages do once the patient has given their password and code."""
    from accounts.authentication import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = {
        "methods": ["Cd", "Cp"],
        "auth_time": int(time.time()) + 1,
        "remembered_browser": False,
    }
    session.save()


def _query(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def test_prompt_login_with_an_assertion_signs_the_named_patient_in_again(
    rp, rp2, patient, second_service
):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
    client = signed_in_client(patient)
    url = _path(
        rp2.authorization_url(
            vtr=P0,
            prompt="login",
            asserted_login_identity=asserted_login_identity(rp, first["jti"]),
        )
    )
    response = client.get(url)
    assert response["Location"].startswith("/account/sign-in/")
    _sign_in_again(client, patient)
    back = client.get(url)  # the same request: the assertion's jti is not checked twice
    assert "code" in _query(back), back["Location"]


def test_prompt_login_with_an_assertion_refuses_another_patient_signing_in(
    rp, rp2, patient, second_service
):
    other = UserFactory()
    _used_before(other, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
    client = signed_in_client(other)
    url = _path(
        rp2.authorization_url(
            vtr=P0,
            prompt="login",
            asserted_login_identity=asserted_login_identity(rp, first["jti"]),
        )
    )
    assert client.get(url)["Location"].startswith("/account/sign-in/")
    _sign_in_again(client, other)
    back = _query(client.get(url))
    assert back["error"] == "access_denied" and "code" not in back
    refused = AuditEvent.objects.get(event=events.SINGLE_SIGN_ON_REFUSED)
    assert refused.user_id == patient.pk and refused.details["reason"] == "another_patient"
    # Refused for them, not their choice: nothing says the other patient declined to share.
    assert not AuditEvent.objects.filter(event=events.CONSENT_DECLINED).exists()


def test_prompt_login_with_an_assertion_naming_no_valid_id_token_is_refused(rp2, patient):
    client = signed_in_client(patient)
    url = _path(
        rp2.authorization_url(
            vtr=P0, prompt="login", asserted_login_identity=asserted_login_identity(rp2, "nope")
        )
    )
    back = _query(client.get(url))
    assert back["error"] == "invalid_request"


# -- max_age -----------------------------------------------------------------------------------


def _signed_in_minutes_ago(user, minutes):
    from accounts.authentication import SESSION_KEY

    client = signed_in_client(user)
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "auth_time": int(time.time()) - minutes * 60}
    session.save()
    return client


def test_max_age_asks_a_patient_who_signed_in_too_long_ago_to_sign_in_again(rp, patient):
    _used_before(patient, _service(rp))
    client = _signed_in_minutes_ago(patient, 10)
    old = client.get(_path(rp.authorization_url(vtr=P0, max_age="300")))
    assert old["Location"].startswith("/account/sign-in/")
    _sign_in_again(client, patient)
    back = client.get(_path(rp.authorization_url(vtr=P0, max_age="300")))
    assert "code" in _query(back)


def test_max_age_with_prompt_none_answers_login_required(rp, patient):
    _used_before(patient, _service(rp))
    client = _signed_in_minutes_ago(patient, 10)
    silent = _query(client.get(_path(rp.authorization_url(vtr=P0, max_age="300", prompt="none"))))
    assert silent["error"] == "login_required"
    recent = _query(client.get(_path(rp.authorization_url(vtr=P0, max_age="3600", prompt="none"))))
    assert "code" in recent


def test_max_age_with_an_assertion_answers_sso_login_required(rp, rp2, patient, second_service):
    _used_before(patient, second_service)
    with rp.browser(patient) as browser:
        first, _tokens = _signed_in_at(rp, browser)
        time.sleep(2)
        result = _sso(rp2, browser, asserted_login_identity(rp, first["jti"]), max_age="1")
    assert result == {"error": "sso_login_required", "state": rp2.state}


def test_the_id_token_carries_auth_time_when_max_age_was_asked(rp, patient):
    token = rp.sign_in(patient, vtr=P0, max_age="600")
    claims = rp.validate_id_token(token["id_token"])
    assert abs(claims["auth_time"] - time.time()) < 60


@pytest.mark.parametrize("max_age", ["-1", "soon", "1.5", "١٢"])
def test_a_max_age_that_is_not_whole_seconds_is_refused(rp, patient, max_age):
    client = signed_in_client(patient)
    back = _query(client.get(_path(rp.authorization_url(vtr=P0, max_age=max_age))))
    assert back["error"] == "invalid_request"


# -- P0.Cp: a password alone ---------------------------------------------------------------------


def test_a_service_registered_for_p0_cp_gets_a_password_only_vector(issuer, rp_key, patient):
    service = make_service(rp_key, name="Find a pharmacy", allowed_vectors="P0.Cp P9.Cp.Cd")
    with RelyingParty(issuer, service.client_id, rp_key) as party:
        assert "P0.Cp" in party.metadata["vectors_of_trust_supported"]
        token = party.sign_in(patient, vtr=["P0.Cp"])
        assert party.validate_id_token(token["id_token"])["vot"] == "P0.Cp"


@pytest.mark.parametrize("vector", ["P5.Cp", "P9.Cp"])
def test_a_password_alone_never_vouches_for_a_proven_identity(
    issuer, rp_key, patient, service, vector
):
    with pytest.raises(ValidationError):
        make_service(rp_key, allowed_vectors=f"P0.Cp {vector}")
    prove(patient, "P9")
    client = signed_in_client(patient)
    with RelyingParty(issuer, service.client_id, rp_key) as party:
        back = _query(client.get(_path(party.authorization_url(vtr=[vector]))))
    assert back["error"] == "invalid_request"
