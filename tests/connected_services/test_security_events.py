"""Security events pushed to connected services (issue 17, item 2; ADR 0063): OpenID Shared
Signals (RISC and CAEP) event types in RFC 8417 tokens, pushed per RFC 8935.

Each token is checked as a service would: by authlib (not our code) against the published
keys, then the claims RFC 8417 and the Shared Signals Framework require.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from authlib.jose import JsonWebKey, jwt
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from accounts import messages
from accounts.models import User
from accounts.services import set_proofing_level
from accounts.services.changes import change_password, request_password_reset, reset_password
from accounts.services.data_rights import erase_login
from connected_services import security_events
from connected_services.models import Consent, SecurityEvent
from connected_services.oidc.keys import published_jwks
from connected_services.tasks import queue_stalled_security_events
from tests.accounts.data_rights import make_service, patient_with_everything
from tests.fixtures.sessions import signed_in_client

pytestmark = pytest.mark.django_db
RISC = "https://schemas.openid.net/secevent/risc/event-type/"
CAEP = "https://schemas.openid.net/secevent/caep/event-type/"


class PushReceiver:
    """A connected service's RFC 8935 push endpoint on loopback: it keeps each token and
    answers with ``statuses`` in turn (then 202 Accepted)."""

    def __init__(self):
        self.tokens: list[str] = []
        self.content_types: list[str] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.tokens.append(body)
                receiver.content_types.append(self.headers["Content-Type"])
                status = receiver.statuses.pop(0) if receiver.statuses else 202
                self.send_response(status)
                if status == 400:
                    error = json.dumps({"err": "invalid_key", "description": "unknown kid"})
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(error.encode())
                else:
                    self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/security-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push():
    receiver = PushReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def used(patient, push):
    """A patient who uses a service that asked for security events."""
    everything = patient_with_everything(patient)
    everything.service.security_event_uri = push.url
    everything.service.save(update_fields=["security_event_uri"])
    return everything


def verified(token: str, service) -> dict:
    """The claims of a security event token, checked as RFC 8417 asks a receiver to."""
    header = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "secevent+jwt" and header["alg"] == "RS512"
    claims = jwt.decode(token, JsonWebKey.import_key_set(published_jwks()))
    claims.validate()
    assert claims["iss"] == settings.OIDC_ISSUER
    assert claims["aud"] == service.client_id
    assert isinstance(claims["iat"], int) and claims["jti"]
    assert "exp" not in claims and "sub" not in claims  # RFC 8417 2.2: a SET is not an ID token
    assert len(claims["events"]) == 1 and isinstance(next(iter(claims["events"].values())), dict)
    return dict(claims)


def pushed(push, service, user) -> list[tuple[str, dict]]:
    """(event type, attributes) of every token pushed, each verified and about ``user``."""
    found = []
    for token, content_type in zip(push.tokens, push.content_types, strict=True):
        assert content_type == "application/secevent+jwt"
        claims = verified(token, service)
        assert claims["sub_id"] == {
            "format": "iss_sub",
            "iss": settings.OIDC_ISSUER,
            "sub": str(user.sub),
        }
        ((event_type, attributes),) = claims["events"].items()
        found.append((event_type, attributes))
    return found


def _without_time(events):
    return [(kind, {k: v for k, v in a.items() if k != "event_timestamp"}) for kind, a in events]


def test_suspending_and_reinstating_push_account_disabled_then_enabled(
    used, push, django_capture_on_commit_callbacks
):
    user = used.user
    with django_capture_on_commit_callbacks(execute=True):
        user.is_active = False
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        user.is_active = True
        user.save()
    assert _without_time(pushed(push, used.service, user)) == [
        (RISC + "account-disabled", {}),
        (RISC + "account-enabled", {}),
    ]
    assert SecurityEvent.objects.filter(sent_at__isnull=False, last_status="202").count() == 2


def test_a_save_that_does_not_change_is_active_pushes_nothing(
    used, push, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        used.user.save()
        used.user.save(update_fields=["last_login"])
    assert push.tokens == []


def test_a_deleted_login_pushes_account_purged(used, push, django_capture_on_commit_callbacks):
    user = used.user
    with django_capture_on_commit_callbacks(execute=True):
        erase_login(User.objects.get(pk=user.pk), by="patient", message=messages.LOGIN_DELETED)
    assert _without_time(pushed(push, used.service, user)) == [(RISC + "account-purged", {})]


def test_a_level_of_proof_raised_or_taken_down_pushes_assurance_level_change(
    used, push, django_capture_on_commit_callbacks
):
    user = used.user
    User.objects.filter(pk=user.pk).update(proofing_level="P5")
    user.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        set_proofing_level(user, "P9", route="photo ID and face scan")
    with django_capture_on_commit_callbacks(execute=True):
        set_proofing_level(user, "P0", route="support: proving again")
    with django_capture_on_commit_callbacks(execute=True):
        set_proofing_level(user, "P0", route="unchanged")  # no change: nothing to push
    events = pushed(push, used.service, user)
    assert _without_time(events) == [
        (
            CAEP + "assurance-level-change",
            {
                "namespace": "RFC8485",
                "previous_level": "P5",
                "current_level": "P9",
                "change_direction": "increase",
            },
        ),
        (
            CAEP + "assurance-level-change",
            {
                "namespace": "RFC8485",
                "previous_level": "P9",
                "current_level": "P0",
                "change_direction": "decrease",
            },
        ),
    ]
    assert all(isinstance(a["event_timestamp"], int) for _, a in events)


def test_a_password_reset_pushes_recovery_activated_then_credential_change(
    used, push, django_capture_on_commit_callbacks
):
    user = used.user
    request = RequestFactory().post("/")
    request.user = user
    request.session = signed_in_client(user).session
    with django_capture_on_commit_callbacks(execute=True):
        request_password_reset(request, user.email)
    with django_capture_on_commit_callbacks(execute=True):
        reset_password(request, user, "a brand new long password 1")
    with django_capture_on_commit_callbacks(execute=True):
        change_password(request, user, "another brand new long password 2")
    change = (CAEP + "credential-change", {"credential_type": "password", "change_type": "update"})
    assert _without_time(pushed(push, used.service, user)) == [
        (RISC + "recovery-activated", {}),
        change,
        change,
    ]


def test_only_services_that_asked_and_that_the_patient_used_are_told(
    used, push, django_capture_on_commit_callbacks
):
    other = User.objects.create_user("other@example.com", "a long password for other")
    quiet = make_service(client_id="no-push-address")  # used, but did not ask
    Consent.objects.create(
        user=other, service=quiet, claims=[], scopes=["openid"], level="P0",
        granted_at=timezone.now(),
    )  # fmt: skip
    make_service(client_id="never-used", security_event_uri=push.url)  # asked, never used
    with django_capture_on_commit_callbacks(execute=True):
        set_proofing_level(other, "P5", route="demographics trace")
    assert push.tokens == []
    assert not SecurityEvent.objects.exists()


def test_a_busy_service_gets_the_same_token_id_again_and_a_refusal_is_not_retried(used, push):
    event, refused = (
        SecurityEvent.objects.create(
            service=used.service, sub=used.user.sub, event_type=security_events.ACCOUNT_DISABLED
        )
        for _ in range(2)
    )
    push.statuses = [503]
    with pytest.raises(security_events.DeliveryFailed):
        security_events.deliver(str(event.pk), claimant="task")
    assert security_events.deliver(str(event.pk), claimant="task") is True  # its retry
    first, second = (verified(t, used.service)["jti"] for t in push.tokens)
    assert first == second == str(event.pk)  # RFC 8935: the receiver can drop the repeat

    push.statuses = [400]
    with pytest.raises(security_events.Refused):
        security_events.deliver(str(refused.pk), claimant="other-task")
    refused.refresh_from_db()
    assert refused.sent_at is None and refused.last_status == "400 invalid_key"
    SecurityEvent.objects.filter(pk=refused.pk).update(claimed_until=None)
    assert queue_stalled_security_events() == 0  # refused: it would be refused again
