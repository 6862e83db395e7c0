"""The ``Cm`` component: a passkey sign-in satisfies ``…Cm`` vectors and only those (ADR 0015).

Passkey sign-ins are real ceremonies with a P-256 key (tests/accounts/passkeys.py).
"""

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.authentication import FORCE_CODE_SESSION_KEY, PASSKEY_ASKED_SESSION_KEY
from connected_services.models import Grant
from tests.accounts.passkeys import ORIGIN, RP_ID, SoftPasskey, add_passkey, sign_in_with_passkey
from tests.connected_services.identities import prove
from tests.connected_services.relying_party import REDIRECT_URI, form_fields, make_service
from tests.fixtures.sessions import signed_in_client


@pytest.fixture(autouse=True)
def _relying_party(settings):
    settings.OTP_WEBAUTHN_RP_ID = RP_ID
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [ORIGIN]


@pytest.fixture
def service(db, rp_key):
    return make_service(rp_key, allowed_vectors="P0.Cp.Cd P0.Cm P9.Cp.Cd P9.Cm")


@pytest.fixture
def passkey(patient):
    key = SoftPasskey()
    assert add_passkey(signed_in_client(patient), key).status_code == 200
    return key


def _url(service, vtr=("P0.Cm",), **extra):
    params = {
        "response_type": "code",
        "client_id": service.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "st",
        "nonce": "nn",
        **extra,
    }
    if vtr is not None:
        params["vtr"] = json.dumps(list(vtr))
    return f"/authorize?{urlencode(params)}"


def _query(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def _code(client, url) -> dict:
    """Authorize, agreeing to share when asked: the query the service gets back."""
    response = client.get(url)
    if response.status_code == 200:  # the consent page
        token = form_fields(response.content.decode())["request"]
        response = client.post("/authorize/consent", {"request": token, "decision": "yes"})
    assert response.status_code == 302, response.content[:500]
    return _query(response)


def _passkey_client(passkey) -> Client:
    client = Client()
    assert sign_in_with_passkey(client, passkey).status_code == 200
    return client


@pytest.mark.django_db
def test_after_a_passkey_sign_in_a_cm_vector_gives_vot_p0_cm(service, passkey):
    result = _code(_passkey_client(passkey), _url(service, vtr=["P0.Cm"]))
    assert Grant.objects.get(code=result["code"]).vot == "P0.Cm"


@pytest.mark.django_db
def test_the_default_vtr_after_a_passkey_sign_in_gives_p9_cm(service, patient, passkey):
    prove(patient, "P9")
    result = _code(_passkey_client(passkey), _url(service, vtr=None))
    assert Grant.objects.get(code=result["code"]).vot == "P9.Cm"


@pytest.mark.django_db
def test_after_password_and_code_a_cm_request_asks_for_a_passkey(service, patient, passkey):
    client = signed_in_client(patient)
    url = _url(service, vtr=["P0.Cm"])
    response = client.get(url)
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session[FORCE_CODE_SESSION_KEY] is True
    assert client.session[PASSKEY_ASKED_SESSION_KEY] is True
    sign_in_page = client.get(response["Location"]).content.decode()
    assert "asks you to sign in with a passkey" in sign_in_page

    # The passkey sign-in goes back to the authorization request in progress.
    signed_in = sign_in_with_passkey(client, passkey, next_url=url)
    assert signed_in.json()["redirect_url"] == url
    assert PASSKEY_ASKED_SESSION_KEY not in client.session
    result = _code(client, url)
    assert Grant.objects.get(code=result["code"]).vot == "P0.Cm"


@pytest.mark.django_db
def test_password_and_code_again_for_a_cm_request_is_access_denied(service, patient):
    client = signed_in_client(patient)
    url = _url(service, vtr=["P0.Cm"])
    response = client.get(url)
    assert response["Location"].startswith("/account/sign-in/")
    # Signs in with the password and a code again (the real pages), not a passkey.
    from tests.accounts.helpers import latest_code

    client.post(response["Location"], {"email": patient.email, "password": "correct horse battery"})
    client.post("/account/sign-in/security-code/", {"code": latest_code(patient.phone_number)})
    assert client.session["authentication"]["methods"] == ["Cd", "Cp"]
    assert _query(client.get(url))["error"] == "access_denied"


@pytest.mark.django_db
def test_prompt_none_after_password_and_code_is_login_required(service, patient):
    client = signed_in_client(patient)
    response = client.get(_url(service, vtr=["P0.Cm"], prompt="none"))
    assert _query(response)["error"] == "login_required"


@pytest.mark.django_db
def test_a_passkey_does_not_satisfy_cp_cd(service, passkey):
    client = _passkey_client(passkey)
    response = client.get(_url(service, vtr=["P0.Cp.Cd"]))
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session[FORCE_CODE_SESSION_KEY] is True
    assert PASSKEY_ASKED_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_a_cm_vector_not_registered_for_the_client_is_refused(rp_key, passkey):
    service = make_service(rp_key, allowed_vectors="P0.Cp.Cd")
    response = _passkey_client(passkey).get(_url(service, vtr=["P0.Cm"]))
    assert _query(response)["error"] == "invalid_request"


@pytest.mark.django_db(transaction=True)
def test_the_id_token_says_vot_p0_cm_and_discovery_advertises_cm(rp, patient, passkey):
    assert "P0.Cm" in rp.metadata["vectors_of_trust_supported"]
    client = _passkey_client(passkey)
    with rp.browser() as browser:
        browser.cookies.set(
            django_settings.SESSION_COOKIE_NAME,
            client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        )
        result = rp.follow_to_service(browser, rp.authorization_url(vtr=["P0.Cm"]))
        trustmark = browser.get(rp.metadata["vtm"]).json()
    assert "Cm" in trustmark["C"]
    token = rp.exchange(result["code"])
    claims = rp.validate_id_token(token["id_token"], nonce=rp.nonce)
    assert claims["vot"] == "P0.Cm"
    assert claims["sub"] == str(patient.sub)
