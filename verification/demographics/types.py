"""What a demographics trace takes and gives back, whichever implementation answers."""

import datetime
import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class TraceQuery:
    """What the patient told us: an NHS number *or* names, plus date of birth and postcode.

    Values are already normalised (see ``normalise``): digits only, postcode "SW1A 1AA".
    """

    birth_date: datetime.date
    postcode: str
    nhs_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None

    def __post_init__(self):
        if not self.nhs_number and not (self.given_name and self.family_name):
            raise ValueError("a trace needs an NHS number or a given and family name")

    @property
    def by_nhs_number(self) -> bool:
        return bool(self.nhs_number)


@dataclass(frozen=True)
class PatientRecord:
    """The parts of a PDS record NHS login uses."""

    nhs_number: str
    given_name: str
    family_name: str
    birth_date: datetime.date | None
    postcode: str
    gp_ods_code: str
    mobile: str
    email: str
    restricted: bool


class Outcome(enum.Enum):
    MATCHED = "matched"  # exactly one record, and it is not restricted
    NO_MATCH = "no_match"
    MULTIPLE = "multiple"  # PDS said TOO_MANY_MATCHES
    RESTRICTED = "restricted"  # one record, flagged restricted: we may not use it
    UNAVAILABLE = "unavailable"  # PDS did not answer (5xx, timeouts, still throttled)


@dataclass(frozen=True)
class TraceResult:
    outcome: Outcome
    record: PatientRecord | None = None


class DemographicsUnavailable(Exception):
    """The demographics service could not answer now. Nothing about the patient is known."""
