"""Proved identities for tests (the verification app creates these for real)."""

import datetime

from django.utils import timezone

from accounts.services import set_proofing_level
from verification.models import Identity


def prove(user, level="P9", *, nation="england", birth_date=datetime.date(1980, 5, 17), **extra):
    """Give a patient a traced identity and a proofing level."""
    Identity.objects.create(
        user=user,
        nhs_number=extra.pop("nhs_number", "9000000009"),
        given_name=extra.pop("given_name", "Jo"),
        family_name=extra.pop("family_name", "Bloggs"),
        birth_date=birth_date,
        postcode="LS1 4AP",
        nation=nation,
        gp_ods_code=extra.pop("gp_ods_code", "Y12345"),
        phone_number_pds_matched=True,
        traced_at=timezone.now(),
        **extra,
    )
    set_proofing_level(user, level, route="demographics trace")
    user.refresh_from_db()
    return user
