"""The services catalogue, and 'services you have used' with withdrawing consent."""

import datetime

import pytest
from django.utils import timezone

from connected_services.models import Consent, Service
from tests.connected_services.identities import prove
from tests.connected_services.relying_party import make_service
from tests.fixtures.sessions import signed_in_client


@pytest.fixture
def services(db, rp_key):
    return {
        "everyone": make_service(
            rp_key, name="Find a pharmacy", allowed_vectors="P0.Cp.Cd", url="https://a.example/"
        ),
        "p9": make_service(rp_key, name="GP record", allowed_vectors="P9.Cp.Cd"),
        "adults": make_service(
            rp_key, name="Adult service", allowed_vectors="P5.Cp.Cd", minimum_age=16
        ),
        "wales": make_service(
            rp_key, name="Welsh service", allowed_vectors="P0.Cp.Cd", nations=["wales"]
        ),
        "offline": make_service(
            rp_key, name="Not live yet", allowed_vectors="P0.Cp.Cd", is_live=False
        ),
    }


def _names(response):
    import re

    return set(re.findall(r"nhsuk-card__heading[^>]*>([^<]+)<", response.content.decode()))


def test_a_p0_patient_sees_all_nation_services_and_the_step_to_take(services, patient):
    response = signed_in_client(patient).get("/services/")
    assert _names(response) == {"Find a pharmacy", "GP record", "Adult service"}
    html = response.content.decode()
    assert "Go to Find a pharmacy" in html
    assert "Prove who you are to use GP record" in html
    assert "/prove-who-you-are/" in html
    assert "be 16 or over" in html


def test_a_patient_in_wales_sees_welsh_services(services, patient):
    prove(patient, "P9", nation="wales")
    response = signed_in_client(patient).get("/services/")
    assert "Welsh service" in _names(response)
    assert "Prove who you are" not in response.content.decode()


def test_a_patient_in_scotland_does_not_see_welsh_services(services, patient):
    prove(patient, "P9", nation="scotland")
    assert "Welsh service" not in _names(signed_in_client(patient).get("/services/"))


def test_services_under_the_patients_minimum_age_are_not_offered(services, patient):
    twelve = timezone.localdate() - datetime.timedelta(days=365 * 12 + 10)
    prove(patient, "P9", birth_date=twelve)
    names = _names(signed_in_client(patient).get("/services/"))
    assert "Adult service" not in names and "GP record" in names


def test_the_catalogue_needs_sign_in(services, client):
    assert client.get("/services/")["Location"].startswith("/account/sign-in/")


def test_services_you_have_used_show_what_was_shared_and_can_be_withdrawn(services, patient):
    service = services["everyone"]
    consent = Consent.objects.create(
        user=patient,
        service=service,
        claims=["email", "phone_number"],
        scopes=["openid", "email", "phone"],
        level="P0",
        granted_at=timezone.now(),
        last_used_at=timezone.now(),
    )
    client = signed_in_client(patient)
    page = client.get("/services/used/")
    html = page.content.decode()
    assert "Find a pharmacy" in html
    assert "your email address, your mobile phone number" in html
    response = client.post(f"/services/used/{consent.pk}/stop-sharing/")
    assert response["Location"] == "/services/used/"
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    after = client.get("/services/used/").content.decode()
    assert "You have stopped sharing your information with Find a pharmacy" in after
    assert "Stop sharing with Find a pharmacy" not in after


def test_a_patient_cannot_withdraw_someone_elses_consent(services, patient):
    from tests.factories import UserFactory

    other = UserFactory()
    consent = Consent.objects.create(
        user=other, service=services["everyone"], level="P0", granted_at=timezone.now()
    )
    response = signed_in_client(patient).post(f"/services/used/{consent.pk}/stop-sharing/")
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_services_offered_in_all_nations_by_default(db, rp_key):
    service = make_service(rp_key)
    assert set(service.nations) == {
        "england",
        "wales",
        "scotland",
        "northern_ireland",
        "isle_of_man",
    }
    assert Service.objects.offered_in(None) == [service]
