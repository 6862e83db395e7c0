"""Beyond the reference: back-channel logout, RP-initiated logout, revocation, public clients."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, jwt
from django.utils import timezone

from connected_services import backchannel
from connected_services import tasks as service_tasks
from connected_services.models import LogoutNotice, Service
from tests.connected_services.relying_party import REDIRECT_URI
from tests.fixtures.worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """A connected service's back-channel logout endpoint, on loopback."""

    def __init__(self, status=200):
        self.status = status
        self.tokens: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                body = parse_qs(self.rfile.read(length).decode())
                receiver.tokens.append(body["logout_token"][0])
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def worker(issuer, celery_worker):
    """The shared worker: its issuer is the live server's, as ``issuer`` makes this one."""
    return celery_worker


def _check_logout_token(rp, token, patient):
    header = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "==").decode())
    assert header["typ"] == "logout+jwt"
    claims = jwt.decode(
        token, JsonWebKey.import_key_set(rp.http.get(rp.metadata["jwks_uri"]).json())
    )
    assert claims["iss"] == rp.issuer
    assert claims["aud"] == rp.client_id
    assert claims["sub"] == str(patient.sub)
    assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"]
    assert "nonce" not in claims


@pytest.mark.worker
def test_signing_out_sends_a_back_channel_logout_through_a_worker(
    rp, service, patient, receiver, worker
):
    Service.objects.filter(pk=service.pk).update(backchannel_logout_uri=receiver.url)
    rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    with rp.browser(patient) as browser:
        page = browser.get("/account/")
        import re

        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        browser.headers["Referer"] = f"{rp.issuer}/account/"
        browser.post("/account/sign-out/", data={"csrfmiddlewaretoken": csrf})
    wait_for(lambda: receiver.tokens, timeout=30)
    _check_logout_token(rp, receiver.tokens[0], patient)
    notice = LogoutNotice.objects.get()
    assert notice.reason == "signed_out" and notice.sent_at is not None


def test_delivery_is_retried_until_the_service_answers_and_sent_once(
    rp, service, patient, receiver
):
    Service.objects.filter(pk=service.pk).update(backchannel_logout_uri=receiver.url)
    service.refresh_from_db()
    notice = LogoutNotice.objects.create(service=service, sub=patient.sub, reason="suspended")
    receiver.status = 500
    with pytest.raises(backchannel.DeliveryFailed):
        backchannel.deliver(str(notice.pk), claimant="task-1")
    receiver.status = 204
    # Another task (the sweeper's) leaves it to the first, whose claim has not run out.
    assert backchannel.deliver(str(notice.pk), claimant="task-2") is False
    assert backchannel.deliver(str(notice.pk), claimant="task-1") is True  # its retry
    assert backchannel.deliver(str(notice.pk), claimant="task-2") is True  # sent: not again
    assert len(receiver.tokens) == 2
    notice.refresh_from_db()
    assert notice.attempts == 2 and notice.sent_at is not None


def test_a_notice_whose_task_was_lost_is_queued_again(rp, service, patient, receiver):
    from datetime import timedelta

    from django.utils import timezone

    from connected_services.tasks import queue_stalled_logout_notices

    Service.objects.filter(pk=service.pk).update(backchannel_logout_uri=receiver.url)
    lost = LogoutNotice.objects.create(service=service, sub=patient.sub, reason="deleted")
    recent = LogoutNotice.objects.create(service=service, sub=patient.sub, reason="deleted")
    sent = LogoutNotice.objects.create(
        service=service, sub=patient.sub, reason="deleted", sent_at=timezone.now()
    )
    old = timezone.now() - timedelta(minutes=5)
    LogoutNotice.objects.filter(pk__in=[lost.pk, sent.pk]).update(created_at=old)

    assert queue_stalled_logout_notices() == 1  # eager Celery in tests: delivered now
    assert len(receiver.tokens) == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.sent_at is not None and recent.sent_at is None
    assert queue_stalled_logout_notices() == 0


def test_suspension_and_deletion_tell_the_services(rp, service, patient, receiver):
    Service.objects.filter(pk=service.pk).update(backchannel_logout_uri=receiver.url)
    rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    patient.is_active = False
    patient.save()
    assert LogoutNotice.objects.filter(reason="suspended").count() == 1
    patient.is_active = True
    patient.save()
    patient.delete()
    assert LogoutNotice.objects.filter(reason="deleted").count() == 1
    assert len(receiver.tokens) == 2  # eager Celery in tests


