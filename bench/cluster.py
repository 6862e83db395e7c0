"""What bench/nodes.py and bench/load.py share: starting gunicorn and Celery workers as
process groups of their own (and stopping them, whole groups, however the script ends), a
database and Redis databases of the script's own, and the development outbox read over HTTP
the way a person trying the service reads their codes."""

import contextlib
import html
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CODE = re.compile(r"security code is (\d{6})")


def flush_redis(*urls: str) -> None:
    """Empty the script's own Redis databases, so counters and messages of an earlier run
    (limits, lockouts, a queue left behind) do not change this one's answers."""
    import redis

    for url in urls:
        redis.Redis.from_url(url).flushdb()


class Process:
    """One command in a process group of its own (gunicorn and its workers, or a Celery
    worker and its pool), its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name = name
        self.command = command
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )  # fmt: skip
        out.close()
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the whole group (gunicorn's graceful stop, Celery's warm shutdown:
        what a platform sends a node it retires), SIGKILL if it has not ended in time."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        # Anything left in the group (a pool child) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def cpu_seconds(self) -> float:
        """User and system CPU of the processes now in the group (read from /proc)."""
        if not self.running:
            return 0.0
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.popen.pid:  # pgrp
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def wait_for_log(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            if not self.running:
                raise RuntimeError(f"{self.name} ended; see {self.log}")
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not log {text!r} in {timeout}s; see {self.log}")


def gunicorn(name: str, port: int, env: dict, log_dir: Path, workers: int) -> Process:
    """The Procfile's web process (config.wsgi, sync workers), on ``port``."""
    command = [
        str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"{HOST}:{port}",
        "--workers", str(workers), "--forwarded-allow-ips", HOST, "--no-control-socket",
        "--graceful-timeout", "10",
    ]  # fmt: skip
    return Process(name, command, env, log_dir)


def celery_worker(name: str, env: dict, log_dir: Path, concurrency: int = 1) -> Process:
    """The Procfile's worker (queues default and checks), without beat: beat's sweepers are
    scheduled from one place, not from every node."""
    command = [
        str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-Q", "default,checks",
        "-n", f"{name}@%h", "--concurrency", str(concurrency), "--loglevel", "INFO",
    ]  # fmt: skip
    return Process(name, command, env, log_dir)


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port} in {timeout}s")


def outbox_cards(page: str) -> list[dict]:
    """The outbox page's messages, newest first: recipient, status and body."""
    cards = []
    for chunk in page.split('class="nhsuk-card__content"')[1:]:
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", chunk, re.S)
        status = re.search(r'<p class="nhsuk-body-s">(.*?)</p>', chunk, re.S)
        body = re.search(r'data-testid="outbox-body">(.*?)</p>', chunk, re.S)
        cards.append(
            {
                "to": html.unescape(heading.group(1)).strip() if heading else "",
                "status": html.unescape(status.group(1)).strip() if status else "",
                "body": html.unescape(body.group(1)).strip() if body else "",
            }
        )
    return cards


def newest_code(page: str, recipient: str, not_this: str | None = None) -> tuple[str, str] | None:
    """The code in the newest message to ``recipient`` on the outbox page, with its status
    ("Queued", "Delivered"), or None when no new one is there yet (``not_this``: the code
    already used, so a page read before the new message was stored is not mistaken)."""
    for card in outbox_cards(page):
        if not card["to"].endswith(f" to {recipient}"):
            continue
        found = CODE.search(card["body"])
        if found:
            if found.group(1) == not_this:
                return None
            return found.group(1), card["status"].rsplit("·", 1)[-1].strip()
    return None
