"""A body too large for any page is refused before it is read; TRACE is not answered."""

import socket
import time

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.fixtures.sessions import signed_in_client
from tests.verification.idchecks.conftest import make_p5_patient

pytestmark = pytest.mark.django_db


def test_a_300_mb_upload_gets_a_413_page_and_changes_nothing(settings):
    patient = make_p5_patient()
    client = signed_in_client(patient)
    client.post(reverse("verification:idcheck_start"))
    response = client.post(
        reverse("verification:idcheck_document_photo"),
        data=b"x" * 100,
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "What you sent is too large" in response.content.decode()
    assert not AuditEvent.objects.filter(event="idcheck.uploaded").exists()


def test_a_body_within_the_limit_reaches_the_page(settings):
    settings.MAX_REQUEST_BODY_MB = 1
    client = signed_in_client(make_p5_patient())
    response = client.post(reverse("accounts:sign_out"), data={"x": "y" * 1000})
    assert response.status_code != 413


def test_a_bad_content_length_is_refused():
    response = signed_in_client(make_p5_patient()).post(
        "/", data=b"", content_type="text/plain", CONTENT_LENGTH="lots"
    )
    assert response.status_code == 413


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "PROPFIND"])
def test_methods_no_page_answers_get_405(client, method):
    response = client.generic(method, "/")
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]


def test_the_server_answers_413_without_waiting_for_the_body(live_server):
    """Over a real socket: the headers promise 300 MB, none of it is sent, the answer comes."""
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /prove-who-you-are/photo-id/document-photo/ HTTP/1.1\r\n"
            + f"Host: {host}\r\n".encode()
            + b"Content-Type: multipart/form-data; boundary=xyz\r\n"
            + f"Content-Length: {300 * 1024 * 1024}\r\n\r\n".encode()
        )
        started = time.monotonic()
        answer = conn.recv(200)
    assert answer.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 5
