"""The document's issuer: is this document valid for these details? (issue 13, ADR 0045)

The pipeline's ``document_issuer`` check asks the document checking service
(``verification.document_checking``: HM Passport Office's Document Checking Service for UK
passports in production, a fake in development and tests) with the fields the MRZ gave, and
keeps only the outcome. Only VALID passes: an invalid document fails; no issuer service for
this document, or no answer, leaves it to a person, so it is never fast-tracked.
"""

from verification import document_checking
from verification.idchecks.checks import FAIL, PASS, UNSURE, Result
from verification.models import IdCheck

NAME = "document_issuer"
Outcome = document_checking.Outcome


def issuer_check(check: IdCheck, reading) -> Result:
    """Ask the issuer about the document read from the MRZ; the outcome as a Result."""
    if reading is None or getattr(reading, "failure", None) is not None:
        return Result(
            UNSURE,
            0.0,
            "The document could not be read, so its issuer was not asked",
            {"asked": False},
        )
    query = document_checking.DocumentQuery(
        document_type=check.document_type,
        issuing_state=reading.issuing_state,
        document_number=reading.document_number,
        surname=reading.surname,
        given_names=reading.given_names,
        birth_date=reading.birth_date,
        expiry_date=reading.expiry_date,
    )
    answer = document_checking.check_document(query)
    details = {
        "asked": answer.outcome is not Outcome.NOT_SUPPORTED,
        "outcome": answer.outcome.value,
    }
    if answer.outcome is Outcome.VALID:
        return Result(PASS, 1.0, "The issuer confirmed the document for these details", details)
    if answer.outcome is Outcome.INVALID:
        return Result(
            FAIL,
            1.0,
            "The issuer says this document is not valid for these details "
            "(wrong details, cancelled, lost or stolen)",
            details,
        )
    if answer.outcome is Outcome.NOT_SUPPORTED:
        return Result(UNSURE, 0.0, "No issuer service can confirm this kind of document", details)
    return Result(UNSURE, 0.0, "The issuer's service did not answer", details)
