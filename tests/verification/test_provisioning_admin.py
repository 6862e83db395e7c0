"""Practice staff ask for logins in Django admin, scoped to their practice (ADR 0050, 0065)."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages

from accounts.models import User
from core.models import AuditEvent
from tests.verification.gp_online.helpers import make_practice, make_staff, staff_client
from tests.verification.provisioning_helpers import (
    EMAIL,
    NHS_NUMBER,
    link_emails,
    make_organisation,
    make_pds_patient,
    pds_answering_503,
)
from verification import demographics
from verification.models import ProvisioningOrganisation, ProvisionRequest

pytestmark = pytest.mark.django_db

ADD = f"/{settings.ADMIN_URL}verification/provisionrequest/add/"
LIST = f"/{settings.ADMIN_URL}verification/provisionrequest/"

FORM = {
    "nhs_number": "900 000 0009",
    "given_name": "Sam",
    "family_name": "Jones",
    "birth_date": "14/03/1980",
    "postcode": "ls1 4ap",
    "email": EMAIL,
    "mobile": "07700 900123",
}


@pytest.fixture
def organisation():
    make_pds_patient()
    return make_organisation()


@pytest.fixture
def staff(organisation):
    return staff_client(make_staff(organisation.practice))


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_staff_submit_a_patient_and_the_patient_is_emailed(staff, organisation):
    assert staff.get(ADD).status_code == 200
    response = staff.post(ADD, FORM)
    assert response.status_code == 302
    assert "We have emailed the patient a link" in _messages(response)[0]
    row = ProvisionRequest.objects.get()
    assert (row.organisation, row.state, row.nhs_number) == (organisation, "sent", NHS_NUMBER)
    assert row.submitted_by is not None
    assert len(link_emails()) == 1
    listing = staff.get(LIST).content.decode()
    assert str(row.public_id)[:8].upper() in listing
    assert "Jones" not in listing and NHS_NUMBER not in listing


def test_staff_are_told_the_same_whether_or_not_the_patient_has_a_login(staff):
    first = staff.post(ADD, FORM, follow=True).content.decode()
    User.objects.create_user(EMAIL, "purple elephant kettle")
    second = staff.post(ADD, FORM, follow=True).content.decode()
    assert "We have emailed the patient a link" in first
    message = first.split('class="success"')[1].split("</li>")[0]
    assert message == second.split('class="success"')[1].split("</li>")[0]


def test_details_that_do_not_match_show_an_error_and_send_nothing(staff):
    response = staff.post(ADD, {**FORM, "mobile": "07700 900999"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "do not match one NHS record" in page
    assert 'value="07700 900999"' in page  # what staff typed is kept
    assert not link_emails()


def test_bad_input_is_explained_on_the_form(staff):
    response = staff.post(ADD, {**FORM, "nhs_number": "1234567890", "postcode": "nowhere"})
    page = response.content.decode()
    assert "Enter a valid 10-digit NHS number" in page
    assert "Enter a real postcode" in page
    assert not ProvisionRequest.objects.exists()


def test_pds_down_keeps_the_details_and_counts_nothing(staff, monkeypatch):
    monkeypatch.setattr(demographics, "backend", pds_answering_503)
    response = staff.post(ADD, FORM)
    page = response.content.decode()
    assert "We could not check the NHS record just now" in page
    assert 'value="Jones"' in page
    assert not ProvisionRequest.objects.exists()


def test_staff_of_a_practice_not_registered_cannot_submit(organisation):
    other = staff_client(make_staff(make_practice(ods_code="B99999", name="Hillside")))
    assert other.get(ADD).status_code == 403
    assert other.post(ADD, FORM).status_code == 403
    assert not ProvisionRequest.objects.exists()


def test_staff_of_a_disabled_organisation_cannot_submit(staff, organisation):
    ProvisioningOrganisation.objects.filter(pk=organisation.pk).update(enabled=False)
    assert staff.post(ADD, FORM).status_code == 403
    assert not ProvisionRequest.objects.exists()


def test_staff_see_only_their_own_practices_requests(staff, organisation):
    staff.post(ADD, FORM)
    row = ProvisionRequest.objects.get()
    other_org = make_organisation(name="Hillside Surgery", ods_code="B99999")
    other = staff_client(make_staff(other_org.practice))
    assert str(row.public_id)[:8].upper() not in other.get(LIST).content.decode()
    url = f"{LIST}{row.pk}/change/"
    assert staff.get(url).status_code == 200
    assert other.get(url).status_code in (302, 404)
    assert "Jones" not in staff.get(url).content.decode()


def test_staff_cannot_register_or_change_organisations(staff, organisation):
    url = f"/{settings.ADMIN_URL}verification/provisioningorganisation/{organisation.pk}/change/"
    response = staff.post(url, {"name": "Renamed", "ods_code": "A12345", "enabled": "on"})
    organisation.refresh_from_db()
    assert organisation.name != "Renamed"
    assert response.status_code in (200, 403)


def test_a_superuser_registers_an_organisation_and_it_is_audited():
    admin_user = User.objects.create_superuser("root@example.com", "correct horse battery")
    client = staff_client(admin_user)
    practice = make_practice(ods_code="C12345", name="Meadow Practice")
    url = f"/{settings.ADMIN_URL}verification/provisioningorganisation/add/"
    response = client.post(
        url, {"name": "Meadow Practice", "ods_code": "c12345", "practice": practice.pk,
              "enabled": "on"}
    )  # fmt: skip
    assert response.status_code == 302
    assert ProvisioningOrganisation.objects.get().ods_code == "C12345"
    assert AuditEvent.objects.filter(event="provisioning.organisation_changed").exists()
    # A practice's ODS code must be its own.
    other = make_practice(ods_code="D12345", name="Dale")
    response = client.post(url, {"name": "Dale", "ods_code": "Z99999", "practice": other.pk})
    assert response.status_code == 200
    assert ProvisioningOrganisation.objects.count() == 1
