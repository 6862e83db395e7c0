"""The local store: synthetic patients in our own database, traced with two indexed queries."""

from verification.demographics import matching
from verification.demographics.normalise import first_name_key, name_key
from verification.demographics.types import PatientRecord, TraceQuery, TraceResult
from verification.models import SyntheticPatient

_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "birth_date",
    "postcode",
    "gp_ods_code",
    "mobile",
    "email",
    "restricted",
)


def record_for(patient: SyntheticPatient) -> PatientRecord:
    return PatientRecord(**{field: getattr(patient, field) for field in _FIELDS})


def find_by_nhs_number(nhs_number: str) -> SyntheticPatient | None:
    """One indexed read (the unique index on ``nhs_number``)."""
    found = SyntheticPatient.objects.filter(nhs_number=nhs_number)[:1]
    return found[0] if found else None


def search_by_name(
    given_name: str, family_name: str, birth_date, postcode: str, limit: int = 2
) -> list[SyntheticPatient]:
    """Records whose first given name, family name, date of birth and postcode all match.

    Uses the (family_key, birth_date, postcode) index; at most ``limit`` rows, since two are
    enough to know there is more than one.
    """
    return list(
        SyntheticPatient.objects.filter(
            family_key=name_key(family_name),
            birth_date=birth_date,
            postcode=postcode,
            given_key=first_name_key(given_name),
        )[:limit]
    )


class LocalStore:
    """``trace`` against the synthetic patients table."""

    def trace(self, query: TraceQuery) -> TraceResult:
        if query.by_nhs_number:
            patient = find_by_nhs_number(query.nhs_number)
            return matching.confirm_by_nhs_number(query, record_for(patient) if patient else None)
        found = search_by_name(
            query.given_name, query.family_name, query.birth_date, query.postcode
        )
        return matching.from_search([record_for(patient) for patient in found])
