"""The matching rule both implementations share, applied to records already found."""

from verification.demographics.normalise import postcode as normal_postcode
from verification.demographics.types import Outcome, PatientRecord, TraceQuery, TraceResult


def confirm_by_nhs_number(query: TraceQuery, record: PatientRecord | None) -> TraceResult:
    """A record read by NHS number matches when date of birth and postcode agree too.

    A restricted record is never compared (its address is withheld) and never used.
    """
    if record is None:
        return TraceResult(Outcome.NO_MATCH)
    if record.restricted:
        return TraceResult(Outcome.RESTRICTED)
    if record.birth_date != query.birth_date:
        return TraceResult(Outcome.NO_MATCH)
    if normal_postcode(record.postcode) != query.postcode:
        return TraceResult(Outcome.NO_MATCH)
    return TraceResult(Outcome.MATCHED, record)


def from_search(records: list[PatientRecord]) -> TraceResult:
    """The result of a search by name: one record, none, or too many."""
    if not records:
        return TraceResult(Outcome.NO_MATCH)
    if len(records) > 1:
        return TraceResult(Outcome.MULTIPLE)
    if records[0].restricted:
        return TraceResult(Outcome.RESTRICTED)
    return TraceResult(Outcome.MATCHED, records[0])
