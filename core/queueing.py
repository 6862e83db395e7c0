"""Queueing Celery tasks from the service: after the transaction commits, ids only.

Every place that hands work to a worker (a text or email, a back-channel logout, the ID
checks, ending a deleted login's sessions) calls ``queue_after_commit``. The task is queued
by Celery's own ``apply_async`` once the rows it reads are committed, so a worker never looks
for a row that is not there yet, and a rolled-back change queues nothing.

A broker that cannot be reached is logged, not raised: the change has been committed and its
rows are the truth, so the patient sees the page for what happened, and each task queued this
way has a sweeper that queues its rows again (``core.tasks.queue_stalled_notifications``,
``connected_services.tasks.queue_stalled_logout_notices``,
``verification.tasks.resume_stalled_id_checks``) or, for ending sessions, nothing left that
could be used (the login is gone).
"""

import logging

import kombu.exceptions
import redis.exceptions
from django.db import transaction

logger = logging.getLogger(__name__)

# What Celery raises when the broker is down or restarting (kombu wraps Redis's errors, but
# a connection that fails half way may surface Redis's own).
BROKER_DOWN = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def queue_after_commit(task, *args: str | int) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one: a
    sweeper, a worker starting); nothing if it rolls back. ``args``: ids, never personal data
    (they are stored in the broker and written to the worker's log). A broker that cannot be
    reached is logged, not raised (see the module's docstring for who queues it again)."""
    if not all(isinstance(arg, str | int) for arg in args):
        raise TypeError(f"{task.name}: tasks take ids (str or int) only")

    def publish():
        try:
            task.apply_async(args)
        except BROKER_DOWN as error:
            # The task's name only: its arguments stay out of the log.
            logger.warning(
                "could not queue %s: the broker is unreachable (%s)",
                task.name,
                type(error).__name__,
            )

    transaction.on_commit(publish)
