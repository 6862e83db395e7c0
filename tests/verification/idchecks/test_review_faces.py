"""The faces the face match compared, for the checker holding the check only, audited; and
the status page's own endpoint, which says the patient's status and nothing else."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.conftest import genuine_check
from tests.verification.idchecks.test_review import checker
from verification.idchecks import services
from verification.models import IdCheck

pytestmark = pytest.mark.django_db


def crop_url(check, side):
    return reverse("verification:review_face", args=[check.pk, side])


def test_the_checker_holding_the_check_sees_both_faces_and_each_look_is_audited(p5_patient, submit):
    check = submit(genuine_check(p5_patient))  # the fast track is off: a person decides
    assert check.status == IdCheck.Status.AWAITING_REVIEW
    holder = checker()
    services.take_next(holder)
    client = signed_in_client(holder)
    for side in ("document", "live"):
        response = client.get(crop_url(check, side))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response.content.startswith(b"\xff\xd8") and response["Cache-Control"].startswith(
            "no-store"
        )
    assert AuditEvent.objects.filter(event="idcheck.media_viewed", actor=holder).count() == 2
    assert client.get(crop_url(check, "elsewhere")).status_code == 404


def test_no_one_else_sees_the_faces(p5_patient, submit):
    check = submit(genuine_check(p5_patient))
    services.take_next(checker())
    other_checker = signed_in_client(checker())
    assert other_checker.get(crop_url(check, "document")).status_code == 404
    assert signed_in_client(p5_patient).get(crop_url(check, "document")).status_code == 403
    assert not AuditEvent.objects.filter(event="idcheck.media_viewed").exists()


def test_the_status_endpoint_says_the_patients_own_status_only(p5_patient, submit, client):
    check = submit(genuine_check(p5_patient))
    url = reverse("verification:idcheck_status_now")
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    response = signed_in_client(p5_patient).get(url)
    assert response.json() == {"status": check.status}
    assert response["Cache-Control"] == "no-store"
    stranger = signed_in_client(checker())
    assert stranger.get(url).json() == {"status": None}
