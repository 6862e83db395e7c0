"""The ``Ck`` component: a password and an authenticator app's code satisfy ``…Cp.Ck`` vectors
(ADR 0016). Codes are real TOTP codes from the device's key."""

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.authentication import FORCE_CODE_SESSION_KEY
from accounts.models import AuthenticatorApp
from connected_services.models import Grant
from tests.accounts.helpers import latest_code, sent_to
from tests.accounts.test_authenticator_app import APP_SIGN_IN, PASSWORD, code_for, set_up_app
from tests.connected_services.relying_party import REDIRECT_URI, form_fields, make_service
from tests.fixtures.sessions import signed_in_client

CODE_PAGE = "/account/sign-in/security-code/"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def service(db, rp_key):
    return make_service(rp_key, allowed_vectors="P0.Cp.Cd P0.Cp.Ck P0.Cm P9.Cp.Cd P9.Cp.Ck")


@pytest.fixture
def app(patient):
    device = set_up_app(signed_in_client(patient))
    AuthenticatorApp.objects.filter(pk=device.pk).update(last_t=-1)  # set up earlier
    device.refresh_from_db()
    return device


def _url(service, vtr=("P0.Cp.Ck",), **extra):
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
    response = client.get(url)
    if response.status_code == 200:  # the consent page
        token = form_fields(response.content.decode())["request"]
        response = client.post("/authorize/consent", {"request": token, "decision": "yes"})
    assert response.status_code == 302, response.content[:500]
    return _query(response)


def _sign_in(client, patient, next_url):
    return client.post(
        f"/account/sign-in/?{urlencode({'next': next_url})}",
        {"email": patient.email, "password": PASSWORD},
    )


def _next(response) -> str:
    """Where the sign-in the provider sent the patient to goes on to (what a browser follows)."""
    return parse_qs(urlsplit(response["Location"]).query)["next"][0]


def _app_client(patient, app, next_url="/account/") -> Client:
    client = Client()
    assert _sign_in(client, patient, next_url).url == APP_SIGN_IN
    assert client.post(APP_SIGN_IN, {"code": code_for(app)}).status_code == 302
    assert client.session["authentication"]["methods"] == ["Ck", "Cp"]
    return client


@pytest.mark.django_db
def test_a_ck_request_signed_in_with_the_app_gives_vot_p0_cp_ck(service, patient, app):
    url = _url(service)
    client = Client()
    response = client.get(url)
    assert response["Location"].startswith("/account/sign-in/")
    assert "asks for a security code from an authenticator app" in (
        client.get(response["Location"]).content.decode()
    )
    assert _sign_in(client, patient, url).url == APP_SIGN_IN
    response = client.post(APP_SIGN_IN, {"code": code_for(app)})
    assert response.url == url
    result = _code(client, url)
    assert Grant.objects.get(code=result["code"]).vot == "P0.Cp.Ck"


@pytest.mark.django_db
def test_the_default_vtr_after_an_app_sign_in_gives_p9_cp_ck(service, patient, app):
    from tests.connected_services.identities import prove

    prove(patient, "P9")
    result = _code(_app_client(patient, app), _url(service, vtr=None))
    assert Grant.objects.get(code=result["code"]).vot == "P9.Cp.Ck"


@pytest.mark.django_db
def test_after_password_and_text_code_a_ck_request_asks_for_the_app(service, patient, app):
    client = signed_in_client(patient)
    url = _url(service)
    response = client.get(url)
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session[FORCE_CODE_SESSION_KEY] is True
    assert client.session["second_factor_asked"] == "Ck"
    assert _sign_in(client, patient, _next(response)).url == APP_SIGN_IN
    assert client.post(APP_SIGN_IN, {"code": code_for(app)}).url == _next(response)
    assert "second_factor_asked" not in client.session
    assert Grant.objects.get(code=_code(client, url)["code"]).vot == "P0.Cp.Ck"


@pytest.mark.django_db
def test_a_ck_request_for_a_patient_without_an_app_is_access_denied(service, patient):
    client = signed_in_client(patient)
    url = _url(service)
    response = client.get(url)
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session["second_factor_asked"] == "Ck"
    assert _sign_in(client, patient, _next(response)).url == CODE_PAGE
    page = client.get(CODE_PAGE).content.decode()
    assert "asks for a security code from an authenticator app" in page
    client.post(CODE_PAGE, {"code": latest_code(patient.phone_number)})
    assert client.session["authentication"]["methods"] == ["Cd", "Cp"]
    assert _query(client.get(url))["error"] == "access_denied"


@pytest.mark.django_db
def test_a_cd_request_after_an_app_sign_in_sends_a_text(service, patient, app):
    client = _app_client(patient, app)
    url = _url(service, vtr=["P0.Cp.Cd"])
    response = client.get(url)
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session["second_factor_asked"] == "Cd"
    texts = len(sent_to(patient.phone_number))
    assert _sign_in(client, patient, _next(response)).url == CODE_PAGE
    assert len(sent_to(patient.phone_number)) == texts + 1
    client.post(CODE_PAGE, {"code": latest_code(patient.phone_number)})
    assert Grant.objects.get(code=_code(client, url)["code"]).vot == "P0.Cp.Cd"


@pytest.mark.django_db
def test_an_app_sign_in_does_not_satisfy_cm(service, patient, app):
    client = _app_client(patient, app)
    response = client.get(_url(service, vtr=["P0.Cm"]))
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session["passkey_asked"] is True


@pytest.mark.django_db(transaction=True)
def test_the_id_token_says_vot_p0_cp_ck_and_discovery_advertises_ck(rp, patient, app):
    # ``rp`` is registered with this module's ``service`` (P0.Cp.Ck among its vectors).
    assert "P0.Cp.Ck" in rp.metadata["vectors_of_trust_supported"]
    assert "P9.Cp.Ck" in rp.metadata["vectors_of_trust_supported"]
    client = _app_client(patient, app)
    with rp.browser() as browser:
        browser.cookies.set(
            django_settings.SESSION_COOKIE_NAME,
            client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        )
        result = rp.follow_to_service(browser, rp.authorization_url(vtr=["P0.Cp.Ck"]))
        trustmark = browser.get(rp.metadata["vtm"]).json()
    assert "Ck" in trustmark["C"]
    token = rp.exchange(result["code"])
    claims = rp.validate_id_token(token["id_token"], nonce=rp.nonce)
    assert claims["vot"] == "P0.Cp.Ck"


@pytest.mark.django_db
def test_what_a_service_asked_for_holds_only_for_its_own_request(service, patient, app):
    """A patient who gives up on a service that asked for a text, or for a passkey, and signs
    in from the home page instead, signs in as usual: with the app, and no passkey message."""
    client = _app_client(patient, app)
    client.get(_url(service, vtr=["P0.Cp.Cd"]))  # asks for a text; the patient gives up
    assert client.session["second_factor_asked"] == "Cd"
    assert _sign_in(client, patient, "/account/").url == APP_SIGN_IN  # not a text

    client = signed_in_client(patient)
    response = client.get(_url(service, vtr=["P0.Cm"]))  # asks for a passkey; given up
    passkey_asked = "asks you to sign in with a passkey"
    assert passkey_asked not in client.get("/account/sign-in/").content.decode()
    assert passkey_asked in client.get(response["Location"]).content.decode()
