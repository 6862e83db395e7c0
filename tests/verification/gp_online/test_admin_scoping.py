"""Practice staff see and act on their own practice's patients only, however they ask."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.verification.gp_online.helpers import (
    make_details,
    make_practice,
    make_registered_patient,
    make_staff,
    staff_client,
)
from verification.gp_online import services
from verification.models import OnlineRegistrationDetails, PracticeStaff

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_practices():
    a = make_practice("A11111", "Practice A")
    b = make_practice("B22222", "Practice B")
    patient_a = make_registered_patient(a, family_name="Adams")
    patient_b = make_registered_patient(b, family_name="Brown")
    staff_a = make_staff(a)
    details_b, _ = make_details(patient_b)
    return {
        "a": a,
        "b": b,
        "patient_a": patient_a,
        "patient_b": patient_b,
        "staff_a": staff_a,
        "details_b": details_b,
        "client": staff_client(staff_a),
    }


def admin_url(name, *args):
    return reverse(f"admin:verification_{name}", args=args)


def test_staff_without_a_second_factor_cannot_use_admin(two_practices):
    from django.test import Client

    client = Client()
    client.force_login(two_practices["staff_a"])
    response = client.get(admin_url("registeredpatient_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_list_only_their_own_practices_patients(two_practices):
    response = two_practices["client"].get(admin_url("registeredpatient_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "ADAMS" in html
    assert "BROWN" not in html


def test_staff_list_only_their_own_practices_details(two_practices):
    mine, _ = make_details(two_practices["patient_a"])
    response = two_practices["client"].get(admin_url("onlineregistrationdetails_changelist"))
    html = response.content.decode()
    assert mine.account_id in html
    assert two_practices["details_b"].account_id not in html


def test_staff_cannot_view_another_practices_patient_by_url(two_practices):
    client = two_practices["client"]
    mine = client.get(admin_url("registeredpatient_change", two_practices["patient_a"].pk))
    theirs = client.get(admin_url("registeredpatient_change", two_practices["patient_b"].pk))
    assert mine.status_code == 200
    # Django admin redirects to the index with "does not exist" for objects out of scope.
    assert theirs.status_code in (302, 404)
    assert "Brown" not in theirs.content.decode()


def test_staff_cannot_view_another_practices_details_by_url(two_practices):
    response = two_practices["client"].get(
        admin_url("onlineregistrationdetails_change", two_practices["details_b"].pk)
    )
    assert response.status_code in (302, 404)
    assert two_practices["details_b"].account_id not in response.content.decode()


def test_staff_cannot_create_details_for_another_practices_patient(two_practices):
    client = two_practices["client"]
    url = admin_url("registeredpatient_create_details", two_practices["patient_b"].pk)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert OnlineRegistrationDetails.objects.filter(patient=two_practices["patient_b"]).count() == 1


def test_staff_cannot_create_details_through_the_action_for_another_practice(two_practices):
    response = two_practices["client"].post(
        admin_url("registeredpatient_changelist"),
        {"action": "create_online_details", "_selected_action": [two_practices["patient_b"].pk]},
    )
    assert response.status_code in (200, 302)
    assert "create-online-details" not in response.get("Location", "")
    assert OnlineRegistrationDetails.objects.filter(patient=two_practices["patient_b"]).count() == 1


def test_staff_cannot_revoke_another_practices_details(two_practices):
    client = two_practices["client"]
    details_b = two_practices["details_b"]
    assert (
        client.post(admin_url("onlineregistrationdetails_revoke", details_b.pk)).status_code == 404
    )
    client.post(
        admin_url("onlineregistrationdetails_changelist"),
        {"action": "revoke_selected", "_selected_action": [details_b.pk]},
    )
    details_b.refresh_from_db()
    assert details_b.revoked_at is None


def test_staff_cannot_reissue_another_practices_details(two_practices):
    client = two_practices["client"]
    details_b = two_practices["details_b"]
    url = admin_url("onlineregistrationdetails_reissue", details_b.pk)
    assert client.post(url).status_code == 404
    assert OnlineRegistrationDetails.objects.filter(patient=two_practices["patient_b"]).count() == 1


def test_staff_cannot_print_another_practices_letter(two_practices):
    client = two_practices["client"]
    details_b = two_practices["details_b"]
    for name in ("letter", "created"):
        response = client.get(admin_url(f"onlineregistrationdetails_{name}", details_b.pk))
        assert response.status_code == 404
        assert details_b.linkage_key not in response.content.decode()


def test_staff_cannot_see_practices_or_staff_of_others(two_practices):
    client = two_practices["client"]
    html = client.get(admin_url("practice_changelist")).content.decode()
    assert "Practice A" in html
    assert "Practice B" not in html
    assert client.get(admin_url("practicestaff_changelist")).status_code == 403


def test_staff_cannot_delete_or_edit_records(two_practices):
    client = two_practices["client"]
    patient = two_practices["patient_a"]
    response = client.post(
        admin_url("registeredpatient_change", patient.pk),
        {"family_name": "Changed", "practice": two_practices["b"].pk},
    )
    assert response.status_code == 403
    assert client.post(admin_url("registeredpatient_delete", patient.pk)).status_code == 403
    patient.refresh_from_db()
    assert patient.family_name == "Adams"


def test_a_user_with_no_practice_sees_no_patients(two_practices):
    from tests.factories import UserFactory

    outsider = UserFactory(is_staff=True)
    client = staff_client(outsider)
    response = client.get(admin_url("registeredpatient_changelist"))
    assert response.status_code == 403
    assert client.get(
        admin_url("registeredpatient_create_details", two_practices["patient_a"].pk)
    ).status_code in (403, 404)


def test_superusers_see_every_practice(two_practices):
    from accounts.models import User

    admin = User.objects.create_superuser("root@example.com", "correct horse battery")
    client = staff_client(admin)
    html = client.get(admin_url("registeredpatient_changelist")).content.decode()
    assert "ADAMS" in html
    assert "BROWN" in html


def test_staff_create_details_and_see_the_key_once(two_practices):
    client = two_practices["client"]
    patient = two_practices["patient_a"]
    response = client.post(admin_url("registeredpatient_create_details", patient.pk))
    details = OnlineRegistrationDetails.objects.get(patient=patient)
    assert response["Location"] == admin_url("onlineregistrationdetails_created", details.pk)
    created = client.get(response["Location"]).content.decode()
    shown_key = details.linkage_key[:5]
    assert details.account_id in created
    assert shown_key in created
    assert "A11111" in created
    letter = client.get(admin_url("onlineregistrationdetails_letter", details.pk))
    assert shown_key in letter.content.decode()
    # The details page never shows the key; another session never sees it.
    page = client.get(admin_url("onlineregistrationdetails_change", details.pk)).content.decode()
    assert shown_key not in page
    later = staff_client(two_practices["staff_a"])
    assert (
        shown_key
        not in later.get(admin_url("onlineregistrationdetails_letter", details.pk)).content.decode()
    )
    events = list(
        AuditEvent.objects.filter(actor=two_practices["staff_a"]).values_list("event", flat=True)
    )
    assert "gp_online.details_created" in events
    assert "gp_online.letter_printed" in events


def test_staff_revoke_and_reissue_their_own_details(two_practices):
    client = two_practices["client"]
    details, _ = make_details(two_practices["patient_a"])
    client.post(admin_url("onlineregistrationdetails_revoke", details.pk))
    details.refresh_from_db()
    assert details.status == "revoked"
    response = client.post(admin_url("onlineregistrationdetails_reissue", details.pk))
    new = OnlineRegistrationDetails.objects.get(replaces=details)
    assert new.is_current
    assert response["Location"] == admin_url("onlineregistrationdetails_created", new.pk)
    events = set(
        AuditEvent.objects.filter(actor=two_practices["staff_a"]).values_list("event", flat=True)
    )
    assert {"gp_online.details_revoked", "gp_online.details_reissued"} <= events


def test_the_revoke_action_revokes_only_own_details(two_practices):
    client = two_practices["client"]
    mine, _ = make_details(two_practices["patient_a"])
    client.post(
        admin_url("onlineregistrationdetails_changelist"),
        {"action": "revoke_selected", "_selected_action": [mine.pk, two_practices["details_b"].pk]},
    )
    mine.refresh_from_db()
    two_practices["details_b"].refresh_from_db()
    assert mine.revoked_at is not None
    assert two_practices["details_b"].revoked_at is None


@pytest.mark.parametrize(
    "name",
    [
        "registeredpatient_change",
        "registeredpatient_history",
        "registeredpatient_delete",
        "registeredpatient_create_details",
    ],
)
def test_no_crafted_url_shows_another_practices_patient(two_practices, name):
    client = two_practices["client"]
    patient_b = two_practices["patient_b"]
    for method in (client.get, client.post):
        response = method(admin_url(name, patient_b.pk))
        assert response.status_code in (302, 403, 404)
        assert "Brown" not in response.content.decode()
    assert OnlineRegistrationDetails.objects.filter(patient=patient_b).count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "onlineregistrationdetails_change",
        "onlineregistrationdetails_history",
        "onlineregistrationdetails_delete",
        "onlineregistrationdetails_revoke",
        "onlineregistrationdetails_reissue",
        "onlineregistrationdetails_created",
        "onlineregistrationdetails_letter",
    ],
)
def test_no_crafted_url_shows_or_changes_another_practices_details(two_practices, name):
    client = two_practices["client"]
    details_b = two_practices["details_b"]
    for method in (client.get, client.post):
        response = method(admin_url(name, details_b.pk))
        assert response.status_code in (302, 403, 404)
        assert details_b.account_id not in response.content.decode()
    details_b.refresh_from_db()
    assert details_b.is_current
    assert not AuditEvent.objects.filter(actor=two_practices["staff_a"]).exists()


def test_superusers_add_registered_patients_with_a_valid_nhs_number(two_practices):
    from accounts.models import User
    from verification.models import RegisteredPatient

    admin = User.objects.create_superuser("root@example.com", "correct horse battery")
    client = staff_client(admin)
    data = {
        "practice": two_practices["a"].pk,
        "nhs_number": "999 100 0071",
        "family_name": "Clark",
        "birth_date": "1990-01-01",
    }
    response = client.post(admin_url("registeredpatient_add"), data)
    assert "This is not a valid NHS number" in response.content.decode()
    data["nhs_number"] = "999 100 0070"
    client.post(admin_url("registeredpatient_add"), data)
    added = RegisteredPatient.objects.for_nhs_number("9991000070").get()
    assert added.family_name == "Clark"
    event = AuditEvent.objects.get(event="gp_online.practice_record_changed", actor=admin)
    assert event.details["object_id"] == added.pk
    assert "9991000070" not in str(event.details)


def test_the_linkage_key_is_shown_only_once_on_each_page_even_on_reload(two_practices):
    client = two_practices["client"]
    patient = two_practices["patient_a"]
    response = client.post(admin_url("registeredpatient_create_details", patient.pk))
    created_url = response["Location"]
    details = OnlineRegistrationDetails.objects.get(patient=patient)
    shown_key = services.format_linkage_key(details.linkage_key)
    letter_url = admin_url("onlineregistrationdetails_letter", details.pk)

    assert shown_key in client.get(created_url).content.decode()
    reloaded = client.get(created_url).content.decode()
    assert shown_key not in reloaded
    assert "Not shown again" in reloaded
    assert "Print the letter" in reloaded  # the letter is still to be printed

    assert shown_key in client.get(letter_url).content.decode()
    again = client.get(letter_url).content.decode()
    assert shown_key not in again
    assert "You cannot print this letter again" in again
    assert "Print the letter" not in client.get(created_url).content.decode()


def test_created_by_and_revoked_by_show_the_staff_members_name(two_practices):
    staff = two_practices["staff_a"]
    PracticeStaff.objects.filter(user=staff).update(name="Priya Reception")
    client = two_practices["client"]
    details, _ = make_details(two_practices["patient_a"], staff=staff)
    client.post(admin_url("onlineregistrationdetails_revoke", details.pk))

    listed = client.get(admin_url("onlineregistrationdetails_changelist")).content.decode()
    page = client.get(admin_url("onlineregistrationdetails_change", details.pk)).content.decode()
    for html in (listed, page):
        assert "Priya Reception" in html
        assert str(staff.sub) not in html
    assert page.count("Priya Reception") == 2  # created by, revoked by


def test_created_by_a_superuser_with_no_practice_shows_their_email_address(two_practices):
    from tests.factories import UserFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True, email="lead@example.com")
    details, _ = make_details(two_practices["patient_a"], staff=admin_user)
    page = (
        staff_client(admin_user)
        .get(admin_url("onlineregistrationdetails_change", details.pk))
        .content.decode()
    )
    assert "lead@example.com" in page and str(admin_user.sub) not in page
