"""A password validator for Django's ``AUTH_PASSWORD_VALIDATORS``: refuse passwords that
lists from breaches make easy to guess (ADR 0060).

zxcvbn estimates how many guesses a password needs, using frequency lists that ship inside
the package (passwords from breaches, English words, names, surnames, TV and film words), and
the patterns people use to dress them up: ``Passw0rd!`` (a common password with letters swapped
for numbers), ``Summer2024!`` (a word, a year and a symbol), keyboard rows, repeats and dates.
Nothing is sent anywhere.
"""

import threading

from django.core.exceptions import ValidationError

TOO_EASY_TO_GUESS = (
    "This password is too easy to guess. Many people use it, or it follows a common "
    "pattern. Try 3 random words"
)

# zxcvbn only looks at this many characters (it refuses longer ones: its matching grows
# with the square of the length). A longer password is judged on its first 72.
LOOKED_AT = 72

# zxcvbn puts the words about this patient (``user_inputs``) into a dictionary shared by the
# whole module before each estimate; one estimate at a time per process, so two patients'
# words never mix. An estimate takes 1 to 5 ms.
_one_at_a_time = threading.Lock()


class GuessablePasswordValidator:
    """Refuse a password whose zxcvbn score is below ``min_score`` (0 to 4).

    Score 3 means about 10^8 guesses or more: "safely unguessable" in zxcvbn's own words,
    and what it suggests for a service like this. The patient's email address counts as a
    known word, so ``Jane.Smith.1`` for jane.smith@example.com is guessable.
    """

    code = "password_too_guessable"

    def __init__(self, min_score: int = 3):
        if not 0 <= min_score <= 4:
            raise ValueError("min_score is 0 to 4")
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        if self.score(password, user) < self.min_score:
            raise ValidationError(TOO_EASY_TO_GUESS, code=self.code)

    def score(self, password: str, user=None) -> int:
        """zxcvbn's score for this password, 0 (easy to guess) to 4."""
        # Imported here, not above: loading the lists takes ~100 ms and 6 MB, and the forms
        # that import this module for its message include the sign-in's.
        from zxcvbn import zxcvbn

        with _one_at_a_time:
            return zxcvbn(password[:LOOKED_AT], user_inputs=_words_about(user))["score"]

    def get_help_text(self) -> str:
        return (
            "Do not use a password that many people use or that follows a common pattern, "
            "like a word with a year and a symbol. 3 random words work well."
        )


def _words_about(user) -> list[str]:
    """The parts of the patient's email address, which a guesser would try first."""
    email = (getattr(user, "email", "") or "").lower()
    local, _, domain = email.partition("@")
    words = [local, *local.replace("_", ".").replace("-", ".").split("."), domain]
    return [word for word in words if len(word) >= 3]
