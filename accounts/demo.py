"""Demo logins for trying the service (``manage.py seed_demo``; never in production)."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import PhoneDevice, User
from accounts.services.backup_codes import add_backup_code
from accounts.services.support import support_staff_group

PASSWORD = "correct horse battery"
PATIENT_EMAIL = "patient@example.com"
PATIENT_PHONE = "+447400123456"
STAFF_EMAIL = "admin@example.com"
STAFF_PASSWORD = "admin demo password 1"
STAFF_TOKEN = "demo12345678"
SUPPORT_EMAIL = "support@example.com"
SUPPORT_TOKEN = "support12345"


@transaction.atomic
def seed() -> list[str]:
    """Create a P0 patient, an administrator and a member of the support desk, each member of
    staff with a backup code for the admin."""
    patient, created = User.objects.get_or_create(
        email=PATIENT_EMAIL,
        defaults={
            "email_verified": True,
            "phone_number": PATIENT_PHONE,
            "phone_kind": User.PhoneKind.MOBILE,
            "phone_verified": True,
        },
    )
    if created:
        patient.set_password(PASSWORD)
        patient.save()
    PhoneDevice.objects.get_or_create(
        user=patient,
        confirmed=True,
        defaults={"name": "mobile phone", "number": PATIENT_PHONE, "kind": "mobile"},
    )
    staff, created = User.objects.get_or_create(
        email=STAFF_EMAIL,
        defaults={"is_staff": True, "is_superuser": True, "email_verified": True},
    )
    if created:
        staff.set_password(STAFF_PASSWORD)
        staff.save()
    # A backup code is used up when it is used; put the demo one back each time.
    add_backup_code(staff, STAFF_TOKEN, name="Demo backup codes")
    support, created = User.objects.get_or_create(
        email=SUPPORT_EMAIL, defaults={"is_staff": True, "email_verified": True}
    )
    if created:
        support.set_password(STAFF_PASSWORD)
        support.save()
    support.groups.add(support_staff_group())
    add_backup_code(support, SUPPORT_TOKEN, name="Demo backup codes")
    return [
        f"Demo patient (P0): {PATIENT_EMAIL} / {PASSWORD}  (security codes appear in the outbox)",
        f"Demo staff for {settings.SITE_URL}{reverse('admin:index')}: {STAFF_EMAIL} / "
        f"{STAFF_PASSWORD}, then choose 'Backup code' and enter {STAFF_TOKEN}",
        f"Support desk (Patient logins: find {PATIENT_EMAIL}, act on it): {SUPPORT_EMAIL} / "
        f"{STAFF_PASSWORD}, backup code {SUPPORT_TOKEN}",
    ]
