import json
import logging

from celery import shared_task
from django.utils import timezone

from core import delivery
from core.models import Notification
from core.notifications.gateways import DeliveryError, PermanentDeliveryError, gateway
from core.notifications.messages import MESSAGES

logger = logging.getLogger(__name__)


# A notification is tried at most this often (the first attempt and eight retries).
MAX_ATTEMPTS = 9


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def deliver_notification(self, notification_id: str) -> None:
    """Deliver one stored notification, once. Idempotent: a delivered one is left alone, and
    so is one another task is trying (``core.delivery.claim``); a gateway that cannot take it
    now is tried again with back-off, and one that never will marks it failed."""
    notification = delivery.claim(
        Notification.objects.filter(status=Notification.Status.QUEUED),
        notification_id,
        self.request.id,
    )
    if notification is None:
        return
    chosen = gateway()
    if notification.template not in MESSAGES:
        logger.error("notification %s has an unknown template", notification_id)
        Notification.objects.filter(pk=notification_id).update(status=Notification.Status.FAILED)
        return
    try:
        reference = chosen.deliver(
            MESSAGES[notification.template],
            notification.recipient,
            json.loads(notification.personalisation),
        )
    except DeliveryError as error:
        # Raises Retry (the task runs again after a back-off) until the attempts are used up.
        delivery.retry_later(self, notification, error, max_attempts=MAX_ATTEMPTS)
        logger.warning("notification %s failed after %d attempts", notification_id, MAX_ATTEMPTS)
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED, gateway=chosen.name
        )
        return
    except PermanentDeliveryError as error:
        logger.warning("notification %s failed: %s", notification_id, error)
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED, gateway=chosen.name
        )
        return
    Notification.objects.filter(pk=notification_id, status=Notification.Status.QUEUED).update(
        status=Notification.Status.DELIVERED,
        gateway=chosen.name,
        delivered_at=timezone.now(),
        provider_reference=reference,
    )


@shared_task(ignore_result=True)
def queue_stalled_notifications() -> int:
    """Queue again the notifications no task holds: stored but never picked up (Redis was
    unreachable when their transaction committed), or taken by a worker that died mid-delivery
    or while waiting to retry (``core.delivery``). Returns how many."""
    return delivery.queue_stalled(
        Notification.objects.filter(status=Notification.Status.QUEUED),
        deliver_notification,
        max_attempts=MAX_ATTEMPTS,
    )
