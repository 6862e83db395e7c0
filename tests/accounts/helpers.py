"""Reading security codes from the notifications the service sent, as a patient would."""

import re

from core.models import Notification
from core.notifications.service import rendered

VALID_MOBILE = "07400 123456"
VALID_LANDLINE = "0113 496 0000"


def sent_to(recipient: str, template: str | None = None) -> list[Notification]:
    sent = [n for n in Notification.objects.order_by("-created_at") if n.recipient == recipient]
    if template:
        sent = [n for n in sent if n.template == template]
    return sent


def latest_code(recipient: str) -> str:
    """The newest 6-digit code sent to this email address or phone number."""
    for notification in sent_to(recipient):
        _subject, body = rendered(notification)
        digits = re.sub(r"[^0-9]", "", body) if notification.channel == "voice" else body
        match = re.search(r"\d{6}", digits)
        if match:
            return match.group(0)
    raise AssertionError(f"no code sent to {recipient}")
