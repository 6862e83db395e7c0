"""Demo data for GP online registration details (called from verification/demo.py).

A practice, a member of practice staff who can sign in to Django admin with a backup code,
and patients for each journey: P0 and P5 patients with details to type in, a P5 patient for
the fast track, a child under the minimum age, and details that have expired or been revoked.
Idempotent: run it again and it prints the same people, with new details where used up.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.backup_codes import add_backup_code
from verification.gp_online import services
from verification.models import Identity, Practice, PracticeStaff, RegisteredPatient

PASSWORD = "demo password 1234"
ODS_CODE = "Y90001"
STAFF_EMAIL = "gp.staff@example.com"
STAFF_NAME = "Sam Patel (demo receptionist)"
BACKUP_CODES = ["11111111", "22222222", "33333333", "44444444", "55555555"]

# Synthetic patients (valid NHS numbers in a test range). kind: how the journey starts.
PATIENTS = [
    # email, level, kind, NHS number, given, family, born, GP mobile, login mobile
    ("gp.p0@example.com", "P0", "details", "9991000003", "Priya", "Shah", (1985, 6, 1)),
    ("gp.p5@example.com", "P5", "details", "9991000011", "Tom", "Evans", (1972, 11, 23)),
    ("gp.fasttrack@example.com", "P5", "fast track", "9991000038", "Grace", "Lee", (1990, 2, 9)),
    ("gp.child@example.com", "P5", "too young", "9991000046", "Ollie", "Green", None),
    ("gp.expired@example.com", "P5", "expired", "9991000054", "Mo", "Khan", (1966, 4, 30)),
    ("gp.revoked@example.com", "P5", "revoked", "9991000062", "Ann", "Hill", (1958, 8, 8)),
]


def _mobile(index: int) -> str:
    return f"+4477009001{index:02d}"


def _user(email: str, mobile: str, level: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            PASSWORD,
            email_verified=True,
            phone_number=mobile,
            phone_kind=User.PhoneKind.MOBILE,
            phone_verified=True,
            terms_accepted_at=timezone.now(),
            proofing_level=level,
        )
    return user


def _details_for(patient, staff, kind):
    """Current details to print; expired or revoked ones for those journeys."""
    latest = patient.online_details.order_by("-created_at").first()
    wanted = {"expired": "expired", "revoked": "revoked"}.get(kind, "current")
    if latest is not None and latest.status == wanted:
        return latest
    details = services.create_details(patient, staff=staff)
    if kind == "expired":
        details.expires_at = timezone.now() - datetime.timedelta(days=1)
        details.save(update_fields=["expires_at"])
    elif kind == "revoked":
        services.revoke_details(details, staff=staff)
        details.refresh_from_db()
    return details


@transaction.atomic
def seed() -> list[str]:
    practice, _ = Practice.objects.get_or_create(
        ods_code=ODS_CODE,
        defaults={"name": "Riverside Demo Surgery", "address": "1 River Road\nLeeds\nLS1 4AP"},
    )
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    if staff is None:
        staff = User.objects.create_user(STAFF_EMAIL, PASSWORD, is_staff=True)
    PracticeStaff.objects.update_or_create(
        user=staff, defaults={"practice": practice, "name": STAFF_NAME}
    )
    for code in BACKUP_CODES:  # a used code is deleted; put the demo ones back (kept hashed)
        add_backup_code(staff, code)

    admin_url = f"{settings.SITE_URL}/{settings.ADMIN_URL}"
    lines = [
        "",
        "GP online registration details (P9)",
        f"  Practice staff: {admin_url}  email {STAFF_EMAIL}, password '{PASSWORD}',",
        "    then choose 'Backup code' and enter one of: " + ", ".join(BACKUP_CODES),
        f"  Patients (password '{PASSWORD}'), at {settings.SITE_URL}/prove-who-you-are/:",
    ]
    today = timezone.localdate()
    for index, (email, level, kind, nhs_number, given, family, born) in enumerate(PATIENTS):
        birth_date = datetime.date(*born) if born else datetime.date(today.year - 9, 1, 1)
        mobile = _mobile(index)
        user = _user(email, mobile, level)
        patient = RegisteredPatient.objects.for_nhs_number(nhs_number).first()
        if patient is None:
            patient = RegisteredPatient.objects.create(
                practice=practice,
                nhs_number=nhs_number,
                given_name=given,
                family_name=family,
                birth_date=birth_date,
                postcode="LS1 4AP",
                mobile_number=mobile if kind == "fast track" else "+447700900999",
            )
        if level == "P5" and not Identity.objects.filter(user=user).exists():
            Identity.objects.create(
                user=user,
                nhs_number=nhs_number,
                given_name=given,
                family_name=family,
                birth_date=birth_date,
                postcode="LS1 4AP",
                gp_ods_code=ODS_CODE,
                traced_at=timezone.now(),
            )
        if user.proofing_level == "P9":
            lines.append(f"    {email}: already proved to P9 ({kind})")
            continue
        details = _details_for(patient, staff, kind)
        codes = (
            f"Account ID {details.account_id}, linkage key "
            f"{services.format_linkage_key(details.linkage_key)}, ODS code {details.ods_code}"
        )
        if kind == "details" and level == "P0":
            lines.append(
                f"    {email} (P0): {codes}; last name {family}, born {birth_date:%d %m %Y}"
            )
        elif kind == "details":
            lines.append(f"    {email} (P5): {codes}")
        elif kind == "fast track":
            lines.append(
                f"    {email} (P5): offered the fast track on the 'Prove who you are' page"
            )
        elif kind == "too young":
            lines.append(f"    {email} (P5, aged 9): sees the under-age page")
        else:
            lines.append(f"    {email} (P5): {kind} details: {codes}")
    return lines
