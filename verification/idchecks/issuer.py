"""The document's issuer: is this document valid for these details? (issue 13, ADR 0045)

The pipeline's ``document_issuer`` check asks the document checking service
(``verification.document_checking``: HM Passport Office's Document Checking Service for UK
passports in production, a fake in development and tests) with the fields the MRZ gave, and
keeps only the outcome. Only VALID passes: an invalid document fails; no issuer service for
this document, or no answer, leaves it to a person, so it is never fast-tracked.
"""

from verification import document_checking
from verification.document_checking import DocumentCheckOutcome as Outcome
from verification.document_checking import DocumentKind
from verification.idchecks.checks import FAIL, PASS, UNSURE, Result
from verification.models import DocumentType, IdCheck

NAME = "document_issuer"

KINDS = {
    DocumentType.UK_PASSPORT: DocumentKind.PASSPORT,
    DocumentType.PASSPORT: DocumentKind.PASSPORT,
    DocumentType.EU_ID_CARD: DocumentKind.IDENTITY_CARD,
    DocumentType.BIOMETRIC_RESIDENCE_CARD: DocumentKind.RESIDENCE_PERMIT,
    DocumentType.UK_DRIVING_LICENCE: DocumentKind.DRIVING_LICENCE,
}


def issuer_check(check: IdCheck, reading) -> Result:
    """Ask the issuer about the document read from the MRZ; the outcome as a Result."""
    if reading is None or reading.failure is not None or not reading.birth_date:
        return Result(
            UNSURE,
            0.0,
            "The document could not be read, so its issuer was not asked",
            {"asked": False},
        )
    if reading.expiry_date is None:
        return Result(UNSURE, 0.0, "The document's expiry date could not be read", {"asked": False})
    query = document_checking.DocumentCheckQuery(
        kind=KINDS[check.document_type],
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
        "reason": answer.reason,  # a short code ("timeout", "http-503"), never personal data
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
