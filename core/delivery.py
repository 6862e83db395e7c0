"""Claims on rows a Celery task delivers to the outside world (a text or email, a back-channel
logout token), so each is tried by one task at a time and none is lost when a worker dies.

The broker acknowledges a message as soon as a worker takes it (``ack_emulation`` is off:
issue 14), so a worker that is killed mid-delivery, or restarted while it holds a retry that is
waiting out its back-off, takes the message with it. The row is the truth instead: a task that
makes an attempt claims the row for ``LEASE`` (longer than any gateway's time-out), and a task
that schedules its own retry extends the claim past the retry's countdown. The sweeper queues
again any undelivered row whose claim has run out, and a task may only make an attempt on a row
nobody else holds, so a patient never gets the same code from two tasks at once.
"""

import logging
import random
from datetime import timedelta

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.queueing import queue_after_commit

logger = logging.getLogger(__name__)

# Longer than the slowest gateway call (GOV.UK Notify's client waits 30 s, a service's
# back-channel logout endpoint OIDC_BACKCHANNEL_LOGOUT_TIMEOUT), so a live attempt is never
# taken over.
LEASE = timedelta(minutes=2)
# A row no task has claimed this long after it was stored lost its task on the way (the broker
# was down when the change committed); after a day, nobody still wants it.
STALLED_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=1)
# As Celery's retry_backoff: 2, 4, 8 ... seconds, never more than ten minutes, with jitter.
BACKOFF_MAX_SECONDS = 600


class Claimable(models.Model):
    """Fields a delivered row needs: how often it was tried, and who may try it until when."""

    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # The Celery task id holding the claim; a task's retries keep its id.
    claimed_by = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


def claim(undelivered: models.QuerySet, pk, task_id: str):
    """The row ``pk`` from ``undelivered`` if task ``task_id`` may make an attempt now, with the
    attempt counted and the row claimed for ``LEASE``; None if it is delivered, gone, or held by
    another task whose claim has not run out."""
    now = timezone.now()
    with transaction.atomic():
        row = undelivered.select_for_update().filter(pk=pk).first()
        if row is None:
            return None
        held_by_another = (
            row.claimed_until is not None and row.claimed_until > now and row.claimed_by != task_id
        )
        if held_by_another:
            return None
        row.attempts += 1
        row.claimed_until = now + LEASE
        row.claimed_by = task_id
        row.save(update_fields=["attempts", "claimed_until", "claimed_by"])
    return row


def retry_later(task, row, error: Exception, *, max_attempts: int):
    """Schedule ``task``'s own retry with exponential back-off, holding the claim on ``row``
    until the retry is due; returns False (and schedules nothing) when ``row`` has had
    ``max_attempts`` attempts, so the caller records the failure."""
    if row.attempts >= max_attempts or task.request.retries >= task.max_retries:
        return False
    countdown = random.randint(1, min(BACKOFF_MAX_SECONDS, 2 ** (task.request.retries + 1)))
    type(row).objects.filter(pk=row.pk, claimed_by=task.request.id).update(
        claimed_until=timezone.now() + timedelta(seconds=countdown) + LEASE
    )
    raise task.retry(exc=error, countdown=countdown)


def stalled_rows(undelivered: models.QuerySet, *, max_attempts: int) -> models.QuerySet:
    """The rows of ``undelivered`` that no task holds and that are still worth trying: never
    claimed and older than ``STALLED_AFTER``, or claimed by a task that is gone."""
    now = timezone.now()
    return undelivered.filter(
        Q(claimed_until__isnull=True, created_at__lt=now - STALLED_AFTER)
        | Q(claimed_until__lt=now),
        created_at__gte=now - GIVE_UP_AFTER,
        attempts__lt=max_attempts,
    ).order_by(F("created_at").asc())


def queue_stalled(undelivered: models.QuerySet, task, *, max_attempts: int) -> int:
    """Queue ``task`` again for each row of ``undelivered`` no task holds (``stalled``), at
    most 1,000 a run. Returns how many (ids only are logged)."""
    stalled = list(
        stalled_rows(undelivered, max_attempts=max_attempts).values_list("pk", flat=True)[:1000]
    )
    for pk in stalled:
        queue_after_commit(task, str(pk))
    if stalled:
        logger.warning("queued %s again for %d stalled rows", task.name, len(stalled))
    return len(stalled)
