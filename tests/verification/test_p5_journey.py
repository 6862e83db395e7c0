"""The P5 journey through Django's test client: steps, outcomes, limits, what is stored."""

import datetime

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from tests.verification.factories import SyntheticPatientFactory
from verification.models import Identity, Nation, TraceAttempt
from verification.uplift import SESSION_KEY as UPLIFT_KEY

pytestmark = pytest.mark.django_db

NHS_NUMBER = reverse("verification:p5:nhs_number")
NAME = reverse("verification:p5:name")
DOB = reverse("verification:p5:date_of_birth")
POSTCODE = reverse("verification:p5:postcode")
BORN = {"birth_date_0": "14", "birth_date_1": "2", "birth_date_2": "1990"}


@pytest.fixture
def user():
    return UserFactory(phone_number="+447700900001")


@pytest.fixture
def client(user):
    return signed_in_client(user)


def by_number(client, nhs_number, born=BORN, postcode="cf10 1ep"):
    assert client.post(NHS_NUMBER, {"nhs_number": nhs_number}).url == DOB
    assert client.post(DOB, born).url == POSTCODE
    return client.post(POSTCODE, {"postcode": postcode})


def by_name(client, given, family, born=BORN, postcode="CF10 1EP"):
    assert client.post(NAME, {"given_name": given, "family_name": family}).url == DOB
    assert client.post(DOB, born).url == POSTCODE
    return client.post(POSTCODE, {"postcode": postcode})


def test_the_hub_offers_the_p5_route_to_a_p0_patient(client):
    page = client.get(reverse("verification:start")).content.decode()
    assert NHS_NUMBER in page


def test_it_makes_a_patient_p5_when_their_nhs_number_matches_one_record(client, user):
    patient = SyntheticPatientFactory()
    response = by_number(
        client, f"{patient.nhs_number[:3]} {patient.nhs_number[3:6]}-{patient.nhs_number[6:]}"
    )
    assert response.url == reverse("verification:p5:matched")
    page = client.get(response.url).content.decode()
    assert "You have proved who you are" in page
    assert patient.nhs_number not in page  # the traced NHS number is never shown
    user.refresh_from_db()
    assert user.proofing_level == "P5"
    identity = Identity.objects.get(user=user)
    assert identity.nhs_number == patient.nhs_number
    assert Identity.for_nhs_number(patient.nhs_number).get() == identity
    assert (identity.given_name, identity.family_name) == ("Ffion", "Hughes")
    assert identity.birth_date == datetime.date(1990, 2, 14)
    assert identity.postcode == "CF10 1EP"
    assert identity.nation == Nation.WALES
    assert identity.gp_ods_code == "W97001"
    assert identity.phone_number_pds_matched is True
    events = set(AuditEvent.objects.filter(user=user).values_list("event", flat=True))
    assert {"identity.trace_matched", "identity.level_changed"} <= events
    level_event = AuditEvent.objects.get(user=user, event="identity.level_changed")
    assert level_event.details["route"] == "demographics trace"
    for event in AuditEvent.objects.filter(user=user):
        assert patient.nhs_number not in str(event.details)


