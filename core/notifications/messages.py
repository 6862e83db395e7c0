"""The messages we send, written once, in plain English.

The body uses GOV.UK Notify's ``((placeholder))`` syntax so the same text can be pasted into a
Notify template; in production each message maps to a Notify template id
(``NOTIFY_TEMPLATE_IDS_FILE``, a JSON object of message name to id).
"""

import re
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")


@dataclass(frozen=True)
class Message:
    name: str
    channel: str  # "email", "sms" or "voice"
    body: str
    subject: str = ""

    def placeholders(self) -> set[str]:
        return set(_PLACEHOLDER.findall(self.body + self.subject))

    def render(self, personalisation: dict) -> tuple[str, str]:
        """The subject and body as the recipient reads them."""
        missing = self.placeholders() - personalisation.keys()
        if missing:
            raise KeyError(f"message {self.name} needs {sorted(missing)}")

        def fill(text: str) -> str:
            return _PLACEHOLDER.sub(lambda m: str(personalisation[m.group(1)]), text)

        return fill(self.subject), fill(self.body)


MESSAGES: dict[str, Message] = {}


def register(message: Message) -> Message:
    MESSAGES[message.name] = message
    return message
