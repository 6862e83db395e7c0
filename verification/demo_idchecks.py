"""Demo data for proving who you are with photo ID: a P5 patient and an identity checker."""

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import ProofingLevel, User
from verification.idchecks.services import CHECKERS_GROUP
from verification.models import Identity, Nation

PASSWORD = "correct horse battery"
PATIENT_EMAIL = "p9.demo@example.com"
CHECKER_EMAIL = "checker@example.com"
# A synthetic NHS number in the 999 test range (modulus 11 valid), kept apart from the
# generated patients so the demo identity never collides with one.
PATIENT_NHS_NUMBER = "9990000999"


def _login(email: str, phone: str, **fields) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "email_verified": True,
            "phone_number": phone,
            "phone_kind": User.PhoneKind.MOBILE,
            "phone_verified": True,
            "terms_accepted_at": timezone.now(),
            **fields,
        },
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    return user


@transaction.atomic
def seed() -> list[str]:
    """Create (if missing) a P5 patient ready for photo ID and an identity checker."""
    patient = _login(PATIENT_EMAIL, "+447700900990", proofing_level=ProofingLevel.P5)
    if not Identity.objects.filter(user=patient).exists():
        Identity.objects.create(
            user=patient,
            nhs_number=PATIENT_NHS_NUMBER,
            given_name="Alex",
            family_name="Demo",
            birth_date=datetime.date(1990, 1, 1),
            postcode="LS1 4AP",
            nation=Nation.ENGLAND,
            gp_ods_code="Y90001",
            traced_at=timezone.now(),
        )
    checker = _login(CHECKER_EMAIL, "+447700900991")
    checker.groups.add(Group.objects.get(name=CHECKERS_GROUP))
    return [
        "",
        "Prove who you are with photo ID (P9)",
        f"  Patient (P5, Alex Demo, born 1 1 1990): {PATIENT_EMAIL} / {PASSWORD}",
        "    'Prove who you are' > 'Prove who you are with photo ID'. Checks that automation",
        "    cannot pass (any real document: the name will not match) go to the checkers' queue.",
        f"  Identity checker: {CHECKER_EMAIL} / {PASSWORD}, then /prove-who-you-are/id-checks/",
    ]