def test_the_nhs_number_is_encrypted_at_rest(client, user):
    from django.db import connection

    patient = SyntheticPatientFactory()
    by_number(client, patient.nhs_number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nhs_number FROM verification_identity")
        (stored,) = cursor.fetchone()
    assert patient.nhs_number not in stored


def test_it_does_not_mark_the_phone_matched_when_the_record_has_another_mobile(client, user):
    patient = SyntheticPatientFactory(mobile="07700900999")
    by_number(client, patient.nhs_number)
    assert Identity.objects.get(user=user).phone_number_pds_matched is False


def test_it_makes_a_patient_p5_by_name_whatever_the_case_and_accents(client, user):
    SyntheticPatientFactory(given_name="Seán", family_name="O'Brien", postcode="BT1 5GS")
    response = by_name(client, "SEAN", "o\u2019brien", postcode="bt15gs")
    assert response.url == reverse("verification:p5:matched")
    user.refresh_from_db()
    assert user.proofing_level == "P5"
    identity = Identity.objects.get(user=user)
    assert identity.nation == Nation.NORTHERN_IRELAND
    assert identity.given_name == "Seán"


@pytest.mark.parametrize("case", ["no_match", "multiple", "restricted"])
def test_no_match_several_and_restricted_look_the_same(client, user, case):
    if case == "multiple":
        SyntheticPatientFactory(given_name="Sam Alex")
        SyntheticPatientFactory(given_name="Sam Jordan")
        response = by_name(client, "Sam", "Hughes")
    elif case == "restricted":
        patient = SyntheticPatientFactory(restricted=True)
        response = by_number(client, patient.nhs_number)
    else:
        patient = SyntheticPatientFactory()
        response = by_number(client, patient.nhs_number, postcode="CF10 1EQ")
    assert response.url == reverse("verification:p5:not_matched")
    page = client.get(response.url).content.decode()
    assert "We could not prove who you are with these details" in page
    assert reverse("verification:start") in page  # the ways to prove it at a high level
    for word in ("postcode is", "date of birth is", "restricted", "more than one"):
        assert word not in page.lower()
    user.refresh_from_db()
    assert user.proofing_level == "P0"
    assert not Identity.objects.filter(user=user).exists()
    attempt = TraceAttempt.objects.get(user=user)
    assert attempt.outcome == case


def test_it_refuses_an_nhs_number_failing_modulus_11_before_any_trace(client, user):
    response = client.post(NHS_NUMBER, {"nhs_number": "943 476 5918"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This is not a valid NHS number" in page
    assert "There is a problem" in page
    assert not TraceAttempt.objects.exists()
    assert client.get(DOB).url == NHS_NUMBER  # nothing was kept: sent back


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (NHS_NUMBER, {"nhs_number": ""}, "Enter your NHS number"),
        (NHS_NUMBER, {"nhs_number": "94347"}, "NHS number must be 10 numbers"),
        (NHS_NUMBER, {"nhs_number": "94347A5919"}, "NHS number must only include numbers"),
        (NAME, {"given_name": "", "family_name": "Hughes"}, "Enter your first name"),
        (NAME, {"given_name": "Ffion", "family_name": "Hugh3s"}, "Last name must only include"),
    ],
)
def test_bad_input_gets_a_clear_message(client, url, data, message):
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    # Screen reader users hear first that the page has an error (GOV.UK and NHS.UK pattern).
    assert "<title>Error: " in page


def test_bad_dates_and_postcodes_get_a_clear_message(client):
    client.post(NHS_NUMBER, {"nhs_number": "9434765919"})
    response = client.post(DOB, {"birth_date_0": "31", "birth_date_1": "2", "birth_date_2": "1990"})
    assert "must be a real date" in response.content.decode()
    response = client.post(DOB, {"birth_date_0": "", "birth_date_1": "", "birth_date_2": ""})
    assert "Enter your date of birth" in response.content.decode()
    client.post(DOB, BORN)
    response = client.post(POSTCODE, {"postcode": "12345"})
    assert "Enter a real postcode" in response.content.decode()
    assert not TraceAttempt.objects.exists()


def test_a_patient_who_jumps_ahead_is_sent_back(client):
    assert client.get(POSTCODE).url == NHS_NUMBER
    assert client.get(DOB).url == NHS_NUMBER
    assert client.get(reverse("verification:p5:matched")).url == NHS_NUMBER
    client.post(NAME, {"given_name": "Ffion", "family_name": "Hughes"})
    assert client.get(DOB).status_code == 200
    assert client.get(POSTCODE).url == DOB
    assert client.post(POSTCODE, {"postcode": "CF10 1EP"}).url == DOB
    assert not TraceAttempt.objects.exists()


def test_the_answers_leave_the_session_when_the_trace_matches(client):
    patient = SyntheticPatientFactory()
    assert by_number(client, patient.nhs_number).url == reverse("verification:p5:matched")
    assert patient.nhs_number not in str(dict(client.session))
    assert "1990-02-14" not in str(dict(client.session))


def test_try_again_after_no_match_shows_what_the_patient_typed(client):
    patient = SyntheticPatientFactory()
    response = by_number(client, patient.nhs_number, postcode="CF10 1EQ")
    assert response.url == reverse("verification:p5:not_matched")
    page = client.get(response.url).content.decode()
    assert f'href="{NHS_NUMBER}">Try again' in page
    assert f'value="{patient.nhs_number}"' in client.get(NHS_NUMBER).content.decode()
    page = client.get(DOB).content.decode()
    assert 'value="14"' in page and 'value="2"' in page and 'value="1990"' in page
    assert 'value="CF10 1EQ"' in client.get(POSTCODE).content.decode()
    # Correcting one answer and tracing again works from the kept ones.
    assert client.post(POSTCODE, {"postcode": "CF10 1EP"}).url == reverse("verification:p5:matched")
    assert patient.nhs_number not in str(dict(client.session))


def test_try_again_after_a_name_trace_opens_the_name_question_filled_in(client):
    by_name(client, "Ffion", "Hughes", postcode="CF10 1EQ")
    page = client.get(reverse("verification:p5:not_matched")).content.decode()
    assert f'href="{NAME}">Try again' in page
    page = client.get(NAME).content.decode()
    assert 'value="Ffion"' in page and 'value="Hughes"' in page


def test_signing_out_forgets_the_answers(client, user):
    patient = SyntheticPatientFactory()
    by_number(client, patient.nhs_number, postcode="CF10 1EQ")
    client.post(reverse("accounts:sign_out"))
    client = signed_in_client(user)
    assert patient.nhs_number not in client.get(NHS_NUMBER).content.decode()
    assert client.get(DOB).url == NHS_NUMBER


def test_a_patient_outside_the_nations_served_is_told_nhs_login_is_not_for_them(client, user):
    patient = SyntheticPatientFactory(postcode="JE2 4WE", gp_ods_code="")
    response = by_number(client, patient.nhs_number, postcode="je24we")
    assert response.url == reverse("verification:p5:not_eligible")
    assert "NHS login is not for you" in client.get(response.url).content.decode()
    user.refresh_from_db()
    assert user.proofing_level == "P0"
    assert not Identity.objects.filter(user=user).exists()


def test_it_allows_5_tries_in_24_hours_then_shows_a_clear_page(client, user):
    patient = SyntheticPatientFactory()
    for _ in range(5):
        assert by_number(client, patient.nhs_number, postcode="CF10 1EQ").url.endswith("/no-match/")
    limited = reverse("verification:p5:too_many_attempts")
    assert client.get(NHS_NUMBER).url == limited
    page = client.get(limited).content.decode()
    assert "You have tried too many times" in page
    assert reverse("verification:start") in page
    # Even the right details are not traced now.
    assert client.post(POSTCODE, {"postcode": "CF10 1EP"}).url == limited
    assert TraceAttempt.objects.filter(user=user).count() == 5
    user.refresh_from_db()
    assert user.proofing_level == "P0"


def test_tries_older_than_24_hours_no_longer_count(client, user):
    patient = SyntheticPatientFactory()
    for _ in range(5):
        by_number(client, patient.nhs_number, postcode="CF10 1EQ")
    day_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=24, minutes=1)
    TraceAttempt.objects.update(created_at=day_ago)
    assert by_number(client, patient.nhs_number).url == reverse("verification:p5:matched")


