"""Queueing tasks after the commit (core.queueing), the sweeper for lost ones, and the
hand-written INSERT and row loading (core.rows)."""

import logging
from contextlib import suppress
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core import rows
from core.models import AuditEvent, Notification
from core.notifications import send
from core.queueing import queue_after_commit
from core.tasks import deliver_notification, queue_stalled_notifications
from tests.fixtures.worker import wait_for

pytestmark = pytest.mark.django_db


def test_a_notification_is_queued_when_its_change_commits_and_not_if_it_rolls_back(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as queued, suppress(RuntimeError), transaction.atomic():
        lost = send("accounts.email_security_code", "undone@example.com", {"code": "1"})
        raise RuntimeError("the change fails after the code was asked for")
    assert queued == []
    assert not Notification.objects.filter(pk=lost.pk).exists()

    with django_capture_on_commit_callbacks(execute=True) as queued:
        kept = send("accounts.email_security_code", "kept@example.com", {"code": "2"})
        assert Notification.objects.get(pk=kept.pk).status == "queued"  # not before the commit
    assert len(queued) == 1
    assert Notification.objects.get(pk=kept.pk).status == "delivered"  # eager Celery here


def test_tasks_are_given_ids_only():
    with pytest.raises(TypeError, match="ids"):
        queue_after_commit(deliver_notification, {"recipient": "someone@example.com"})


@pytest.mark.worker
def test_a_real_worker_runs_a_task_queued_after_commit(celery_worker):
    notification = send("accounts.email_security_code", "queue@example.com", {"code": "123456"})
    wait_for(lambda: Notification.objects.get(pk=notification.pk).status == "delivered")


@pytest.mark.django_db(transaction=True)  # committed: queued at once
def test_an_unreachable_broker_is_logged_not_raised(caplog, monkeypatch):
    """The change is committed and stays: no error page, and no id or address in the log."""
    from config.celery import app

    real_apply_async = deliver_notification.apply_async
    with app.connection_for_write("redis://127.0.0.1:1/0") as nowhere:  # nothing listens
        monkeypatch.setattr(
            deliver_notification,
            "apply_async",
            lambda args, **options: real_apply_async(args, connection=nowhere, **options),
        )
        app.conf.task_always_eager = False
        try:
            with caplog.at_level(logging.WARNING, logger="core.queueing"):
                notification = send(
                    "accounts.email_security_code", "down@example.com", {"code": "1"}
                )
        finally:
            app.conf.task_always_eager = True
    assert "could not queue core.tasks.deliver_notification" in caplog.text
    assert str(notification.pk) not in caplog.text and "down@" not in caplog.text
    assert Notification.objects.get(pk=notification.pk).status == "queued"  # for the sweeper


def test_the_sweeper_queues_again_only_notifications_nobody_picked_up(
    django_capture_on_commit_callbacks,
):
    stalled = send("accounts.email_security_code", "stalled@example.com", {"code": "1"})
    fresh = send("accounts.email_security_code", "fresh@example.com", {"code": "2"})
    tried = send("accounts.email_security_code", "tried@example.com", {"code": "3"})
    long_ago = timezone.now() - timedelta(minutes=5)
    # As if their tasks had been lost (here the test's transaction never commits):
    Notification.objects.update(status="queued", attempts=0)
    Notification.objects.filter(pk__in=[stalled.pk, tried.pk]).update(created_at=long_ago)
    Notification.objects.filter(pk=tried.pk).update(  # a worker has it: retrying
        attempts=1, claimed_by="a-task", claimed_until=timezone.now() + timedelta(minutes=3)
    )

    with django_capture_on_commit_callbacks(execute=True):  # as in a worker's autocommit
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
