"""Organisations, PDS patients and submissions for the provisioning tests."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

from core.notifications.service import rendered
from tests.accounts.helpers import sent_to
from tests.verification.gp_online.helpers import make_practice
from verification.models import ProvisioningOrganisation, SyntheticPatient
from verification.provisioning import messages
from verification.provisioning.services import PatientDetails

NHS_NUMBER = "9000000009"  # valid check digit
OTHER_NHS_NUMBER = "9000000017"
MOBILE = "+447700900123"
EMAIL = "sam.jones@example.com"
LONG_NAME = (
    "The Riverside and Meadowbank Community Health Partnership Medical Practice of North Leeds"
)


def pds_answering_503():
    """The real PDS FHIR client, given 503 by PDS every time (no waiting between tries)."""
    import httpx

    from verification.demographics.fhir import PdsFhirClient

    return PdsFhirClient(
        "https://pds.example/FHIR/R4",
        transport=httpx.MockTransport(lambda request: httpx.Response(503)),
        sleep=lambda seconds: None,
    )


def make_pds_patient(**fields) -> SyntheticPatient:
    values = {
        "nhs_number": NHS_NUMBER,
        "given_name": "Sam",
        "family_name": "Jones",
        "given_key": "sam",
        "family_key": "jones",
        "birth_date": datetime.date(1980, 3, 14),
        "postcode": "LS1 4AP",
        "gp_ods_code": "A12345",
        "mobile": "07700900123",
        "email": "",
    }
    values.update(fields)
    return SyntheticPatient.objects.create(**values)


def make_organisation(name=LONG_NAME, ods_code="A12345", **fields) -> ProvisioningOrganisation:
    practice = fields.pop("practice", None)
    if practice is None and "service" not in fields:
        practice = make_practice(ods_code=ods_code, name=name)
    return ProvisioningOrganisation.objects.create(
        ods_code=ods_code, name=name, practice=practice, **fields
    )


def details(**changes) -> PatientDetails:
    values = {
        "nhs_number": NHS_NUMBER,
        "given_name": "Sam",
        "family_name": "Jones",
        "birth_date": datetime.date(1980, 3, 14),
        "postcode": "LS1 4AP",
        "email": EMAIL,
        "mobile": MOBILE,
    }
    values.update(changes)
    return PatientDetails(**values)


def link_emails(email=EMAIL):
    return sent_to(email, messages.SET_UP_LINK.name) + sent_to(
        email, messages.SIGN_IN_TO_ACCEPT_LINK.name
    )


def latest_link(email=EMAIL) -> str:
    """The path and query of the newest link emailed to this address."""
    notification = sorted(link_emails(email), key=lambda n: n.created_at)[-1]
    _subject, body = rendered(notification)
    url = re.search(r"https?://\S+", body).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]
