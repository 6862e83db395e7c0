"""Sign-in, re-authentication, step-up (uplift) and consent inside an authorization."""

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from accounts.authentication import FORCE_CODE_SESSION_KEY
from accounts.services import set_proofing_level
from connected_services.models import Consent
from tests.connected_services.identities import prove
from tests.connected_services.relying_party import REDIRECT_URI, form_fields
from tests.fixtures.sessions import signed_in_client


@pytest.fixture(autouse=True)
def _issuer(settings):
    settings.OIDC_ISSUER = "http://testserver"


def _url(service, vtr=("P0.Cp.Cd",), scope="openid", **extra):
    params = {
        "response_type": "code",
        "client_id": service.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "st",
        "nonce": "nn",
        "vtr": json.dumps(list(vtr)),
        **extra,
    }
    return f"/authorize?{urlencode(params)}"


def _query(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def _consent(client, response, decision="yes"):
    token = form_fields(response.content.decode())["request"]
    return client.post("/authorize/consent", {"request": token, "decision": decision})


def test_a_signed_out_patient_is_sent_to_sign_in_and_back(service):
    response = Client().get(_url(service))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/account/sign-in/")
    assert parse_qs(urlsplit(location).query)["next"][0].startswith("/authorize?")


def test_first_use_asks_for_consent_then_not_again(service, patient):
    client = signed_in_client(patient)
    page = client.get(_url(service, scope="openid email"))
    assert page.status_code == 200
    assert b"Share your information with Book a test" in page.content
    assert b"your email address" in page.content
    done = _consent(client, page)
    assert _query(done)["code"]
    consent = Consent.objects.get(user=patient, service=service)
    assert consent.claims == ["email"] and consent.level == "P0"
    again = client.get(_url(service, scope="openid email"))
    assert again.status_code == 302 and "code=" in again["Location"]


def test_consent_is_asked_again_for_new_data_or_a_higher_level(service, patient):
    client = signed_in_client(patient)
    _consent(client, client.get(_url(service)))
    assert client.get(_url(service, scope="openid email")).status_code == 200
    _consent(client, client.get(_url(service, scope="openid email")))
    prove(patient, "P5")
    page = client.get(_url(service, vtr=["P5.Cp.Cd"], scope="openid email"))
    assert page.status_code == 200 and b"Share your information" in page.content


def test_consent_without_an_answer_shows_an_error_and_changes_nothing(service, patient):
    client = signed_in_client(patient)
    page = client.get(_url(service))
    token = form_fields(page.content.decode())["request"]
    response = client.post("/authorize/consent", {"request": token})
    assert response.status_code == 400
    assert b"Select yes if you agree to share this information" in response.content
    assert b"nhsuk-error-summary" in response.content
    assert not Consent.objects.filter(user=patient).exists()


def test_a_tampered_consent_form_is_refused(service, patient):
    client = signed_in_client(patient)
    response = client.post("/authorize/consent", {"request": "forged", "decision": "yes"})
    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_prompt_login_forces_password_and_code_again(service, patient):
    client = signed_in_client(patient)
    response = client.get(_url(service, prompt="login"))
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session.get(FORCE_CODE_SESSION_KEY) is True
    assert "_auth_user_id" not in client.session
    # The patient signs in again (as the sign-in pages would), then comes back.
    _sign_in_again(client, patient)
    back = client.get(_url(service, prompt="login"))
    assert back.status_code == 200  # the consent page: no second sign-in loop


def _sign_in_again(client, user, methods=("Cp", "Cd")):
    import time

    from accounts.authentication import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = {
        "methods": sorted(methods),
        "auth_time": int(time.time()) + 1,
        "remembered_browser": False,
    }
    session.save()


def test_weaker_authentication_than_the_vector_needs_signs_in_again(service, patient):
    client = signed_in_client(patient, methods=("Cp",))
    response = client.get(_url(service))
    assert response["Location"].startswith("/account/sign-in/")
    assert client.session.get(FORCE_CODE_SESSION_KEY) is True
    _sign_in_again(client, patient, methods=("Cp", "Cd"))
    assert client.get(_url(service)).status_code == 200


def test_still_too_weak_after_signing_in_again_is_access_denied(service, patient):
    prove(patient, "P9")
    client = signed_in_client(patient, methods=("Cp", "Cd"))
    response = client.get(_url(service, vtr=["P9.Cm"]))
    assert response["Location"].startswith("/account/sign-in/")
    _sign_in_again(client, patient, methods=("Cp", "Cd"))
    denied = client.get(_url(service, vtr=["P9.Cm"]))
    assert _query(denied)["error"] == "access_denied"


def test_a_p0_patient_is_taken_to_prove_who_they_are_and_back(service, patient):
    client = signed_in_client(patient)
    url = _url(service, vtr=["P5.Cp.Cd"], scope="openid basic_demographics")
    response = client.get(url)
    assert response["Location"] == "/prove-who-you-are/"
    uplift = client.session["uplift"]
    assert uplift["target"] == "P5"
    hub = client.get("/prove-who-you-are/")
    assert hub.status_code == 200
    # The P5 journey succeeds (built elsewhere): the level rises and the patient returns.
    prove(patient, "P5")
    back = client.get(uplift["return_to"])
    assert back.status_code == 200 and b"Share your information" in back.content
    done = _consent(client, back)
    assert _query(done)["code"]
    from connected_services.models import Grant

    assert Grant.objects.get(code=_query(done)["code"]).vot == "P5.Cp.Cd"


def test_a_p5_patient_asked_for_p9_is_sent_to_the_p9_journey(service, patient):
    prove(patient, "P5")
    client = signed_in_client(patient)
    client.get(_url(service, vtr=["P9.Cp.Cd"]))
    assert client.session["uplift"]["target"] == "P9"


def test_abandoning_uplift_sends_access_denied(service, patient):
    client = signed_in_client(patient)
    client.get(_url(service, vtr=["P5.Cp.Cd"]))
    back = client.post("/prove-who-you-are/cancel/")
    assert back["Location"].startswith("/authorize?")
    denied = client.get(back["Location"])
    result = _query(denied)
    assert result["error"] == "access_denied" and result["state"] == "st"


def test_failing_uplift_sends_access_denied(service, patient):
    client = signed_in_client(patient)
    client.get(_url(service, vtr=["P9.Cp.Cd"]))
    return_to = client.session["uplift"]["return_to"]
    set_proofing_level(patient, "P5", route="demographics trace")  # still short of P9
    assert _query(client.get(return_to))["error"] == "access_denied"


def test_the_highest_satisfied_vector_is_reported(service, patient):
    prove(patient, "P9")
    client = signed_in_client(patient)
    page = client.get(_url(service, vtr=["P0.Cp.Cd", "P9.Cp.Cd"]))
    done = _consent(client, page)
    from connected_services.models import Grant

    assert Grant.objects.get(code=_query(done)["code"]).vot == "P9.Cp.Cd"


def test_default_vtr_uses_the_registered_vectors(service, patient):
    prove(patient, "P9")
    client = signed_in_client(patient)
    page = client.get(_url(service).replace("&vtr=%5B%22P0.Cp.Cd%22%5D", ""))
    assert page.status_code == 200
    done = _consent(client, page)
    from connected_services.models import Grant

    assert Grant.objects.get(code=_query(done)["code"]).vot == "P9.Cp.Cd"


def test_authorize_accepts_post(service, patient):
    client = signed_in_client(patient)
    params = dict(parse_qs(urlsplit(_url(service)).query))
    response = client.post("/authorize", {k: v[0] for k, v in params.items()})
    assert response.status_code == 200 and b"Share your information" in response.content


def test_signing_in_to_a_service_is_audited(service, patient):
    from core.models import AuditEvent

    client = signed_in_client(patient)
    _consent(client, client.get(_url(service)))
    events = set(AuditEvent.objects.filter(user=patient).values_list("event", flat=True))
    assert {"connected_services.consent_given", "connected_services.signed_in"} <= events


def test_allow_registration_false_is_passed_to_the_sign_in_pages(service):
    client = Client()
    client.get(_url(service, allow_registration="false"))
    assert client.session["oidc_allow_registration"] is False
    other = Client()
    other.get(_url(service))
    assert other.session["oidc_allow_registration"] is True


def test_a_suspended_patients_code_cannot_be_exchanged(service, patient):
    from connected_services.oidc.validator import NHSLoginValidator

    client = signed_in_client(patient)
    code = _query(_consent(client, client.get(_url(service))))["code"]
    patient.is_active = False
    patient.save()

    from oauthlib.common import Request
    from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

    with pytest.raises(InvalidGrantError, match="no longer valid"):
        NHSLoginValidator().validate_code(service.client_id, code, service, Request("/token"))


def test_a_new_password_asked_by_support_comes_before_the_service_then_the_journey_goes_on(
    service, patient
):
    """The support desk asked for a new password: a connected service's sign-in goes to the
    change password page first, and after the change on to the service, not the account page."""
    patient.password_change_required = True
    patient.save(update_fields=["password_change_required"])
    client = signed_in_client(patient)
    authorize = _url(service)
    response = client.get(authorize)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/account/password/"
    assert parse_qs(location.query)["next"] == [authorize]
    changed = client.post(
        response["Location"],
        {"current_password": "correct horse battery", "password": "a quite different long one"},
    )
    assert changed.status_code == 302 and changed["Location"] == authorize
    assert client.get(authorize).status_code == 200  # the consent page: the journey goes on


def test_a_new_password_page_never_sends_a_patient_to_another_site(patient):
    patient.password_change_required = True
    patient.save(update_fields=["password_change_required"])
    client = signed_in_client(patient)
    changed = client.post(
        "/account/password/?next=//evil.example/",
        {"current_password": "correct horse battery", "password": "a quite different long one"},
    )
    assert changed.status_code == 302 and changed["Location"] == "/account/"
