"""Celery tasks for connected services: thin, idempotent, ids only."""

from logging import getLogger

from celery import shared_task

from connected_services import backchannel, security_events
from connected_services.models import LogoutNotice, SecurityEvent
from core import delivery

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
        # Raises Retry (the task runs again after a back-off) until the attempts are used up.
        delivery.retry_later(self, notice, error, max_attempts=MAX_ATTEMPTS)
        logger.warning(
            "logout notice %s not accepted after %d attempts", notice_id, notice.attempts
        )


@shared_task(ignore_result=True)
def queue_stalled_logout_notices() -> int:
    """Queue again the logout notices no task holds: stored but never tried (their task was
    lost), or taken by a worker that died (``core.delivery``). Returns how many; a notice
    already sent is never posted twice (``backchannel.deliver``)."""
    return delivery.queue_stalled(
        LogoutNotice.objects.filter(sent_at__isnull=True),
        send_backchannel_logout,
        max_attempts=MAX_ATTEMPTS,
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def send_security_event(self, event_id: str) -> None:
    """Push one security event token to a service (RFC 8935), retried with back-off until it
    answers 202; one it refuses as invalid (400) is recorded and not retried."""
    try:
        security_events.deliver(event_id, claimant=self.request.id)
    except security_events.Refused as refused:
        logger.warning("security event %s refused by the service: %s", event_id, refused)
    except security_events.DeliveryFailed as error:
        event = SecurityEvent.objects.get(pk=event_id)
        # Raises Retry (the task runs again after a back-off) until the attempts are used up.
        delivery.retry_later(self, event, error, max_attempts=MAX_ATTEMPTS)
        logger.warning("security event %s not accepted after %d attempts", event_id, event.attempts)


@shared_task(ignore_result=True)
def queue_stalled_security_events() -> int:
    """Queue again the security events no task holds (never tried, or claimed by a worker
    that died: ``core.delivery``). Returns how many; one refused as invalid (400) stays."""
    return delivery.queue_stalled(
        SecurityEvent.objects.filter(sent_at__isnull=True).exclude(last_status__startswith="400"),
        send_security_event,
        max_attempts=MAX_ATTEMPTS,
    )
