"""Practices, registered patients, practice staff and details for the GP online tests."""

import datetime
import itertools

from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp import login as otp_login

from accounts.models import User
from accounts.services.backup_codes import add_backup_code
from verification.gp_online import services
from verification.models import Identity, Practice, PracticeStaff, RegisteredPatient

# Valid NHS numbers (mod 11 check digit) for synthetic patients.
NHS_NUMBERS = ["9000000009", "9000000017", "9000000025", "9000000033", "9000000041"]
_numbers = itertools.count()


def make_practice(ods_code="A12345", name="Riverside Surgery") -> Practice:
    return Practice.objects.create(ods_code=ods_code, name=name, address="1 River Road\nLeeds")


def make_registered_patient(practice, **fields) -> RegisteredPatient:
    values = {
        "nhs_number": NHS_NUMBERS[next(_numbers) % len(NHS_NUMBERS)],
        "given_name": "Sam",
        "family_name": "Jones",
        "birth_date": datetime.date(1980, 3, 14),
        "postcode": "LS1 4AP",
        "mobile_number": "+447700900001",
    }
    values.update(fields)
    return RegisteredPatient.objects.create(practice=practice, **values)


def make_staff(practice, email=None) -> User:
    user = User.objects.create_user(
        email or f"staff{next(_numbers)}@{practice.ods_code.lower()}.example.com",
        "correct horse battery",
        is_staff=True,
    )
    PracticeStaff.objects.create(user=user, practice=practice)
    return user


def staff_client(user) -> Client:
    """A test client signed in to Django admin with a verified second factor (django-otp)."""
    client = Client()
    client.force_login(user)
    device = add_backup_code(user, "unused-in-this-test")
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    otp_login(request, device)
    request.session.save()
    return client


def make_details(patient, staff=None, **changes):
    """Create details as staff would; returns (details, linkage key as typed by a patient)."""
    details = services.create_details(patient, staff=staff)
    for name, value in changes.items():
        setattr(details, name, value)
    if changes:
        details.save()
    return details, details.linkage_key


def give_identity(user, patient, **fields) -> Identity:
    values = {
        "nhs_number": patient.nhs_number,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date,
        "postcode": patient.postcode,
        "gp_ods_code": patient.practice.ods_code,
        "traced_at": timezone.now(),
    }
    values.update(fields)
    return Identity.objects.create(user=user, **values)
