"""The fake issuer: a deterministic answer for every passport, for development, tests and the demo.

The rule, in order (document numbers are the nine digits of a UK passport):

- ``999999500``: the service answers 500 (every time).
- ``999999429``: the service answers 429 Too Many Requests (every time).
- ``999999504``: the service takes longer than the client waits (a timeout).
- ``999999991``, ``999999992``, ``999999993``: VALID, whatever the names and dates.
- a number starting ``000``: INVALID (as a cancelled, lost or stolen passport would be).
- any other number: VALID only when the number, surname, forenames, date of birth and expiry
  date all match a passport in ``REGISTER`` and it has not expired; otherwise INVALID.

Names are compared as the MRZ writes them: capitals, accents removed, anything but letters and
spaces dropped. ``REGISTER`` holds the demo patient's passport (``DEMO_PASSPORT``: Alex Demo,
born 1 January 1990), so the demo's passport is confirmed and nothing else is.

``FakeDocumentChecking`` applies the rule in this process (``DOCUMENT_CHECKING_SERVICE=fake``);
``fake_dcs`` serves it over HTTP in the DCS's wire format, so the real client can be pointed at it.
"""

import datetime
import enum
import unicodedata
import uuid
from dataclasses import dataclass

from verification.document_checking import rules
from verification.document_checking.types import (
    DocumentCheckAnswer,
    DocumentCheckOutcome,
    DocumentCheckQuery,
)

SERVER_ERROR_NUMBER = "999999500"
THROTTLED_NUMBER = "999999429"
SLOW_NUMBER = "999999504"
ALWAYS_VALID_NUMBERS = frozenset({"999999991", "999999992", "999999993"})
INVALID_PREFIX = "000"


@dataclass(frozen=True)
class IssuedPassport:
    """A passport the fake issuer knows, with names as its MRZ writes them."""

    number: str
    surname: str
    forenames: str
    birth_date: datetime.date
    expiry_date: datetime.date


# The demo patient (verification/demo_idchecks.py: Alex Demo, born 1 January 1990). A demo
# passport image must carry exactly these details for the fake issuer to confirm it.
DEMO_PASSPORT = IssuedPassport(
    number="925076473",
    surname="DEMO",
    forenames="ALEX",
    birth_date=datetime.date(1990, 1, 1),
    expiry_date=datetime.date(2034, 1, 1),
)
REGISTER = (DEMO_PASSPORT,)


class Decision(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    SERVER_ERROR = "server_error"
    THROTTLED = "throttled"
    SLOW = "slow"


def name_key(name: str) -> str:
    """A name as an MRZ writes it, for comparison: capitals, no accents, letters and spaces."""
    plain = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in plain.upper() if "A" <= c <= "Z" or c.isspace() or c in "<-'")
    return " ".join(letters.replace("<", " ").replace("-", " ").replace("'", "").split())


def decide(
    number: str,
    surname: str,
    forenames: list[str],
    birth_date: datetime.date,
    expiry_date: datetime.date,
    today: datetime.date | None = None,
) -> Decision:
    """The fake issuer's answer for these details (see the module's docstring)."""
    if number == SERVER_ERROR_NUMBER:
        return Decision.SERVER_ERROR
    if number == THROTTLED_NUMBER:
        return Decision.THROTTLED
    if number == SLOW_NUMBER:
        return Decision.SLOW
    if number in ALWAYS_VALID_NUMBERS:
        return Decision.VALID
    if number.startswith(INVALID_PREFIX):
        return Decision.INVALID
    today = today or datetime.date.today()
    asked = (number, name_key(surname), name_key(" ".join(forenames)), birth_date, expiry_date)
    for passport in REGISTER:
        known = (
            passport.number,
            name_key(passport.surname),
            name_key(passport.forenames),
            passport.birth_date,
            passport.expiry_date,
        )
        if asked == known and passport.expiry_date >= today:
            return Decision.VALID
    return Decision.INVALID


class FakeDocumentChecking:
    """``check`` in this process: the fake's rule, with the same answers the HTTP fake gives
    the real client (a timeout, 500 and 429 are UNAVAILABLE, at once)."""

    def check(self, query: DocumentCheckQuery) -> DocumentCheckAnswer:
        if answer := rules.answer_without_asking(query):
            return answer
        correlation_id = str(uuid.uuid4())
        decision = decide(
            query.document_number,
            query.surname,
            query.forenames,
            query.birth_date,
            query.expiry_date,
        )
        outcome, reason = {
            Decision.VALID: (DocumentCheckOutcome.VALID, ""),
            Decision.INVALID: (DocumentCheckOutcome.INVALID, "issuer-says-not-valid"),
            Decision.SERVER_ERROR: (DocumentCheckOutcome.UNAVAILABLE, "http-500"),
            Decision.THROTTLED: (DocumentCheckOutcome.UNAVAILABLE, "http-429"),
            Decision.SLOW: (DocumentCheckOutcome.UNAVAILABLE, "timeout"),
        }[decision]
        return DocumentCheckAnswer(outcome, reason, correlation_id)
