import pytest
from django.core.management import call_command

from accounts.models import User
from tests.fixtures.sessions import signed_in_client
from verification import demographics
from verification.demo_idchecks import (
    CHECKER_EMAIL,
    PATIENT_EMAIL,
    TRACE_PATIENT_EMAIL,
    TRACE_RECORD,
    TRACE_WRONG_NHS_NUMBER,
)
from verification.demographics.types import Outcome, TraceQuery

pytestmark = pytest.mark.django_db


def test_the_demo_patient_can_start_photo_id_and_the_checker_sees_the_queue():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # idempotent

    patient = User.objects.get(email=PATIENT_EMAIL)
    response = signed_in_client(patient).get("/prove-who-you-are/")
    assert "Prove who you are with photo ID" in response.content.decode()

    checker = User.objects.get(email=CHECKER_EMAIL)
    assert signed_in_client(checker).get("/prove-who-you-are/id-checks/").status_code == 200
    assert signed_in_client(patient).get("/prove-who-you-are/id-checks/").status_code == 403


def test_the_demo_patient_for_the_route_after_a_failed_trace_fails_p5_but_can_be_traced():
    call_command("seed_demo", verbosity=0)
    patient = User.objects.get(email=TRACE_PATIENT_EMAIL)
    assert patient.proofing_level == "P0"
    born, postcode = TRACE_RECORD["birth_date"], TRACE_RECORD["postcode"]
    by_wrong_number = TraceQuery(
        birth_date=born, postcode=postcode, nhs_number=TRACE_WRONG_NHS_NUMBER
    )
    assert demographics.trace(by_wrong_number).outcome is Outcome.NO_MATCH
    by_name = TraceQuery(
        birth_date=born,
        postcode=postcode,
        given_name=TRACE_RECORD["given_name"],
        family_name=TRACE_RECORD["family_name"],
    )
    assert demographics.trace(by_name).outcome is Outcome.MATCHED
    page = signed_in_client(patient).get("/prove-who-you-are/").content.decode()
    assert "Prove who you are with photo ID" in page
