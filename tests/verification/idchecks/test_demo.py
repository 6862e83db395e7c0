import pytest
from django.core.management import call_command

from accounts.models import User
from tests.fixtures.sessions import signed_in_client
from verification.demo_idchecks import CHECKER_EMAIL, PATIENT_EMAIL

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
