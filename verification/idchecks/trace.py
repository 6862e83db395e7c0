"""Finding the patient's NHS record from their photo ID check (the route after a failed P5 trace).

A patient with no NHS record match (no ``Identity``) gives their name, date of birth, postcode
and, if they know it, their NHS number. The pipeline then traces them through the same
``verification.demographics.trace()`` P5 uses (ADR 0043):

- names and date of birth come from the document's machine-readable zone when it was read
  with valid check digits (printed by the issuer, so the most trustworthy), else from what
  the patient entered; the postcode is always the entered one (documents carry none);
- an entered NHS number is tried first; if it finds no record, the names are tried.

The outcome is one more automated check, ``nhs_record``. Only a unique, usable match passes,
and only then is the record kept on the check (encrypted, and only what an ``Identity``
holds) for the decision to turn into the patient's ``Identity``.
"""

import json

from django.conf import settings

from verification import demographics
from verification.ages import old_enough_for_p9
from verification.demographics.normalise import nation_for_postcode
from verification.demographics.types import (
    DemographicsUnavailable,
    Outcome,
    PatientRecord,
    TraceQuery,
)
from verification.idchecks.checks import FAIL, PASS, UNSURE, Result
from verification.idchecks.document import DocumentReading
from verification.models import IdCheck, Identity

NAME = "nhs_record"
UNAVAILABLE = "unavailable"


# The demographics service could not answer: the task tries again later (with back-off).
TraceUnavailable = DemographicsUnavailable


def _queries(check: IdCheck, reading: DocumentReading | None) -> tuple[list[TraceQuery], str]:
    """The traces to try, in order, and where the names and date of birth came from."""
    entered = check.entered
    if reading is not None and reading.failure is None and reading.surname:
        given, family = reading.given_names, reading.surname
        born, source = reading.birth_date, "document"
    else:
        given, family = entered.get("given_name", ""), entered.get("family_name", "")
        born, source = check.entered_birth_date, "entered"
    if born is None:  # an MRZ date that is not a date: fall back to what was entered
        born, source = check.entered_birth_date, "entered"
    entered_born = check.entered_birth_date
    if born and entered_born and born != entered_born and _same_six_digits(born, entered_born):
        # The MRZ has two digits for the year: a 1926 birth reads as 2026-04-12 too. The
        # patient typed all four; when the six digits agree, theirs says which century.
        born = entered_born
    postcode = entered.get("postcode", "")
    queries = []
    if not (postcode and born):
        return queries, source
    if entered.get("nhs_number"):
        queries.append(
            TraceQuery(birth_date=born, postcode=postcode, nhs_number=entered["nhs_number"])
        )
    if given and family:
        queries.append(
            TraceQuery(birth_date=born, postcode=postcode, given_name=given, family_name=family)
        )
    return queries, source


def _same_six_digits(a, b) -> bool:
    return a.strftime("%y%m%d") == b.strftime("%y%m%d")


def _record_json(record: PatientRecord, phone_matched: bool) -> str:
    """Only what ``Identity`` holds: never the record's mobile, email or other details."""
    return json.dumps(
        {
            "nhs_number": record.nhs_number,
            "given_name": record.given_name,
            "family_name": record.family_name,
            "birth_date": record.birth_date.isoformat(),
            "postcode": record.postcode,
            "gp_ods_code": record.gp_ods_code,
            "phone_matched": phone_matched,
        }
    )


def trace_check(check: IdCheck, reading: DocumentReading | None, today=None) -> Result:
    """Trace the patient and keep the matched record on ``check``; the outcome as a Result.

    Raises ``TraceUnavailable`` (after storing an ``unavailable`` result the pipeline runs
    again) when the demographics service cannot answer.
    """
    from verification.p5.services import phone_matches

    queries, source = _queries(check, reading)
    details: dict = {"details_from": source}
    result = None
    for query in queries:
        result = demographics.trace(query)
        details["by"] = "nhs_number" if query.by_nhs_number else "name"
        if result.outcome is not Outcome.NO_MATCH:
            break
    check.traced_record = ""
    if result is None:
        return Result(FAIL, 1.0, "There were no details to trace", {**details, "trace": "none"})
    if result.outcome is Outcome.UNAVAILABLE:
        details["trace"] = UNAVAILABLE
        return Result(UNSURE, 0.0, "The NHS record service did not answer; trying again", details)
    details["trace"] = result.outcome.value
    if result.outcome is Outcome.NO_MATCH:
        return Result(FAIL, 1.0, "No NHS record matches these details", details)
    if result.outcome is Outcome.MULTIPLE:
        return Result(FAIL, 1.0, "More than one NHS record matches: none can be used", details)
    if result.outcome is Outcome.RESTRICTED:
        return Result(
            FAIL, 1.0, "The matching NHS record is restricted and cannot be used", details
        )
    record = result.record
    if nation_for_postcode(record.postcode) is None:
        details["trace"] = "not_eligible"
        return Result(FAIL, 1.0, "The NHS record is outside the nations NHS login serves", details)
    if Identity.for_nhs_number(record.nhs_number).exclude(user=check.user).exists():
        details["trace"] = "duplicate"
        return Result(FAIL, 1.0, "The NHS record is already linked to another NHS login", details)
    if not old_enough_for_p9(record.birth_date, today):
        details["under_minimum_age"] = True
        return Result(
            FAIL,
            1.0,
            f"The NHS record shows the patient is under {settings.P9_MINIMUM_AGE}",
            details,
        )
    check.traced_record = _record_json(record, phone_matches(check.user, record))
    via = "the document's machine-readable zone" if source == "document" else "what they entered"
    return Result(PASS, 1.0, f"One NHS record matches (name and date of birth from {via})", details)