def test_the_limit_is_per_account(client):
    patient = SyntheticPatientFactory()
    for _ in range(5):
        by_number(client, patient.nhs_number, postcode="CF10 1EQ")
    other = signed_in_client(UserFactory())
    assert other.get(NHS_NUMBER).status_code == 200


def test_an_nhs_number_already_proved_by_another_login_is_not_matched_again(client, user):
    patient = SyntheticPatientFactory()
    first = signed_in_client(UserFactory())
    assert by_number(first, patient.nhs_number).url == reverse("verification:p5:matched")
    assert by_number(client, patient.nhs_number).url == reverse("verification:p5:not_matched")
    user.refresh_from_db()
    assert user.proofing_level == "P0"


def test_a_p5_patient_is_not_taken_through_again(client, user):
    user.proofing_level = "P5"
    user.save()
    assert client.get(NHS_NUMBER).url == reverse("verification:start")


def test_a_patient_sent_by_a_service_for_p5_goes_back_to_it_when_matched(client, user):
    patient = SyntheticPatientFactory()
    session = client.session
    session[UPLIFT_KEY] = {"target": "P5", "return_to": "/authorize?client_id=abc"}
    session.save()
    assert "Go back to the service" in client.get(NHS_NUMBER).content.decode()
    response = by_number(client, patient.nhs_number)
    assert response.url == "/authorize?client_id=abc"
    assert UPLIFT_KEY not in client.session


