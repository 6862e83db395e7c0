"""GOV.UK One Login: link, sign in, unlink, and the ways to cheat, with the real client code
talking over HTTP to the fake One Login on a live server (issue 18)."""

import time

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.test import Client

from accounts.models import User
from accounts.one_login import events
from accounts.one_login.fake import _sub
from core.models import AuditEvent
from tests.accounts.one_login import (
    IDENTITY,
    authorization_request,
    choose,
    fake_one_login,  # noqa: F401  (a fixture)
    outcome_of,
    round_trip,
)
from tests.connected_services.identities import prove
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fake_one_login")]

LINK = "/account/one-login/link/"
SIGN_IN = "/account/one-login/sign-in/"


def link(user, account="ffion@example.com"):
    return SocialAccount.objects.create(
        user=user, provider="one_login", uid=_sub(account), extra_data={}
    )


def test_a_p9_patient_links_one_login_and_nothing_personal_is_kept():
    user = prove(UserFactory(), "P9")
    client = signed_in_client(user)
    params = authorization_request(client.post(LINK))
    # Only a sign-in is asked for (the login is P9 already), with a nonce and a state.
    assert params["vtr"] == '["Cl.Cm"]' and "claims" not in params
    assert params["nonce"] and params["state"] and params["scope"] == "openid"
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    response = client.get(choose(client, params))
    assert outcome_of(response) == "linked"
    (account,) = SocialAccount.objects.filter(user=user)
    assert account.uid == _sub("ffion@example.com") and account.extra_data == {}
    assert AuditEvent.objects.filter(event=events.LINKED, user=user).exists()
    assert "Linked" in client.get("/account/").content.decode()


def test_signing_in_with_a_linked_one_login_counts_as_password_and_code():
    user = prove(UserFactory(), "P9")
    link(user)
    client = Client()
    response = round_trip(client, SIGN_IN, next_url="/account/activity/")
    assert outcome_of(response) == "/account/activity/"
    session = client.session
    assert int(session["_auth_user_id"]) == user.pk
    assert session["authentication"]["methods"] == ["Cd", "Cp"]
    assert AuditEvent.objects.filter(event=events.SIGNED_IN, user=user).exists()
    user.refresh_from_db()
    assert user.last_login is not None
    # allauth saves a linked account's data on each sign-in: nothing from One Login is in it.
    assert SocialAccount.objects.get(user=user).extra_data == {}


def test_an_unlinked_one_login_never_creates_an_nhs_login():
    before = User.objects.count()
    client = Client()
    response = round_trip(client, SIGN_IN, account="stranger@example.com")
    assert outcome_of(response) == "not_linked"
    assert User.objects.count() == before
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "is not linked to an NHS login" in page and "We have not made an NHS login" in page


def test_a_suspended_login_cannot_sign_in_and_is_not_told_not_linked():
    user = prove(UserFactory(), "P9")
    link(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()
    response = round_trip(client, SIGN_IN)
    assert outcome_of(response) == "cannot_sign_in"
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event=events.SIGN_IN_REFUSED, user=user).exists()


def test_a_one_login_linked_to_another_nhs_login_cannot_be_linked_again():
    owner = prove(UserFactory(), "P9")
    link(owner)
    other = prove(UserFactory(), "P9", nhs_number="9434765919")
    client = signed_in_client(other)
    response = round_trip(client, LINK)
    assert outcome_of(response) == "linked_elsewhere"
    assert list(SocialAccount.objects.values_list("user_id", flat=True)) == [owner.pk]
    # Both owners can read that it was tried.
    assert AuditEvent.objects.filter(event=events.LINK_REFUSED, user=owner).exists()
    assert AuditEvent.objects.filter(event=events.LINK_REFUSED, user=other).exists()


def test_a_login_linked_to_one_account_cannot_link_a_second():
    user = prove(UserFactory(), "P9")
    link(user, "first@example.com")
    client = signed_in_client(user)
    # A P9 login already linked is sent back to the settings page; a P5 one may go (to prove).
    assert client.post(LINK)["Location"] == "/account/one-login/"
    User.objects.filter(pk=user.pk).update(proofing_level="P5")
    response = round_trip(client, LINK, account="second@example.com")
    assert outcome_of(response) == "already_linked"
    assert SocialAccount.objects.get(user=user).uid == _sub("first@example.com")


