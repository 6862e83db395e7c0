"""The worker rides out restarts of its broker's Redis with work in flight (issue 14,
finding 2; docs/operations.md "Workers and Redis restarts")."""

import os
import time
from datetime import timedelta

import pytest
import redis
from django.db import connection, transaction

from accounts.messages import SMS_SECURITY_CODE
from core import delivery, rows, tasks
from core.models import Notification
from core.notifications import send
from core.notifications.service import prepare
from core.tasks import deliver_notification
from tests.fixtures.worker import Worker, _database_url, wait_for

RESTARTS = 4


def _delivered(notifications) -> int:
    return Notification.objects.filter(
        pk__in=[n.pk for n in notifications], status=Notification.Status.DELIVERED
    ).count()


def _code(number: int) -> dict:
    return {"code": f"{number:06d}"}


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
    # Tasks are published to this test's redis-server (Celery's apply_async takes a connection).
    publishing = app.connection_for_write(redis_server.url())
    real_apply_async = deliver_notification.apply_async
    monkeypatch.setattr(
        deliver_notification,
        "apply_async",
        lambda args, **options: real_apply_async(args, connection=publishing, **options),
    )
    monkeypatch.setattr(delivery, "STALLED_AFTER", timedelta(seconds=3))  # 2 minutes: too slow here
    app.conf.task_always_eager = False
    worker = Worker(env, queues="default", options=Worker.AS_DEPLOYED)
    worker.log.write_bytes(b"")
    worker.start()
    yield worker
    worker.stop()
    app.conf.task_always_eager = True
    publishing.release()


def _restart_redis_while_a_code_is_being_sent(redis_server, number: int) -> Notification:
    """Queue a code and restart Redis while the worker is sending it.

    The test holds the code's row (a row lock on PostgreSQL, the write lock on SQLite) so the
    worker's delivery waits half way; the queue is then empty and the worker is both running
    the delivery and waiting on Redis for more, as it is for most of a quiet day.
    """
    notification = rows.insert(prepare(SMS_SECURITY_CODE.name, "07700900123", _code(number)))
    broker = redis.Redis.from_url(redis_server.url())
    with transaction.atomic():
        Notification.objects.select_for_update().get(pk=notification.pk)
        deliver_notification.apply_async((str(notification.pk),))  # now, in the transaction
        wait_for(lambda: broker.llen("default") == 0, timeout=10, interval=0.02)
        time.sleep(0.5)  # the worker has it and is waiting for the row
        redis_server.restart(down_for=0.5)
    broker.close()
    return notification


def _reconnected(worker, times: int) -> bool:
    return worker.log.read_text().count("Connected to redis://") > times


@pytest.mark.worker
def test_security_codes_are_all_sent_when_redis_restarts_with_one_being_sent(
    worker_on_own_redis, redis_server
):
    worker = worker_on_own_redis
    sent: list[Notification] = []
    for round_ in range(1, RESTARTS + 1):
        sent.append(_restart_redis_while_a_code_is_being_sent(redis_server, len(sent)))
        wait_for(
            lambda r=round_: _reconnected(worker, r) or worker.process.poll() is not None,
            timeout=20,
        )
        assert worker.process.poll() is None, (
            f"the worker exited at restart {round_}:\n" + worker.log.read_text()[-3000:]
        )

    # Codes asked for after the restarts are sent by the same worker, and so is every code
    # it held when Redis went away (its message is lost from the broker, so the sweeper that
    # beat runs every minute queues it again from the stored row; docs/operations.md).
    sent += [send(SMS_SECURITY_CODE.name, "07700900123", _code(len(sent) + n)) for n in range(3)]

    def all_sent() -> bool:
        tasks.queue_stalled_notifications()
        return _delivered(sent) == len(sent)

    wait_for(all_sent, timeout=30, interval=1)
    assert worker.process.poll() is None, worker.log.read_text()[-3000:]
