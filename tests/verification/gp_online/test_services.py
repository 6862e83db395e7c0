"""Creating, revoking and reissuing details, as practice staff would."""

import datetime

import pytest
from django.utils import timezone

from core.models import AuditEvent
from tests.verification.gp_online.helpers import make_practice, make_registered_patient, make_staff
from verification.gp_online import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient():
    return make_registered_patient(make_practice())


def test_new_details_last_90_days_by_default(patient):
    details = services.create_details(patient, staff=None)
    expected = timezone.now() + datetime.timedelta(days=90)
    assert abs(details.expires_at - expected) < datetime.timedelta(minutes=1)
    assert details.ods_code == "A12345"
    assert details.status == "current"


def test_the_expiry_is_a_setting(patient, settings):
    settings.GP_ONLINE_DETAILS_EXPIRY_DAYS = 7
    details = services.create_details(patient, staff=None)
    assert details.expires_at < timezone.now() + datetime.timedelta(days=8)


def test_account_ids_and_keys_are_random_and_readable(patient):
    keys = {services.new_linkage_key() for _ in range(500)}
    assert len(keys) == 500
    assert not set("".join(keys)) & set("01OIL")
    details = services.create_details(patient, staff=None)
    assert details.account_id.isdigit()
    assert len(details.account_id) == 10


def test_new_details_revoke_the_current_ones(patient):
    staff = make_staff(patient.practice)
    first = services.create_details(patient, staff=staff)
    second = services.create_details(patient, staff=staff)
    first.refresh_from_db()
    assert first.status == "revoked"
    assert first.revoked_by == staff
    assert second.is_current


def test_reissue_revokes_the_old_details_and_links_the_new(patient):
    staff = make_staff(patient.practice)
    old = services.create_details(patient, staff=staff)
    new = services.reissue_details(old, staff=staff)
    old.refresh_from_db()
    assert old.status == "revoked"
    assert new.replaces == old
    assert new.account_id != old.account_id
    assert new.linkage_key != old.linkage_key
    events = list(AuditEvent.objects.filter(actor=staff).values_list("event", flat=True))
    assert events.count("gp_online.details_revoked") == 1
    assert "gp_online.details_reissued" in events


def test_revoking_twice_changes_nothing(patient):
    details = services.create_details(patient, staff=None)
    assert services.revoke_details(details, staff=None) is True
    assert services.revoke_details(details, staff=None) is False


def test_typed_codes_are_normalised():
    assert services.normalise_code(" abcde-fghjk mnpqr ") == "ABCDEFGHJKMNPQR"
    assert services.format_linkage_key("ABCDEFGHJKMNPQR") == "ABCDE FGHJK MNPQR"
