from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.models import Notification
from core.notifications import send
from tests.fixtures.browser import axe_check
from tests.fixtures.worker import wait_for

pytestmark = pytest.mark.django_db


def test_it_serves_the_start_page_with_the_nhs_header(client: Client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-header" in html
    assert "NHS login" in html
    assert "Skip to main content" in html


def test_it_sets_security_headers(client: Client):
    response = client.get("/")
    assert "nonce-" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"


def test_it_answers_health_checks(client: Client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_it_shows_a_designed_404(client: Client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_patient_who_opens_a_staff_page_gets_a_designed_403(client: Client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/prove-who-you-are/id-checks/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "nhsuk-header" in page and "You cannot see this page" in page
    assert "<title>You cannot see this page" in page


def test_the_outbox_does_not_exist_without_debug(client: Client, settings):
    settings.DEBUG = False
    assert client.get("/outbox/").status_code == 404


def test_the_outbox_shows_delivered_messages_in_development(
    client: Client, settings, django_capture_on_commit_callbacks
):
    from core.notifications import Message, register

    settings.DEBUG = True
    register(Message("test.hello", "email", "Your code is ((code))", subject="Hello"))
    with django_capture_on_commit_callbacks(execute=True):
        notification = send("test.hello", "someone@example.com", {"code": "123456"})
    assert Notification.objects.get(pk=notification.pk).status == "delivered"
    response = client.get("/outbox/")
    assert response.status_code == 200
    assert "Your code is 123456" in response.content.decode()


def test_a_notification_queued_again_while_its_first_task_runs_is_sent_once(
    django_capture_on_commit_callbacks,
):
    """The sweeper (or a second node's beat) may queue a notification whose first task has
    started but not finished: that second task leaves it alone, the first one's retries don't."""
    from core.tasks import deliver_notification

    with django_capture_on_commit_callbacks(execute=False):
        notification = send("accounts.email_security_code", "twice@example.com", {"code": "1"})
    # The first task has taken it (its attempt counted) and is still talking to Notify.
    deliver_notification.apply(args=[str(notification.pk)], task_id="first")
    notification.refresh_from_db()
    assert notification.status == "delivered"  # (eager here: it finished)
    Notification.objects.filter(pk=notification.pk).update(
        status="queued", claimed_until=timezone.now() + timedelta(minutes=1)
    )
    deliver_notification.apply(args=[str(notification.pk)], task_id="duplicate")
    notification.refresh_from_db()
    assert notification.status == "queued" and notification.attempts == 1
    # The first task's own retry (its id is kept) still delivers it.
    deliver_notification.apply(args=[str(notification.pk)], task_id="first", retries=1)
    notification.refresh_from_db()
    assert notification.status == "delivered" and notification.attempts == 2


def test_notification_content_is_encrypted_at_rest():
    from core.notifications import Message, register

    register(Message("test.secret", "sms", "Code ((code))"))
    notification = send("test.secret", "+447700900123", {"code": "654321"})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT recipient, personalisation FROM core_notification WHERE id = %s",
            [notification.id],
        )
        recipient, personalisation = cursor.fetchone()
    assert "7700900123" not in recipient
    assert "654321" not in personalisation
    assert Notification.objects.get(pk=notification.pk).recipient == "+447700900123"


@pytest.mark.worker
def test_a_real_worker_delivers_a_notification(celery_worker):
    from django.db import transaction

    with transaction.atomic():
        notification = send("accounts.email_security_code", "worker@example.com", {"code": "1"})
    # a fast worker may have delivered it already; what matters is that it is delivered
    assert Notification.objects.get(pk=notification.pk).status in {"queued", "delivered"}
    wait_for(lambda: Notification.objects.get(pk=notification.pk).status == "delivered", timeout=30)


@pytest.mark.browser
def test_the_start_page_is_accessible(page):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Use NHS login")
    axe_check(page)


@pytest.mark.browser
def test_a_signed_in_patient_reaches_their_home_page(page, patient, live_server):
    from tests.fixtures.sessions import sign_in_browser

    sign_in_browser(page, patient)
    page.goto("/account/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your NHS login"
    axe_check(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_403_page_is_accessible(page, patient, live_server):
    from tests.fixtures.sessions import sign_in_browser

    sign_in_browser(page, patient)
    response = page.goto("/prove-who-you-are/id-checks/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot see this page"
    axe_check(page)
