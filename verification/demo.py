"""Demo data for proving who you are to P5 (``manage.py seed_demo``; never in production).

A few thousand generated patients, plus named people to try each outcome with.
"""

import datetime

from django.utils import timezone

from verification.demographics.generator import generate, reserved_nhs_number
from verification.demographics.normalise import first_name_key, name_key
from verification.models import SyntheticPatient

GENERATED = 3000
DEMO_LOGIN_EMAIL = "p5.demo@example.com"
DEMO_LOGIN_PASSWORD = "correct horse battery"
DEMO_LOGIN_PHONE = "+447700900001"

# (what to try, given, family, born, postcode, GP, mobile, restricted)
PEOPLE = [
    (
        "Match by NHS number",
        "Ffion",
        "Hughes",
        datetime.date(1990, 2, 14),
        "CF10 1EP",
        "W97001",
        "07700900001",
        False,
    ),
    (
        "Match by name (try 'sean obrien')",
        "Seán",
        "O'Brien",
        datetime.date(1975, 7, 3),
        "BT1 5GS",
        "Z00012",
        "07700900002",
        False,
    ),
    (
        "Twin 1: several matches by name",
        "Sam Alex",
        "Okafor",
        datetime.date(2001, 6, 21),
        "LS1 4AP",
        "B86001",
        "",
        False,
    ),
    (
        "Twin 2: several matches by name",
        "Sam Jordan",
        "Okafor",
        datetime.date(2001, 6, 21),
        "LS1 4AP",
        "B86001",
        "",
        False,
    ),
    (
        "A restricted record (no match shown)",
        "Robin",
        "Marsh",
        datetime.date(1988, 9, 9),
        "M1 1AE",
        "P84001",
        "",
        True,
    ),
    (
        "Lives outside the UK nations (Jersey)",
        "Elise",
        "Le Brun",
        datetime.date(1980, 5, 5),
        "JE2 4WE",
        "",
        "",
        False,
    ),
]


def _demo_login():
    from accounts.models import User

    user = User.objects.filter(email=DEMO_LOGIN_EMAIL).first()
    if user is None:
        user = User.objects.create_user(DEMO_LOGIN_EMAIL, DEMO_LOGIN_PASSWORD)
        user.email_verified = True
        user.phone_number = DEMO_LOGIN_PHONE
        user.phone_kind = User.PhoneKind.MOBILE
        user.phone_verified = True
        user.terms_accepted_at = timezone.now()
        user.save()
    return user


def seed() -> list[str]:
    """Create the patients if missing; return how to try P5."""
    if SyntheticPatient.objects.count() < GENERATED:
        generate(GENERATED)
    lines = [
        "",
        "Prove who you are (P5): the demographics trace uses these synthetic patients",
        f"  Sign in as {DEMO_LOGIN_EMAIL} / {DEMO_LOGIN_PASSWORD} (a P0 login; its mobile",
        "  matches Ffion Hughes's record), then 'Prove who you are'.",
    ]
    for n, (title, given, family, born, postcode, gp, mobile, restricted) in enumerate(PEOPLE):
        nhs_number = reserved_nhs_number(n)
        SyntheticPatient.objects.update_or_create(
            nhs_number=nhs_number,
            defaults={
                "given_name": given,
                "family_name": family,
                "given_key": first_name_key(given),
                "family_key": name_key(family),
                "birth_date": born,
                "postcode": postcode,
                "gp_ods_code": gp,
                "mobile": mobile,
                "restricted": restricted,
            },
        )
        spaced = f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"
        lines.append(
            f"  {title}: {given} {family}, NHS number {spaced}, born "
            f"{born.day} {born.month} {born.year}, postcode {postcode}"
        )
    _demo_login()
    return lines
