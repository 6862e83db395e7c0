import json

# The module, not its task: core.tasks imports this package (its gateways and messages), so
# whichever of the two is imported first, the task is looked up when a message is queued.
from core import rows, tasks
from core.models import Notification
from core.notifications.messages import MESSAGES
from core.queueing import queue_after_commit


def send(message_name: str, recipient: str, personalisation: dict | None = None, *, user=None):
    """Queue a message for delivery after the current transaction commits.

    The recipient and content are stored encrypted; the delivery task is given only the
    notification's id. If the task is lost before a worker takes it (Redis unreachable at the
    commit), ``core.tasks.queue_stalled_notifications`` queues it again.
    """
    notification = rows.insert(prepare(message_name, recipient, personalisation, user=user))
    queue_delivery(notification)
    return notification


def prepare(message_name: str, recipient: str, personalisation: dict | None = None, *, user=None):
    """The unsaved Notification ``send`` stores (for a caller that writes it in a statement
    of its own, then calls ``queue_delivery``)."""
    message = MESSAGES[message_name]
    personalisation = personalisation or {}
    message.render(personalisation)  # a missing placeholder is a bug: fail at the caller
    return Notification(
        channel=message.channel,
        template=message.name,
        recipient=recipient,
        personalisation=json.dumps(personalisation),
        user=user,
    )


def queue_delivery(notification: Notification) -> None:
    """Hand a stored notification's id to the delivery task once its transaction commits."""
    queue_after_commit(tasks.deliver_notification, str(notification.id))


def rendered(notification: Notification) -> tuple[str, str]:
    """Subject and body of a stored notification, as its recipient reads them."""
    return MESSAGES[notification.template].render(json.loads(notification.personalisation))