def test_a_patient_sent_for_p9_carries_on_after_p5(client, user):
    patient = SyntheticPatientFactory()
    session = client.session
    session[UPLIFT_KEY] = {"target": "P9", "return_to": "/authorize?client_id=abc"}
    session.save()
    response = by_number(client, patient.nhs_number)
    assert response.url == reverse("verification:p5:matched")
    page = client.get(response.url).content.decode()
    assert "Prove who you are to a high level" in page
    assert "Go back to the service" in page


def test_failure_pages_offer_the_way_back_to_the_service(client):
    session = client.session
    session[UPLIFT_KEY] = {"target": "P5", "return_to": "/authorize?client_id=abc"}
    session.save()
    response = by_number(client, "9434765919")
    page = client.get(response.url).content.decode()
    assert reverse("verification:cancel") in page
    assert client.post(reverse("verification:cancel")).url == "/authorize?client_id=abc"


def test_the_pages_need_a_signed_in_patient():
    from django.test import Client

    response = Client().get(NHS_NUMBER)
    assert response.status_code == 302
    assert "/account/" in response.url


def test_the_no_match_page_says_how_many_tries_are_left(client):
    by_number(client, "9434765919")
    page = client.get(reverse("verification:p5:not_matched")).content.decode()
    assert "You can try 4 more times today" in page


def test_a_trace_pds_cannot_answer_does_not_count_and_keeps_the_answers(client, user, settings):
    settings.DEMOGRAPHICS_BACKEND = "pds-fhir"
    settings.PDS_FHIR_BASE_URL = "http://127.0.0.1:9/FHIR/R4"  # nothing listens there
    settings.PDS_FHIR_TIMEOUT = 1
    response = by_number(client, "9434765919")
    assert response.status_code == 200
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert not TraceAttempt.objects.exists()
    page = client.get(POSTCODE)
    assert page.status_code == 200
    assert "CF10 1EP" in page.content.decode()
    user.refresh_from_db()
    assert user.proofing_level == "P0"


def test_two_traces_at_once_cannot_pass_the_limit(client, user, monkeypatch):
    from verification.p5 import services
    from verification.p5.state import P5State

    patient = SyntheticPatientFactory()
    for _ in range(4):
        by_number(client, patient.nhs_number, postcode="CF10 1EQ")
    # A fifth trace is under way (its attempt is taken) when a sixth arrives, having passed
    # the first check just before the fifth took its attempt.
    TraceAttempt.objects.create(user=user, by="nhs_number", outcome="unavailable")
    monkeypatch.setattr(services, "is_limited", lambda user: False)
    state = P5State(nhs_number=patient.nhs_number, birth_date="1990-02-14", postcode="CF10 1EP")
    assert services.prove_with_trace(user, state) == services.LIMITED
    assert TraceAttempt.objects.filter(user=user).count() == 5
