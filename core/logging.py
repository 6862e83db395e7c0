"""A last line of defence against personal data in logs.

Code must not log personal data in the first place; this filter masks the shapes that would
matter most if it ever did: email addresses, NHS numbers and UK phone numbers.
"""

import logging
import re

_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)"), "[number]"),
    (re.compile(r"(?<![\w])(\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\d)"), "[phone]"),
    # The "If this was not you" link's single-use token (accounts.views.proofing_notice).
    (re.compile(r"([?&]token=)[^&\s\"']+"), r"\1[token]"),
]


# A UUID (a correlation or request id) is kept whole: its hex groups can hold ten decimal
# digits in a row ("...-4e9810710423"), which the number shape would mask, and a failure
# logged with a masked correlation id cannot be traced with the other system's team.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def redact(text: str) -> str:
    """``text`` with the shapes of personal data masked, UUIDs left as they are."""
    kept, start = [], 0
    for uuid in _UUID.finditer(text):
        kept += [_redact(text[start : uuid.start()]), uuid.group()]
        start = uuid.end()
    return "".join([*kept, _redact(text[start:])])


def _redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
