"""GP online registration details reach a connected service allowed them, and only then."""

from django.test import RequestFactory

from accounts.services import set_proofing_level
from connected_services.models import Service
from tests.verification.gp_online.helpers import (
    give_identity,
    make_details,
    make_practice,
    make_registered_patient,
)
from verification.gp_online import services as gp_services


def _prove_with_gp_details(user):
    practice = make_practice()
    record = make_registered_patient(practice)
    give_identity(user, record)
    set_proofing_level(user, "P5", route="demographics trace")
    details, key = make_details(record)
    request = RequestFactory().post("/")
    request.user = user
    request.session = {}
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    outcome = gp_services.use_details(
        request, account_id=details.account_id, linkage_key=key, ods_code=practice.ods_code
    )
    user.refresh_from_db()
    assert user.proofing_level == "P9", outcome
    return details


def test_a_service_allowed_gp_credentials_receives_the_details_the_patient_used(
    rp, service, patient
):
    details = _prove_with_gp_details(patient)
    Service.objects.filter(pk=service.pk).update(allow_gp_integration_credentials=True)

    tokens = rp.sign_in(patient, scope="openid gp_integration_credentials", vtr=["P9.Cp.Cd"])
    claims = rp.userinfo(tokens["access_token"]).json()

    assert claims["gp_user_id"] == details.account_id
    assert claims["gp_linkage_key"] == details.linkage_key
    assert claims["gp_ods_code"] == details.ods_code


def test_revoked_details_are_no_longer_released(rp, service, patient):
    details = _prove_with_gp_details(patient)
    Service.objects.filter(pk=service.pk).update(allow_gp_integration_credentials=True)
    gp_services.revoke_details(details, staff=None)

    tokens = rp.sign_in(patient, scope="openid gp_integration_credentials", vtr=["P9.Cp.Cd"])
    claims = rp.userinfo(tokens["access_token"]).json()

    assert "gp_user_id" not in claims
    assert "gp_linkage_key" not in claims
