"""Demo data for proving who you are with photo ID: a P5 patient, a P0 patient whose P5 trace
fails (the route that also finds the NHS record, ADR 0043) and an identity checker."""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProofingLevel, User
from verification.demographics.generator import reserved_nhs_number
from verification.demographics.normalise import first_name_key, name_key
from verification.idchecks.services import CHECKERS_GROUP
from verification.models import Identity, Nation, SyntheticPatient

PASSWORD = "correct horse battery"
PATIENT_EMAIL = "p9.demo@example.com"
CHECKER_EMAIL = "checker@example.com"
# A synthetic NHS number in the 999 test range (modulus 11 valid), kept apart from the
# generated patients so the demo identity never collides with one.
PATIENT_NHS_NUMBER = "9990000999"

# The route after a failed P5 trace: a P0 login whose NHS record is in the demo demographics
# store, and an NHS number to type at P5 that is valid but not theirs (so P5 fails).
TRACE_PATIENT_EMAIL = "p9.trace.demo@example.com"
TRACE_RECORD = {
    "given_name": "Priya",
    "family_name": "Shah",
    "birth_date": datetime.date(1992, 8, 3),
    "postcode": "LS1 4AP",
    "gp_ods_code": "B86001",
}
TRACE_RECORD_INDEX = 20  # a reserved demo NHS number (990...) after verification.demo's people
TRACE_WRONG_NHS_NUMBER = "9434765919"


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
    """Create (if missing) a P5 patient ready for photo ID, a P0 patient whose P5 trace fails
    and whose record photo ID can find, and an identity checker."""
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
    _login(TRACE_PATIENT_EMAIL, "+447700900992")
    record = TRACE_RECORD
    SyntheticPatient.objects.update_or_create(
        nhs_number=reserved_nhs_number(TRACE_RECORD_INDEX),
        defaults={
            **record,
            "given_key": first_name_key(record["given_name"]),
            "family_key": name_key(record["family_name"]),
            "mobile": "",
            "restricted": False,
        },
    )
    checker = _login(CHECKER_EMAIL, "+447700900991")
    checker.groups.add(Group.objects.get(name=CHECKERS_GROUP))
    return [
        "",
        "Prove who you are with photo ID (P9)",
        f"  Patient (P5, Alex Demo, born 1 1 1990): {PATIENT_EMAIL} / {PASSWORD}",
        "    'Prove who you are' > 'Prove who you are with photo ID'. Checks that automation",
        "    cannot pass (any real document: the name will not match) go to the checkers' queue.",
        f"  Patient with no NHS record match (P0): {TRACE_PATIENT_EMAIL} / {PASSWORD}",
        "    Try 'Use your NHS number or name' with NHS number 943 476 5919, born 3 8 1992,",
        "    postcode LS1 4AP: no match. Then 'Prove who you are with photo ID instead', as",
        "    Priya Shah, born 3 8 1992, postcode LS1 4AP, and a UK driving licence (no MRZ, so",
        "    those details are traced; a passport's MRZ names are traced instead). The checker",
        "    sees her NHS record and can approve.",
        f"  Identity checker: {CHECKER_EMAIL} / {PASSWORD}, then {settings.SITE_URL}"
        f"{reverse('verification:review_queue')}",
    ]
