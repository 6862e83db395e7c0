"""Celery tasks for proving who you are. Thin, idempotent, ids only, acknowledged late."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_process_init, worker_ready
from django.db import DatabaseError, InterfaceError, OperationalError

from core.queueing import queue_after_commit
from verification.demographics.types import DemographicsUnavailable

logger = logging.getLogger(__name__)

# Faults worth another try: the database, storage or the demographics service (a photo ID
# check that traces the patient's NHS record) went away for a moment.
TRANSIENT = (
    OperationalError,
    InterfaceError,
    DatabaseError,
    ConnectionError,
    TimeoutError,
    DemographicsUnavailable,
)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
)
def run_id_checks(self, check_id: str) -> None:
    """Run the automated checks of one sent ID check and decide what happens next."""
    from verification.idchecks import services

    services.run_automated_checks(check_id)


@shared_task(acks_late=True)
def resume_stalled_id_checks(minutes: int = 10) -> int:
    """Queue again any sent check whose automated checks did not finish (a lost task)."""
    from verification.idchecks import services

    stalled = [
        str(pk)
        for pk in services.stalled_checks(timedelta(minutes=minutes)).values_list("pk", flat=True)
    ]
    for check_id in stalled:
        queue_after_commit(run_id_checks, check_id)
    return len(stalled)


@shared_task(acks_late=True)
def delete_decided_id_check_media() -> int:
    """Delete photos and videos a set number of days after the decision (audited)."""
    from verification.idchecks import services

    return services.delete_decided_media()


@worker_process_init.connect
def _load_check_models(**kwargs):
    """Each worker process loads the OCR, face and speech models once, not per check."""
    try:
        from verification.idchecks import engines

        engines.preload()
    except Exception:  # a worker for light tasks only still starts
        logger.exception("could not preload the ID check models")


@worker_ready.connect
def _resume_after_restart(sender=None, **kwargs):
    """A worker that starts on the checks queue picks up checks a crash left half done.

    The checks are idempotent and resumable, so queueing one that another worker is running
    costs only duplicated work, never a second decision.
    """
    consumer = getattr(sender, "task_consumer", None)
    queues = {q.name for q in getattr(consumer, "queues", None) or []}
    if queues and "checks" not in queues:
        return
    queue_after_commit(resume_stalled_id_checks, 0)  # a broker that is down is logged


@shared_task(acks_late=True)
def expire_provisions() -> int:
    """End requests for a login (account provisioning) whose link expired unused, and blank
    their personal data (beat, hourly; ADR 0065)."""
    from verification.provisioning import services

    return services.expire_provisions()
