"""The worker rides out restarts of its broker's Redis with work in flight (issue 14,
finding 2; docs/operations.md "Workers and Redis restarts")."""

import os
from datetime import timedelta

import pytest
from django.db import connection

from accounts.messages import SMS_SECURITY_CODE
from core import queue, tasks
from core.models import Notification
from core.notifications import send
from tests.fixtures.worker import Worker, _database_url, wait_for

RESTARTS = 3
CODES_PER_ROUND = 20


def _delivered(notifications) -> int:
    return Notification.objects.filter(
        pk__in=[n.pk for n in notifications], status=Notification.Status.DELIVERED
    ).count()


def _send_codes(count: int, first: int) -> list[Notification]:
    return [
        send(SMS_SECURITY_CODE.name, "07700900123", {"code": f"{first + n:06d}"})
        for n in range(count)
    ]


@pytest.fixture
def worker_on_own_redis(transactional_db, settings, redis_server, monkeypatch):
    """A worker run as the Procfile runs it, consuming from this test's own redis-server."""
    from config.celery import app

    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url(connection.settings_dict)
    env["CELERY_TASK_ALWAYS_EAGER"] = "False"
    env["CELERY_BROKER_URL"] = redis_server.url()
    settings.CELERY_BROKER_URL = redis_server.url()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(queue, "_client", None)  # queue to this test's redis-server
    monkeypatch.setattr(tasks, "STALLED_AFTER", timedelta(seconds=3))  # 2 minutes: too slow here
    app.conf.task_always_eager = False
    worker = Worker(env, queues="default", options=Worker.AS_DEPLOYED)
    worker.log.write_bytes(b"")
    worker.start()
    yield worker
    worker.stop()
    app.conf.task_always_eager = True
    monkeypatch.setattr(queue, "_client", None)


@pytest.mark.worker
def test_security_codes_are_all_sent_when_redis_restarts_under_a_busy_worker(
    worker_on_own_redis, redis_server
):
    worker = worker_on_own_redis
    sent: list[Notification] = []
    for round_ in range(RESTARTS):
        batch = _send_codes(CODES_PER_ROUND, len(sent))
        sent += batch
        # Restart Redis part-way through the batch, while the worker holds messages.
        wait_for(lambda b=batch: _delivered(b) >= 3, timeout=20, interval=0.02)
        redis_server.restart(down_for=0.2)
        assert worker.process.poll() is None, (
            f"the worker exited after restart {round_ + 1}:\n" + (worker.log.read_text()[-3000:])
        )

    # Codes asked for after the last restart are sent too, by the same worker.
    sent += _send_codes(5, len(sent))

    def all_sent() -> bool:
        # What beat does every minute: queue again a code no worker ever started (its
        # message was in the worker's hands when Redis went away).
        tasks.queue_stalled_notifications()
        return _delivered(sent) == len(sent)

    wait_for(all_sent, timeout=30, interval=0.5)
    assert worker.process.poll() is None, worker.log.read_text()[-3000:]
