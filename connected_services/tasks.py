"""Celery tasks for connected services: thin, idempotent, ids only."""

from logging import getLogger

from celery import shared_task

from connected_services import backchannel
from connected_services.models import LogoutNotice
from core import delivery
from core.queueing import queue_after_commit

logger = getLogger(__name__)

# A notice is tried at most this often (the first attempt and eight retries).
MAX_ATTEMPTS = 9


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def send_backchannel_logout(self, notice_id: str) -> None:
    """Deliver one back-channel logout token, retried with back-off until the service answers
    200 or 204 (a notice already sent, or being sent by another task, is not sent again)."""
    try:
        backchannel.deliver(notice_id, claimant=self.request.id)
    except backchannel.DeliveryFailed as error:
        notice = LogoutNotice.objects.get(pk=notice_id)
        delivery.retry_later(
            self, notice, error, max_attempts=MAX_ATTEMPTS
        )  # raises Retry unless used up
        logger.warning(
            "logout notice %s not accepted after %d attempts", notice_id, notice.attempts
        )


@shared_task(ignore_result=True)
def queue_stalled_logout_notices() -> int:
    """Queue again the logout notices no task holds: stored but never tried (their task was
    lost), or taken by a worker that died (``core.delivery``). Returns how many; a notice
    already sent is never posted twice (``backchannel.deliver``)."""
    stalled = list(
        delivery.stalled(
            LogoutNotice.objects.filter(sent_at__isnull=True), max_attempts=MAX_ATTEMPTS
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in stalled:
        queue_after_commit(send_backchannel_logout, str(pk))
    if stalled:
        logger.warning("queued %d stalled logout notices again", len(stalled))
    return len(stalled)
