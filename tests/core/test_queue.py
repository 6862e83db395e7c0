"""Queueing tasks with one Redis command (core.queue), the sweeper for lost ones, and the
hand-written INSERT and row loading (core.rows)."""

import base64
import json
import logging
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from core import queue, rows
from core.models import AuditEvent, Notification
from core.notifications import send
from core.tasks import deliver_notification, queue_stalled_notifications
from tests.fixtures.worker import wait_for

pytestmark = pytest.mark.django_db


def test_the_message_is_the_one_celery_would_write():
    from verification.tasks import run_id_checks

    key, payload = queue.message(deliver_notification, ("an-id",))
    envelope = json.loads(payload)
    assert key == "default"
    assert json.loads(base64.b64decode(envelope["body"])) == [
        ["an-id"],
        {},
        {"callbacks": None, "errbacks": None, "chain": None, "chord": None},
    ]
    headers = envelope["headers"]
    assert headers["task"] == "core.tasks.deliver_notification"
    assert headers["id"] == headers["root_id"] == envelope["properties"]["correlation_id"]
    assert headers["retries"] == 0 and headers["ignore_result"] is True
    assert envelope["properties"]["delivery_info"] == {"exchange": "", "routing_key": "default"}
    assert envelope["properties"]["body_encoding"] == "base64"
    # task_routes are followed: the ID checks have a queue of their own
    assert queue.message(run_id_checks, (1,))[0] == "checks"


@pytest.mark.worker
def test_a_real_worker_runs_a_task_queued_in_one_command(celery_worker_process, settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the one-command path is for the Redis broker (CI sets it)")
    notification = rows.insert(
        Notification(
            channel="email",
            template="accounts.email_security_code",
            recipient="queue@example.com",
            personalisation='{"code": "123456"}',
        )
    )
    queue.enqueue(deliver_notification, str(notification.pk))
    wait_for(lambda: Notification.objects.get(pk=notification.pk).status == "delivered")


def test_an_unreachable_broker_is_logged_not_raised(settings, monkeypatch, caplog):
    from config.celery import app

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    monkeypatch.setattr(queue, "_client", None)
    app.conf.task_always_eager = False
    try:
        with caplog.at_level(logging.WARNING, logger="core.queue"):
            queue.enqueue(deliver_notification, "an-id")
    finally:
        app.conf.task_always_eager = True
    assert "could not queue core.tasks.deliver_notification" in caplog.text
    assert "an-id" not in caplog.text
    monkeypatch.setattr(queue, "_client", None)  # not the unreachable one for later tests


def test_the_sweeper_queues_again_only_notifications_nobody_picked_up():
    stalled = send("accounts.email_security_code", "stalled@example.com", {"code": "1"})
    fresh = send("accounts.email_security_code", "fresh@example.com", {"code": "2"})
    tried = send("accounts.email_security_code", "tried@example.com", {"code": "3"})
    long_ago = timezone.now() - timedelta(minutes=5)
    # send() delivered all three at once (tasks run eagerly here); as if they had been lost:
    Notification.objects.update(status="queued", attempts=0)
    Notification.objects.filter(pk__in=[stalled.pk, tried.pk]).update(created_at=long_ago)
    Notification.objects.filter(pk=tried.pk).update(attempts=1)  # a worker has it: retrying

    assert queue_stalled_notifications() == 1
    assert Notification.objects.get(pk=stalled.pk).status == "delivered"
    assert Notification.objects.get(pk=fresh.pk).status == "queued"
    assert Notification.objects.get(pk=tried.pk).status == "queued"


def test_insert_writes_the_row_the_orm_would():
    event = rows.insert(AuditEvent(event="accounts.signed_in", details={"n": 1}, ip_address="::1"))
    assert event.pk is not None and not event._state.adding
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.details == {"n": 1}
    assert stored.ip_address == "::1"
    assert abs((stored.occurred_at - timezone.now()).total_seconds()) < 60  # auto_now_add


def test_insert_refuses_models_whose_saving_others_listen_to():
    from accounts.models import User

    with pytest.raises(TypeError, match="save"):
        rows.insert(User(email="refused@example.com"))  # it overrides save()


def test_fetch_one_loads_a_row_as_the_orm_does(patient):
    from accounts.models import User

    sql = 'SELECT {columns} FROM "accounts_user" WHERE "id" = %s'
    loaded = rows.fetch_one(User, sql, [patient.pk])
    expected = User.objects.get(pk=patient.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert rows.fetch_one(User, sql, [0]) is None


def test_the_redis_client_is_one_per_process(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    monkeypatch.setattr(queue, "_client", None)
    assert queue._broker() is queue._broker()
    assert isinstance(queue._broker(), redis.Redis)
    monkeypatch.setattr(queue, "_client", None)


def test_a_key_prefix_for_kombu_means_celery_queues_it(settings, monkeypatch):
    """kombu would put the message under a prefixed key: leave it to apply_async."""
    from config.celery import app

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    sent = []
    monkeypatch.setattr(deliver_notification, "apply_async", lambda args: sent.append(args))
    options = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**(options or {}), "global_keyprefix": "nhs:"}
    app.conf.task_always_eager = False
    try:
        queue.enqueue(deliver_notification, "an-id")
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_transport_options = options
    assert sent == [("an-id",)]
