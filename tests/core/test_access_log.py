"""The access log of a real gunicorn, started with the Procfile's flags, never holds the
token of a password reset link (issue 14, finding 6; ADR 0060)."""

import os
import shlex
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from core.access_log import without_secrets

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "d1z3pq-0123456789abcdef0123456789abcdef"


def hello(environ, start_response):
    """A WSGI app that answers every request as the reset link does: a redirect."""
    start_response("302 Found", [("Location", "/account/password/reset/new-password/")])
    return [b""]


def _web_command(port: int) -> list[str]:
    """The Procfile's web command, serving ``hello`` on ``port``."""
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    command = line.removeprefix("web:").strip().replace("${PORT:-8000}", str(port))
    # The line execs gunicorn (a shell builtin, for a clean stop under honcho): run it directly.
    command = command.removeprefix("exec ")
    return [
        "tests.core.test_access_log:hello" if word == "config.wsgi" else word
        for word in shlex.split(command)
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_reset_token_never_reaches_the_access_log():
    port = _free_port()
    server = subprocess.Popen(
        _web_command(port),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                assert server.poll() is None, "gunicorn exited"
                time.sleep(0.2)
        link = f"http://127.0.0.1:{port}/account/password/reset/MQ/{TOKEN}/"
        request = urllib.request.Request(link, headers={"Referer": link})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(request, timeout=10)
        except urllib.error.HTTPError as answer:
            assert answer.code == 302
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    lines = [line for line in output.splitlines() if "/password/reset/" in line]
    assert lines, output
    assert "GET /account/password/reset/MQ/[hidden]/ HTTP/1.1" in lines[0]
    assert TOKEN not in output


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_only_the_token_of_a_reset_link_is_hidden():
    assert (
        without_secrets(f"GET /account/password/reset/MQ/{TOKEN}/ HTTP/1.1")
        == "GET /account/password/reset/MQ/[hidden]/ HTTP/1.1"
    )
    assert (
        without_secrets("GET /account/password/reset/new-password/ HTTP/1.1")
        == "GET /account/password/reset/new-password/ HTTP/1.1"
    )
    assert without_secrets("GET /account/password/ HTTP/1.1") == "GET /account/password/ HTTP/1.1"
