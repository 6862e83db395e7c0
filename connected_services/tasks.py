"""Celery tasks for connected services: thin, idempotent, ids only."""

from datetime import timedelta
from logging import getLogger

from celery import shared_task
from django.utils import timezone

from connected_services import backchannel
from connected_services.models import LogoutNotice
from core.queueing import queue_after_commit

logger = getLogger(__name__)

# A notice no worker has tried after this long lost its task on the way (the broker was down
# when the change committed: queue_backchannel_logout queues robustly); after a day, give up.
STALLED_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=1)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=8,
    autoretry_for=(backchannel.DeliveryFailed,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
)
def send_backchannel_logout(self, notice_id: str) -> None:
    """Deliver one back-channel logout token (retried with backoff until the service
    answers 200 or 204; a notice already sent is not sent again)."""
    backchannel.deliver(notice_id)


@shared_task(ignore_result=True)
def queue_stalled_logout_notices() -> int:
    """Queue again the logout notices that were stored but never tried (their task was lost).
    Returns how many; a notice already sent is never posted twice (``backchannel.deliver``)."""
    now = timezone.now()
    stalled = list(
        LogoutNotice.objects.filter(
            sent_at__isnull=True,
            attempts=0,
            created_at__lt=now - STALLED_AFTER,
            created_at__gte=now - GIVE_UP_AFTER,
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in stalled:
        queue_after_commit(send_backchannel_logout, str(pk))
    if stalled:
        logger.warning("queued %d stalled logout notices again", len(stalled))
    return len(stalled)
