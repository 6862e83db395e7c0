"""What a document check takes and gives back, whichever implementation answers."""

import datetime
import enum
import re
from dataclasses import dataclass, field


class DocumentKind(enum.Enum):
    """The kinds of photo ID the patient can show. Only a UK passport has an issuer service."""

    PASSPORT = "passport"
    IDENTITY_CARD = "identity_card"
    RESIDENCE_PERMIT = "residence_permit"
    DRIVING_LICENCE = "driving_licence"


class DocumentCheckOutcome(enum.Enum):
    VALID = "valid"  # the issuer confirms this document for these details
    INVALID = "invalid"  # not valid: wrong details, cancelled, lost or stolen (issuer may not say)
    NOT_SUPPORTED = "not_supported"  # no issuer service for this document: nothing was asked
    UNAVAILABLE = "unavailable"  # the issuer did not answer (timeouts, 5xx, 429 after a retry)


# ICAO 9303 code of the state that issued the document, as the MRZ gives it.
UNITED_KINGDOM = "GBR"
# HM Passport Office's passport numbers are nine digits (since 1988's machine-readable passports).
_UK_PASSPORT_NUMBER = re.compile(r"\d{9}")


@dataclass(frozen=True)
class DocumentCheckQuery:
    """The document's details as read from its MRZ: the issuer is asked about exactly these.

    ``given_names`` are the forenames in order, separated by spaces (the MRZ's ``<``
    already turned into spaces). Nothing here is ever logged.
    """

    kind: DocumentKind
    issuing_state: str
    document_number: str
    surname: str
    given_names: str
    birth_date: datetime.date
    expiry_date: datetime.date

    @property
    def forenames(self) -> list[str]:
        return self.given_names.split()

    @property
    def is_uk_passport(self) -> bool:
        return self.kind is DocumentKind.PASSPORT and self.issuing_state.upper() == UNITED_KINGDOM

    @property
    def well_formed_uk_passport_number(self) -> bool:
        return bool(_UK_PASSPORT_NUMBER.fullmatch(self.document_number))


@dataclass(frozen=True)
class DocumentCheckAnswer:
    """The issuer's answer. ``reason`` is a short code for the checker and the audit
    ("timeout", "http-503", "issuer-error", "bad-response-signature", ...), never personal
    data; ``correlation_id`` is the random id the request carried (empty when nothing was
    sent), so a case can be found in the issuer's own records."""

    outcome: DocumentCheckOutcome
    reason: str = ""
    correlation_id: str = field(default="")

    @property
    def valid(self) -> bool:
        return self.outcome is DocumentCheckOutcome.VALID