def test_unlinking_stops_sign_in_with_one_login():
    user = prove(UserFactory(), "P9")
    link(user)
    client = signed_in_client(user)
    assert "Remove the link" in client.get("/account/one-login/remove/").content.decode()
    response = client.post("/account/one-login/remove/")
    assert response["Location"] == "/account/one-login/"
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(event=events.UNLINKED, user=user).exists()
    user.refresh_from_db()
    assert user.proofing_level == "P9"  # the level stays
    assert outcome_of(round_trip(Client(), SIGN_IN)) == "not_linked"


def test_a_replayed_callback_is_refused():
    user = prove(UserFactory(), "P9")
    link(user)
    client = Client()
    params = authorization_request(client.post(SIGN_IN))
    callback = choose(client, params)
    assert outcome_of(client.get(callback)) == "/account/"
    # The same answer again, in the same browser or another: the state was used.
    assert outcome_of(client.get(callback)) == "failed"
    thief = Client()
    assert outcome_of(thief.get(callback)) == "failed"
    assert "_auth_user_id" not in thief.session


def test_a_callback_for_a_state_from_another_browser_is_refused():
    user = prove(UserFactory(), "P9")
    link(user)
    victim = Client()
    params = authorization_request(victim.post(SIGN_IN))
    attacker = Client()
    authorization_request(attacker.post(SIGN_IN))  # the attacker has a state of their own
    assert outcome_of(attacker.get(choose(victim, params))) == "failed"
    assert "_auth_user_id" not in attacker.session


@pytest.mark.parametrize(
    "fault", ["id_token_wrong_nonce", "id_token_wrong_signature", "id_token_no_second_factor"]
)
def test_a_bad_id_token_signs_nobody_in(fault):
    user = prove(UserFactory(), "P9")
    link(user)
    client = Client()
    response = round_trip(client, SIGN_IN, fault=fault)
    assert outcome_of(response) == "failed"
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(event=events.SIGNED_IN).exists()
    assert AuditEvent.objects.filter(event=events.FAILED).exists()


def test_cancelling_at_one_login_changes_nothing():
    client = Client()
    params = authorization_request(client.post(SIGN_IN))
    response = client.post("/fake-one-login/authorize", {**params, "cancel": "1"})
    assert outcome_of(client.get(response["Location"].split("testserver")[1])) == "cancelled"


def test_linking_needs_a_fresh_sign_in_with_password_and_code():
    user = prove(UserFactory(), "P9")
    client = signed_in_client(user)
    session = client.session
    session["authentication"]["auth_time"] = int(time.time()) - 3600
    session.save()
    response = client.post(LINK)
    assert response["Location"].startswith("/account/sign-in/?next=")
    assert not SocialAccount.objects.exists()


def test_the_sign_in_page_offers_one_login():
    page = Client().get("/account/sign-in/").content.decode()
    assert 'action="/account/one-login/sign-in/"' in page
    assert "Sign in with GOV.UK One Login" in page


def test_the_pages_say_what_will_be_taken_before_going():
    client = signed_in_client(UserFactory())
    page = client.get(LINK).content.decode()
    assert "What we will take from GOV.UK One Login" in page
    assert "your name and date of birth" in page and "your postcode" in page
    assert "We do not take your email address" in page


def test_the_sign_in_start_takes_no_get():
    assert Client().get(SIGN_IN).status_code == 405


