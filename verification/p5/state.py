"""The P5 journey's steps and the one typed object that holds its in-flight state."""

import dataclasses
from dataclasses import dataclass

from verification.journey import SessionJourney, Step


@dataclass
class P5State:
    """What the patient has told us so far, and the outcome once traced.

    Kept in the (server-side) session, never in a URL. After a match only ``outcome`` stays;
    after any other outcome the answers stay too, so trying again starts from what the
    patient typed. Signing out ends the session, and with it the answers.
    """

    nhs_number: str = ""
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""  # ISO date
    postcode: str = ""
    outcome: str = ""  # a TraceAttempt.Outcome value, once traced

    @property
    def identified(self) -> bool:
        """The patient gave an NHS number, or a first and last name."""
        return bool(self.nhs_number or (self.given_name and self.family_name))

    @property
    def by(self) -> str:
        return "nhs_number" if self.nhs_number else "name"

    def traced(self, outcome: str) -> "P5State":
        """The state after a trace: the outcome, and the answers unless they matched."""
        if outcome == "matched":
            return P5State(outcome=outcome)
        return dataclasses.replace(self, outcome=outcome)

    def for_another_try(self) -> "P5State":
        """The answers of a finished attempt, ready to be changed and traced again."""
        return dataclasses.replace(self, outcome="")


NOT_MATCHED = ("no_match", "multiple", "restricted", "duplicate")


def _traced(*outcomes):
    return lambda state: state.outcome in outcomes


JOURNEY = SessionJourney(
    "p5",
    P5State,
    [
        Step("verification:p5:nhs_number", lambda state: True),
        Step("verification:p5:name", lambda state: True, alternative=True),
        Step("verification:p5:date_of_birth", lambda state: state.identified),
        Step(
            "verification:p5:postcode",
            lambda state: state.identified and bool(state.birth_date),
        ),
        Step("verification:p5:matched", _traced("matched")),
        Step("verification:p5:not_matched", _traced(*NOT_MATCHED)),
        Step("verification:p5:not_eligible", _traced("not_eligible")),
    ],
)

OUTCOME_PAGES = {
    "matched": "verification:p5:matched",
    "no_match": "verification:p5:not_matched",
    "multiple": "verification:p5:not_matched",
    "restricted": "verification:p5:not_matched",
    "duplicate": "verification:p5:not_matched",
    "not_eligible": "verification:p5:not_eligible",
}
