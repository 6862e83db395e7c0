"""Email, text messages and voice calls through one interface.

``send(...)`` stores a Notification and hands its id to a Celery task that delivers it through
the configured gateway: GOV.UK Notify when ``NOTIFY_API_KEY`` is set, otherwise the outbox
(the message stays in the database and is shown at /outbox/ while DEBUG is on).
"""

from core.notifications.messages import MESSAGES, Message, register
from core.notifications.service import prepare, queue_delivery, send

__all__ = ["MESSAGES", "Message", "prepare", "queue_delivery", "register", "send"]
