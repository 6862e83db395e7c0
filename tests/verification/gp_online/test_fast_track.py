"""The fast track: a P5 patient whose verified mobile matches their GP record."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.factories import UserFactory
from tests.fixtures.sessions import signed_in_client
from tests.verification.gp_online.helpers import (
    give_identity,
    make_details,
    make_practice,
    make_registered_patient,
)
from verification.gp_online.services import gp_integration_credentials

pytestmark = pytest.mark.django_db

URL = reverse("verification:gp_online_fast_track")


@pytest.fixture
def registered():
    return make_registered_patient(make_practice(), mobile_number="+447700900555")


def test_a_matching_p5_patient_is_offered_and_takes_the_fast_track(registered):
    user = UserFactory(proofing_level="P5", phone_number="+447700900555")
    give_identity(user, registered)
    _details, key = make_details(registered)
    client = signed_in_client(user)
    assert URL in client.get(reverse("verification:start")).content.decode()
    assert "Riverside Surgery" in client.get(URL).content.decode()
    response = client.post(URL)
    assert response["Location"] == reverse("verification:gp_online_done")
    user.refresh_from_db()
    assert user.proofing_level == "P9"
    event = AuditEvent.objects.get(event="identity.level_changed", user=user)
    assert event.details["route"] == "fast track"
    assert gp_integration_credentials(user)["gp_linkage_key"] == key


@pytest.mark.parametrize(
    "case",
    ["different_mobile", "unverified_mobile", "no_details", "p0", "revoked"],
)
def test_others_are_not_offered_the_fast_track(registered, case):
    from django.utils import timezone

    user = UserFactory(
        proofing_level="P0" if case == "p0" else "P5",
        phone_number="+447700900999" if case == "different_mobile" else "+447700900555",
        phone_verified=case != "unverified_mobile",
    )
    if case != "p0":
        give_identity(user, registered)
    if case != "no_details":
        make_details(registered, **({"revoked_at": timezone.now()} if case == "revoked" else {}))
    client = signed_in_client(user)
    assert URL not in client.get(reverse("verification:start")).content.decode()
    assert client.get(URL)["Location"] == reverse("verification:start")
    client.post(URL)
    user.refresh_from_db()
    assert user.proofing_level == ("P0" if case == "p0" else "P5")
