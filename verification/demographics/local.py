"""The local store: synthetic patients in our own database, traced with two indexed queries.

The two queries are written as SQL rather than through the ORM: a trace is on the path of every
P5 attempt, and compiling an ORM query cost more than running it (bench/trace.py; ADR 0021).
Both use an index: the unique index on ``nhs_number``, and
``synthetic_patient_trace`` (family_key, birth_date, postcode).
"""

import datetime

from django.db import connection

from verification.demographics import matching
from verification.demographics.normalise import first_name_key, name_key
from verification.demographics.types import PatientRecord, TraceQuery, TraceResult
from verification.models import SyntheticPatient

_TABLE = SyntheticPatient._meta.db_table
_COLUMNS = (
    "nhs_number, given_name, family_name, birth_date, postcode, gp_ods_code, mobile, email, "
    "restricted"
)
_BY_NHS_NUMBER = f"SELECT {_COLUMNS} FROM {_TABLE} WHERE nhs_number = %s LIMIT 1"  # noqa: S608
_BY_NAME = (
    f"SELECT {_COLUMNS} FROM {_TABLE} "  # noqa: S608
    "WHERE family_key = %s AND birth_date = %s AND postcode = %s AND given_key = %s LIMIT %s"
)


def _record(row) -> PatientRecord:
    nhs_number, given, family, born, postcode, ods, mobile, email, restricted = row
    if isinstance(born, str):  # SQLite hands dates back as text
        born = datetime.date.fromisoformat(born)
    return PatientRecord(
        nhs_number=nhs_number,
        given_name=given,
        family_name=family,
        birth_date=born,
        postcode=postcode,
        gp_ods_code=ods,
        mobile=mobile,
        email=email,
        restricted=bool(restricted),
    )


def find_by_nhs_number(nhs_number: str) -> PatientRecord | None:
    """The record with this NHS number, if any: one read of the unique index."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_NHS_NUMBER, [nhs_number])
        row = cursor.fetchone()
    return _record(row) if row else None


def search_by_name(
    given_name: str, family_name: str, birth_date, postcode: str, limit: int = 2
) -> list[PatientRecord]:
    """Records whose first given name, family name, date of birth and postcode all match.

    At most ``limit`` rows: two are enough to know there is more than one.
    """
    params = [name_key(family_name), birth_date, postcode, first_name_key(given_name), limit]
    with connection.cursor() as cursor:
        cursor.execute(_BY_NAME, params)
        return [_record(row) for row in cursor.fetchall()]


class LocalStore:
    """``trace`` against the synthetic patients table."""

    def trace(self, query: TraceQuery) -> TraceResult:
        if query.by_nhs_number:
            return matching.confirm_by_nhs_number(query, find_by_nhs_number(query.nhs_number))
        return matching.from_search(
            search_by_name(query.given_name, query.family_name, query.birth_date, query.postcode)
        )
