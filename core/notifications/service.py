import json

from django.db import transaction

from core import queue, rows
from core.models import Notification
from core.notifications.messages import MESSAGES


def send(message_name: str, recipient: str, personalisation: dict | None = None, *, user=None):
    """Queue a message for delivery after the current transaction commits.

    The recipient and content are stored encrypted; the delivery task is given only the
    notification's id. If the task is lost before a worker takes it (Redis unreachable at the
    commit), ``core.tasks.queue_stalled_notifications`` queues it again.
    """
    from core.tasks import deliver_notification

    message = MESSAGES[message_name]
    personalisation = personalisation or {}
    message.render(personalisation)  # a missing placeholder is a bug: fail at the caller
    notification = rows.insert(
        Notification(
            channel=message.channel,
            template=message.name,
            recipient=recipient,
            personalisation=json.dumps(personalisation),
            user=user,
        )
    )
    transaction.on_commit(lambda: queue.enqueue(deliver_notification, str(notification.id)))
    return notification


def rendered(notification: Notification) -> tuple[str, str]:
    """Subject and body of a stored notification, as its recipient reads them."""
    return MESSAGES[notification.template].render(json.loads(notification.personalisation))
