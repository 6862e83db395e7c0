"""A text, an email or a logout notice survives a worker that dies with it (core/delivery.py).

The broker forgets a message once a worker takes it, so a worker killed mid-delivery, or
restarted while it holds a retry waiting out its back-off, takes the message with it. The
stored row's claim is what brings it back: the sweeper queues it again once the claim has run
out, never while a live task holds it, and never after it was delivered.
"""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from core import delivery
from core.models import Notification
from core.notifications import send
from core.notifications.gateways import DeliveryError, OutboxGateway
from core.tasks import MAX_ATTEMPTS, deliver_notification, queue_stalled_notifications

pytestmark = pytest.mark.django_db

REAL_DELIVER = OutboxGateway.deliver


def _as_a_killed_worker_left_it(notification, *, claim_left: timedelta):
    """The state a worker leaves when it is killed after claiming the row, before sending."""
    Notification.objects.filter(pk=notification.pk).update(
        status="queued",
        attempts=1,
        claimed_by="a-worker-that-was-killed",
        claimed_until=timezone.now() + claim_left,
    )


def test_a_code_a_killed_worker_held_is_sent_once_its_claim_runs_out(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        code = send("accounts.email_security_code", "killed@example.com", {"code": "1"})
    _as_a_killed_worker_left_it(code, claim_left=timedelta(seconds=90))
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_stalled_notifications() == 0  # it may still be sending: not twice
    _as_a_killed_worker_left_it(code, claim_left=-timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_stalled_notifications() == 1
    code.refresh_from_db()
    assert code.status == "delivered" and code.attempts == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_stalled_notifications() == 0  # delivered: never again


def _gateway_busy(monkeypatch, busy: bool = True):
    """GOV.UK Notify answering 429 (busy), or taking messages again."""

    def deliver(gateway, message, recipient, personalisation):
        if busy:
            raise DeliveryError("429")
        return REAL_DELIVER(gateway, message, recipient, personalisation)

    monkeypatch.setattr(OutboxGateway, "deliver", deliver)


def test_a_retry_waiting_out_its_back_off_is_held_for_its_own_task(
    monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        code = send("accounts.email_security_code", "busy@example.com", {"code": "2"})
    _gateway_busy(monkeypatch)
    with pytest.raises(Retry):  # Celery schedules the task's own retry after a back-off
        deliver_notification.apply(args=[str(code.pk)], task_id="first")
    code.refresh_from_db()
    assert code.status == "queued" and code.attempts == 1 and code.claimed_by == "first"
    # The claim covers the countdown as well as the attempt, so the sweeper and any other
    # task leave it to the retry, even after the lease of the attempt alone has passed.
    assert code.claimed_until > timezone.now() + delivery.LEASE
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_stalled_notifications() == 0
    deliver_notification.apply(args=[str(code.pk)], task_id="the-sweepers-task")
    code.refresh_from_db()
    assert code.attempts == 1

    _gateway_busy(monkeypatch, busy=False)
    deliver_notification.apply(args=[str(code.pk)], task_id="first", retries=1)  # its retry
    code.refresh_from_db()
    assert code.status == "delivered" and code.attempts == 2


def test_a_gateway_that_never_recovers_marks_the_code_failed_after_nine_attempts(
    monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        code = send("accounts.email_security_code", "down@example.com", {"code": "3"})
    _gateway_busy(monkeypatch)
    for retries in range(MAX_ATTEMPTS - 1):
        with pytest.raises(Retry):
            deliver_notification.apply(args=[str(code.pk)], task_id="first", retries=retries)
    deliver_notification.apply(args=[str(code.pk)], task_id="first", retries=MAX_ATTEMPTS - 1)
    code.refresh_from_db()
    assert code.status == "failed" and code.attempts == MAX_ATTEMPTS == 9
    Notification.objects.filter(pk=code.pk).update(status="queued", claimed_until=None)
    assert queue_stalled_notifications() == 0  # used up: the sweeper leaves it


def test_a_duplicate_task_never_sends_a_code_another_task_holds(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        code = send("accounts.email_security_code", "held@example.com", {"code": "4"})
    _as_a_killed_worker_left_it(code, claim_left=timedelta(seconds=60))
    deliver_notification.apply(args=[str(code.pk)], task_id="the-sweepers-task")
    code.refresh_from_db()
    assert code.status == "queued" and code.attempts == 1