def test_withdrawing_consent_revokes_tokens_and_tells_the_service(rp, service, patient, receiver):
    from connected_services.models import Consent

    Service.objects.filter(pk=service.pk).update(backchannel_logout_uri=receiver.url)
    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    consent = Consent.objects.get(user=patient)
    with rp.browser(patient) as browser:
        import re

        page = browser.get("/services/used/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        browser.headers["Referer"] = f"{rp.issuer}/services/used/"
        browser.post(
            f"/services/used/{consent.pk}/stop-sharing/", data={"csrfmiddlewaretoken": csrf}
        )
    assert rp.userinfo(token["access_token"]).status_code == 401
    assert len(receiver.tokens) == 1
    with rp.browser(patient) as browser:
        page = rp.follow_to_service(browser, rp.authorization_url(vtr=["P0.Cp.Cd"]), None)
    assert "Share your information with" in page.text  # asks again


def test_rp_initiated_logout_signs_out_and_returns_to_the_service(rp, patient):
    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    with rp.browser(patient) as browser:
        response = browser.get(
            "/logout",
            params={
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": "https://service.example/signed-out",
                "state": "bye",
            },
        )
        assert response.status_code == 302
        assert response.headers["location"] == "https://service.example/signed-out?state=bye"
        assert browser.get("/account/").status_code == 302  # signed out
    with rp.browser(patient) as browser:
        page = browser.get(
            "/logout",
            params={"post_logout_redirect_uri": "https://evil.example/", "client_id": rp.client_id},
        )
        assert page.status_code == 200 and "You have signed out" in page.text


def test_revoking_a_refresh_token(rp, patient):
    token = rp.sign_in(patient, vtr=["P0.Cp.Cd"])
    response = rp.oauth.revoke_token(
        rp.metadata["revocation_endpoint"],
        token=token["refresh_token"],
        token_type_hint="refresh_token",
    )
    assert response.status_code == 200
    refresh = rp.token_request(
        {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    )
    assert refresh.json()["error"] == "invalid_grant"
    unauthenticated = rp.http.post(rp.metadata["revocation_endpoint"], data={"token": "x"})
    assert unauthenticated.status_code == 401


def test_a_public_client_signs_in_with_pkce_and_no_secret(issuer, patient, rp_key):
    from tests.connected_services.relying_party import RelyingParty, make_service

    service = make_service(rp_key, client_type=Service.CLIENT_PUBLIC, public_key_pem="")
    with RelyingParty(issuer, service.client_id, rp_key) as party:
        code = party.code_for(patient, vtr=["P0.Cp.Cd"])
        public = OAuth2Client(service.client_id, token_endpoint_auth_method="none")
        token = public.fetch_token(
            party.metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT_URI,
            code_verifier=party.code_verifier,
        )
        assert party.validate_id_token(token["id_token"])["vot"] == "P0.Cp.Cd"
        with party.browser(patient) as browser:
            params = dict(parse_qs(urlsplit(party.authorization_url()).query))
            params = {k: v[0] for k, v in params.items() if not k.startswith("code_challenge")}
            params["vtr"] = json.dumps(["P0.Cp.Cd"])
            response = browser.get("/authorize", params=params)
            assert "error=invalid_request" in response.headers["location"]
        code = party.code_for(patient, vtr=["P0.Cp.Cd"])
        missing_verifier = public.post(
            party.metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": service.client_id,
            },
        )
        assert missing_verifier.status_code == 400


def test_a_logout_notice_a_killed_worker_held_is_posted_once_its_claim_runs_out(
    rp, service, patient, receiver, django_capture_on_commit_callbacks
):
    Service.objects.filter(pk=service.pk).update(backchannel_logout_uri=receiver.url)
    notice = LogoutNotice.objects.create(
        service=service,
        sub=patient.sub,
        reason="signed_out",
        attempts=1,
        claimed_by="a-worker-that-was-killed",
        claimed_until=timezone.now() + timedelta(seconds=90),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert service_tasks.queue_stalled_logout_notices() == 0
    assert receiver.tokens == []
    LogoutNotice.objects.filter(pk=notice.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert service_tasks.queue_stalled_logout_notices() == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and len(receiver.tokens) == 1
