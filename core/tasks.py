import json
import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core.models import Notification
from core.notifications.gateways import DeliveryError, PermanentDeliveryError, gateway
from core.notifications.messages import MESSAGES
from core.queueing import queue_after_commit

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(DeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_notification(self, notification_id: str) -> None:
    """Deliver one stored notification, once. Idempotent: a delivered one is left alone, and
    so is one another task has started (its attempts are more than this task's retries)."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Notification.Status.QUEUED:
            return
        if notification.attempts > self.request.retries:
            # A second task for the same notification: the sweeper queued it again while the
            # first waited in a long queue, or two nodes both ran beat. The first has it; a
            # patient must not get the same code twice.
            return
        notification.attempts += 1
        notification.save(update_fields=["attempts"])

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


# A notification whose task never reached a worker (Redis was unreachable when its
# transaction committed) still has no attempts after this long: queue it again. Long enough
# that a busy queue is not doubled, short enough that a security code is still worth sending.
STALLED_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=1)


@shared_task(ignore_result=True)
def queue_stalled_notifications() -> int:
    """Queue the delivery of notifications that were stored but never picked up. Returns how
    many were queued again (ids only are logged)."""
    now = timezone.now()
    stalled = list(
        Notification.objects.filter(
            status=Notification.Status.QUEUED,
            attempts=0,
            created_at__lt=now - STALLED_AFTER,
            created_at__gte=now - GIVE_UP_AFTER,
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in stalled:
        queue_after_commit(deliver_notification, str(pk))
    if stalled:
        logger.warning("queued %d stalled notifications again", len(stalled))
    return len(stalled)
