"""What every implementation answers without asking anyone."""

from verification.document_checking.types import (
    DocumentCheckAnswer,
    DocumentCheckOutcome,
    DocumentCheckQuery,
)


def answer_without_asking(query: DocumentCheckQuery) -> DocumentCheckAnswer | None:
    """NOT_SUPPORTED for anything but a UK passport (HM Passport Office answers only for its
    own passports: no other country's, no identity or residence cards, no driving licences);
    INVALID for a "UK passport" whose number is not nine digits, which HM Passport Office never
    issued. None when the issuer must be asked."""
    if not query.is_uk_passport:
        return DocumentCheckAnswer(DocumentCheckOutcome.NOT_SUPPORTED, "no-issuer-service")
    if not query.well_formed_uk_passport_number:
        return DocumentCheckAnswer(DocumentCheckOutcome.INVALID, "not-a-uk-passport-number")
    return None
