"""Redis down: pages that need it answer the styled "try again shortly" page (503), the rest
keep working, and nothing that guards against guessing carries on without its counts
(issue 14, finding 3; docs/adr/0019-when-redis-is-down.md)."""

import pytest
from django.urls import reverse

from accounts import events
from accounts.models import Session
from core.models import AuditEvent
from tests.factories import UserFactory
from tests.fixtures.redis_server import _spare_port
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
SORRY = "Sorry, there is a problem with the service"


@pytest.fixture
def redis_down(settings):
    """The cache (and rate limits) pointed at a port where nothing listens."""

    def down():
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.PooledClientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{_spare_port()}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }

    return down


def _is_the_try_again_page(response) -> None:
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert f"<h1>{SORRY}</h1>" in html
    assert "Try again shortly." in html
    assert "nhsuk-header" in html  # the service's own styled page, not a bare error
    assert "Traceback" not in html and "Internal Server Error" not in html


def test_the_start_page_works_while_redis_is_down(client, redis_down):
    redis_down()
    response = client.get(reverse("core:start"))
    assert response.status_code == 200
    assert "NHS login" in response.content.decode()


def test_a_signed_in_patient_still_sees_their_nhs_login_while_redis_is_down(redis_down):
    patient = UserFactory()
    client = signed_in_client(patient)  # the session row is in the database
    redis_down()
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert patient.email in response.content.decode()


def test_sign_in_answers_try_again_shortly_not_an_error_while_redis_is_down(client, redis_down):
    patient = UserFactory()
    redis_down()
    response = client.post(
        reverse("accounts:sign_in"), {"email": patient.email, "password": PASSWORD}
    )
    _is_the_try_again_page(response)
    # Not signed in, not sent a code, and no half-finished sign-in left behind.
    assert "_auth_user_id" not in client.session
    assert not Session.objects.filter(user_id=patient.pk).exists()


def test_password_guesses_are_not_checked_while_lockout_counts_cannot_be_kept(client, redis_down):
    """Failing open would let a guesser try passwords without limit while Redis is away."""
    patient = UserFactory()
    redis_down()
    for guess in range(10):
        response = client.post(
            reverse("accounts:sign_in"), {"email": patient.email, "password": f"guess {guess}"}
        )
        _is_the_try_again_page(response)
        assert "wrong" not in response.content.decode().lower()
    assert not AuditEvent.objects.filter(event=events.SIGN_IN_FAILED).exists()


def test_signing_out_while_redis_is_down_says_try_again_and_does_not_leave_an_error(
    redis_down,
):
    """The cached copy of the session cannot be forgotten, so sign-out is not confirmed, and
    the session stays whole rather than coming back from that copy when Redis does."""
    patient = UserFactory()
    client = signed_in_client(patient)
    redis_down()
    _is_the_try_again_page(client.post(reverse("accounts:sign_out")))
    assert Session.objects.filter(user_id=patient.pk).exists()
    assert client.get(reverse("accounts:home")).status_code == 200  # still signed in


def test_only_an_outage_gets_the_try_again_page_a_bug_stays_a_500(rf):
    import kombu.exceptions
    import redis

    from core.middleware import SharedStoreDownMiddleware

    middleware = SharedStoreDownMiddleware(lambda request: None)
    request = rf.get("/")
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, redis.ResponseError("a bug")) is None
    for outage in (
        redis.ConnectionError("refused"),
        redis.BusyLoadingError("loading the dataset in memory"),  # just restarted
        redis.TimeoutError("no answer"),
        kombu.exceptions.OperationalError("the broker is unreachable"),
    ):
        response = middleware.process_exception(request, outage)
        assert response.status_code == 503, outage
        assert SORRY in response.content.decode()