def test_the_fake_token_endpoint_refuses_a_client_assertion_from_another_key():
    import httpx
    from jwcrypto import jwk, jwt

    key = jwk.JWK.generate(kty="RSA", size=2048)
    now = int(time.time())
    forged = jwt.JWT(
        header={"alg": "RS256"},
        claims={
            "iss": "nhs-login-development",
            "sub": "nhs-login-development",
            "aud": f"{settings.ONE_LOGIN_URL}/token",
            "exp": now + 60,
            "jti": "x",
        },
    )
    forged.make_signed_token(key)
    response = httpx.post(
        f"{settings.ONE_LOGIN_URL}/token",
        data={
            "grant_type": "authorization_code",
            "code": "anything",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": forged.serialize(),
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_the_fake_token_endpoint_refuses_a_replayed_client_assertion():
    import httpx

    from accounts.one_login.client import ASSERTION_TYPE, client_assertion

    assertion = client_assertion("nhs-login-development", f"{settings.ONE_LOGIN_URL}/token")
    data = {
        "grant_type": "authorization_code",
        "code": "unknown",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    first = httpx.post(f"{settings.ONE_LOGIN_URL}/token", data=data)
    assert first.json()["error"] == "invalid_grant"  # the assertion was good, the code not
    second = httpx.post(f"{settings.ONE_LOGIN_URL}/token", data=data)
    assert second.status_code == 401
    assert "replayed" in second.json()["error_description"]


def test_identity_is_not_the_default_for_a_sign_in():
    params = authorization_request(Client().post(SIGN_IN))
    assert params["vtr"] == '["Cl.Cm"]' and "claims" not in params
    assert IDENTITY["account"]  # the helpers' identity is only sent when asked


def test_download_my_data_includes_the_link():
    from accounts.services.data_rights import data_about

    user = prove(UserFactory(), "P9")
    assert data_about(user)["gov_uk_one_login"] is None
    link(user)
    data = data_about(user)["gov_uk_one_login"]
    assert data["identifier"] == _sub("ffion@example.com")
    assert data["linked"] and data["last_used_to_sign_in"] is None


def test_support_see_the_link_and_remove_it_with_a_reason():
    from tests.accounts.test_support_desk import LIST, act, make_support_staff
    from tests.verification.gp_online.helpers import staff_client

    user = prove(UserFactory(), "P9")
    link(user)
    staff = make_support_staff()
    support = staff_client(staff)
    assert "GOV.UK One Login (linked)" in support.get(f"{LIST}{user.pk}/change/").content.decode()
    # No reason: nothing changes.
    response = support.post(f"{LIST}{user.pk}/act/", {"action": "remove_one_login"})
    assert response.status_code == 200 and SocialAccount.objects.exists()
    act(support, user, "remove_one_login", reason="suspected_fraud")
    assert not SocialAccount.objects.exists()
    removed = AuditEvent.objects.get(event=events.REMOVED_BY_SUPPORT, user=user)
    assert removed.actor == staff and removed.details["reason"] == "suspected_fraud"
    # Again: a clear message, nothing to remove.
    response = act(support, user, "remove_one_login")
    assert "not linked to a GOV.UK One Login" in response.content.decode()
    assert outcome_of(round_trip(Client(), SIGN_IN)) == "not_linked"


def _start_up(code: str, **environment):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("ONE_LOGIN_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        ENVIRONMENT="production",
        SECRET_KEY="a-production-secret-key-for-this-start-up-test-only-0123456789abcdef",
        FIELD_ENCRYPTION_KEYS="bm90LWEtcmVhbC1rZXktZGV2ZWxvcG1lbnQtb25seTA=",
        NOTIFY_API_KEY="test-key",
        PDS_FHIR_BASE_URL="https://pds.example/FHIR/R4",
        PDS_FHIR_ACCESS_TOKEN="token",
        DCS_URL="https://dcs.example",
        PASSWORD_HASH_COST="owasp",
        **environment,
    )
    # Production's document checking service needs its files to start: any readable file
    # will do here (settings only check they are there).
    dummy = str(Path(__file__))
    for name in (
        "DCS_CLIENT_SIGNING_KEY_FILE",
        "DCS_CLIENT_SIGNING_CERT_FILE",
        "DCS_CLIENT_ENCRYPTION_KEY_FILE",
        "DCS_SIGNING_CERT_FILE",
        "DCS_ENCRYPTION_CERT_FILE",
        "DCS_TLS_CLIENT_CERT_FILE",
        "DCS_TLS_CLIENT_KEY_FILE",
    ):
        env[name] = dummy
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_has_one_login_off_and_never_the_fake():
    result = _start_up(
        "from django.conf import settings as s; "
        "print(s.ONE_LOGIN_ENABLED, s.FAKE_ONE_LOGIN_ENABLED)",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_production_with_one_login_needs_a_key_and_https(tmp_path):
    refused = _start_up("", ONE_LOGIN_ENABLED="True")
    assert refused.returncode != 0
    assert "ONE_LOGIN_URL must be set" in refused.stderr
    key = tmp_path / "key.pem"
    key.write_text("not really a key")
    plain_http = _start_up(
        "",
        ONE_LOGIN_ENABLED="True",
        ONE_LOGIN_URL="http://oidc.example",
        ONE_LOGIN_CLIENT_ID="nhs-login",
        ONE_LOGIN_IDENTITY_ISSUER="https://identity.example/",
        ONE_LOGIN_PRIVATE_KEY_FILE=str(key),
    )
    assert "ONE_LOGIN_URL must be an https:// URL in production" in plain_http.stderr
    no_key = _start_up(
        "",
        ONE_LOGIN_ENABLED="True",
        ONE_LOGIN_URL="https://oidc.example",
        ONE_LOGIN_CLIENT_ID="nhs-login",
        ONE_LOGIN_IDENTITY_ISSUER="https://identity.example/",
    )
    assert "ONE_LOGIN_ENABLED needs ONE_LOGIN_PRIVATE_KEY_FILE" in no_key.stderr


def test_one_login_not_answering_gets_a_clear_page(settings):
    settings.ONE_LOGIN_URL = "http://127.0.0.1:9/fake-one-login"  # nothing listens there
    response = Client().post(SIGN_IN)
    assert outcome_of(response) == "one_login_unavailable"
    assert "GOV.UK One Login is not working" in Client().get(response["Location"]).content.decode()


def test_a_callback_with_no_request_of_ours_is_refused():
    client = Client()
    response = client.get("/account/one-login/callback/?code=anything&state=made-up")
    assert outcome_of(response) == "failed"
    assert "_auth_user_id" not in client.session


def test_the_fake_refuses_another_client_or_redirect_uri():
    client = Client()
    params = authorization_request(client.post(SIGN_IN))
    for bad in (
        {"client_id": "someone-else"},
        {"redirect_uri": "https://attacker.example/account/one-login/callback/"},
    ):
        response = client.get("/fake-one-login/authorize", {**params, **bad})
        assert response.status_code == 400  # a page, never a redirect to the bad address
        assert "request refused" in response.content.decode()


def test_the_fake_userinfo_needs_a_good_bearer_token():
    import httpx

    response = httpx.get(
        f"{settings.ONE_LOGIN_URL}/userinfo", headers={"Authorization": "Bearer made-up"}
    )
    assert response.status_code == 401 and "invalid_token" in response.headers["WWW-Authenticate"]


def test_a_staff_login_neither_links_nor_signs_in_with_one_login():
    staff = UserFactory(is_staff=True)
    assert signed_in_client(staff).post(LINK).status_code == 404
    link(staff)  # however it came to be linked
    client = Client()
    assert outcome_of(round_trip(client, SIGN_IN)) == "cannot_sign_in"
    assert "_auth_user_id" not in client.session


def test_a_code_taken_on_its_way_back_is_no_use_without_our_pkce_verifier():
    from urllib.parse import parse_qs, urlsplit

    import httpx

    from accounts.one_login.client import ASSERTION_TYPE, client_assertion

    client = Client()
    params = authorization_request(client.post(SIGN_IN))
    code = parse_qs(urlsplit(choose(client, params)).query)["code"][0]
    token_url = f"{settings.ONE_LOGIN_URL}/token"
    response = httpx.post(
        token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": params["redirect_uri"],
            "code_verifier": "not-the-verifier-our-session-holds-0123456789abcdef",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion("nhs-login-development", token_url),
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_keys_one_login_rotated_are_fetched_again():
    from django.core.cache import cache
    from jwcrypto import jwk

    user = prove(UserFactory(), "P9")
    link(user)
    old = jwk.JWK.generate(kty="RSA", size=2048, kid="retired")
    jwks_url = f"{settings.ONE_LOGIN_URL}/.well-known/jwks.json"
    cache.set(f"one-login-keys:{jwks_url}", {"keys": [old.export_public(as_dict=True)]}, 300)
    assert outcome_of(round_trip(Client(), SIGN_IN)) == "/account/"
