"""Celery tasks for connected services: thin, idempotent, ids only."""

from celery import shared_task

from connected_services import backchannel


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
