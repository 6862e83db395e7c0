"""Demo data for logins made by an organisation (ADR 0065): the demo practice is registered
for provisioning, and one synthetic patient (with a mobile on their record) is ready for its
staff to submit. Idempotent."""

import datetime

from django.conf import settings

from verification.demo_gp import ODS_CODE, STAFF_EMAIL
from verification.demographics.generator import reserved_nhs_number
from verification.demographics.normalise import first_name_key, name_key
from verification.models import Practice, ProvisioningOrganisation, SyntheticPatient

RECORD_INDEX = 30  # a reserved demo NHS number (990...) after the other demo people
PATIENT = {
    "given_name": "Nia",
    "family_name": "Roberts",
    "birth_date": datetime.date(1988, 7, 21),
    "postcode": "LS1 4AP",
    "gp_ods_code": ODS_CODE,
    "mobile": "07700900321",
}


def seed() -> list[str]:
    practice = Practice.objects.filter(ods_code=ODS_CODE).first()
    if practice is None:  # verification.demo_gp makes it; nothing to register without it
        return []
    ProvisioningOrganisation.objects.get_or_create(
        practice=practice, defaults={"ods_code": practice.ods_code, "name": practice.name}
    )
    nhs_number = reserved_nhs_number(RECORD_INDEX)
    SyntheticPatient.objects.update_or_create(
        nhs_number=nhs_number,
        defaults={
            **PATIENT,
            "given_key": first_name_key(PATIENT["given_name"]),
            "family_key": name_key(PATIENT["family_name"]),
        },
    )
    admin_url = f"{settings.SITE_URL}/{settings.ADMIN_URL}verification/provisionrequest/add/"
    return [
        "",
        "A login made for a patient by their practice (P9, provisioning)",
        f"  As {STAFF_EMAIL} at {admin_url}: NHS number {nhs_number}, Nia Roberts,",
        "    born 21/07/1988, LS1 4AP, any email address, mobile 07700 900321;",
        f"    then open the link in the email at {settings.SITE_URL}/outbox/",
    ]
