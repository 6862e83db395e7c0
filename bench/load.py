"""Load run: 50 patients at once, each through a whole P0 journey, over loopback.

    .venv/bin/python bench/load.py [--patients 50]        # or `make bench`

The server is the Procfile's, started here: gunicorn (config.wsgi, 2 sync
workers) and a Celery worker (queues default and checks, concurrency 2), on PostgreSQL (database
``bench_load``, made when missing) and Redis (127.0.0.1:6379, databases 15 for the cache and
sessions and 14 for the broker, emptied first). Settings as the development run's (``make
run``: ENVIRONMENT development, DEBUG on, which the outbox page needs) with the production
password hash (PASSWORD_HASH_COST owasp).

Each patient is a thread with its own browser (a requests session: cookies, CSRF tokens from
the forms) and does what a person trying the service does: the start page, create a login
(email and password, the email code read from the outbox page, phone number, the text
message's code from the outbox), sign out, sign in (password, then the code from the outbox),
then view their account and its activity. The patients start together.

Everyone connects from 127.0.0.1. As behind a real load balancer, the server is told to trust
127.0.0.1 as a proxy (TRUSTED_PROXIES, ADR 0018) and each patient's requests carry their own
address in X-Forwarded-For (203.0.113.x): per-address limits stay on, and apply per patient.

Prints patients, requests, error rate, 5xx count, latency (p50/p95/p99) per step and over
all requests, wall time, and the machine reference (bench/common.py) before and after.
Exits 1 on any 5xx or any patient who did not finish.
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import sys
import threading
import time
from collections import defaultdict

import requests
from cluster import (  # bench/cluster.py
    HOST,
    ROOT,
    celery_worker,
    flush_redis,
    gunicorn,
    newest_code,
    wait_until_up,
)
from common import create_database, csrf_token, reference  # bench/common.py

sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load"
)
CACHE_URL = "redis://127.0.0.1:6379/15"
BROKER_URL = "redis://127.0.0.1:6379/14"
PORT = int(os.environ.get("BENCH_LOAD_PORT", "8141"))
BASE = f"http://{HOST}:{PORT}"
WORK = ROOT / "var" / "bench-load"
PASSWORD = "a long unusual password under load"


def environment() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=CACHE_URL,
        CELERY_BROKER_URL=BROKER_URL,
        DATA_DIR=str(WORK / "data"),
        ENVIRONMENT="development",
        DEBUG="True",
        PASSWORD_HASH_COST="owasp",
        SITE_URL=BASE,
        TRUSTED_PROXIES=HOST,  # the load balancer in front: see the module docstring
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    return env


class Record:
    """Every request's status and time, and every step's time, from all patients."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[int, float]] = []
        self.steps: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []

    def request(self, status: int, seconds: float) -> None:
        with self.lock:
            self.requests.append((status, seconds))

    def step(self, name: str, seconds: float) -> None:
        with self.lock:
            self.steps[name].append(seconds)


class Patient:
    def __init__(self, number: int, record: Record):
        self.number = number
        self.record = record
        self.session = requests.Session()
        # Their own address, as the load balancer would append it (module docstring).
        self.session.headers["X-Forwarded-For"] = f"203.0.113.{number + 1}"
        self.email = f"load-{number}-{secrets.token_hex(3)}@example.com"
        self.phone = f"07700 900{number:03d}"
        self.e164 = f"+447700900{number:03d}"
        self.page = ""
        self.path = ""

    def request(self, method: str, path: str, form: dict | None = None) -> requests.Response:
        headers = {"Origin": BASE, "Referer": BASE + path} if form is not None else {}
        started = time.perf_counter()
        response = self.session.request(
            method, BASE + path, data=form, headers=headers, allow_redirects=False, timeout=120
        )
        self.record.request(response.status_code, time.perf_counter() - started)
        if response.status_code >= 500:
            raise RuntimeError(f"{response.status_code} from {method} {path}")
        if response.status_code in (301, 302, 303):
            return self.request("GET", response.headers["Location"].replace(BASE, ""))
        self.page, self.path = response.text, path
        return response

    def step(self, name: str, method: str, path: str, form: dict | None = None) -> None:
        """One step as the patient sees it: the request and any redirect after it."""
        started = time.perf_counter()
        if form is not None:
            form = {"csrfmiddlewaretoken": csrf_token(self.page), **form}
        self.request(method, path, form)
        self.record.step(name, time.perf_counter() - started)

    def code(self, recipient: str, used: str | None = None) -> str:
        """Open the outbox until the new code to ``recipient`` has been delivered (a person
        refreshing their inbox), then go back to the page they were on."""
        back_to = self.path
        started = time.perf_counter()
        while time.perf_counter() - started < 60:
            self.request("GET", "/outbox/")
            found = newest_code(self.page, recipient, used)
            if found and found[1] == "Delivered":
                self.record.step("outbox until code delivered", time.perf_counter() - started)
                self.request("GET", back_to)
                return found[0]
            time.sleep(0.5)
        raise RuntimeError(f"no delivered code to {recipient} in 60 s")

    def expect(self, heading: str) -> None:
        found = re.search(r"<h1[^>]*>(.*?)</h1>", self.page, re.S)
        seen = re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""
        if seen != heading:
            raise RuntimeError(f"at {self.path}: expected {heading!r}, saw {seen!r}")

    def journey(self) -> None:
        self.step("start page", "GET", "/")
        self.step("create: form", "GET", "/account/create/")
        self.step("create: email, password", "POST", self.path,
                  {"email": self.email, "password": PASSWORD, "terms": "on"})  # fmt: skip
        self.expect("Check your email")
        email_code = self.code(self.email)
        self.step("create: email code", "POST", self.path, {"code": email_code})
        self.expect("Enter your phone number")
        self.step("create: phone number", "POST", self.path,
                  {"kind": "mobile", "number": self.phone})  # fmt: skip
        self.expect("Check your phone")
        phone_code = self.code(self.e164)
        self.step("create: phone code", "POST", self.path, {"code": phone_code})
        self.expect("Your NHS login")
        self.step("sign out", "POST", "/account/sign-out/", {})
        self.step("sign in: form", "GET", "/account/sign-in/")
        self.step("sign in: password", "POST", self.path,
                  {"email": self.email, "password": PASSWORD})  # fmt: skip
        self.expect("Enter the security code")
        sign_in_code = self.code(self.e164, phone_code)
        self.step("sign in: code", "POST", self.path, {"code": sign_in_code})
        self.expect("Your NHS login")
        self.step("account: home", "GET", "/account/")
        self.step("account: activity", "GET", "/account/activity/")
        self.expect("Account activity")


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"n={len(values)}"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return (
        f"n={len(values):4d}  p50 {cuts[49] * 1000:7.0f} ms  p95 {cuts[94] * 1000:7.0f} ms  "
        f"p99 {cuts[98] * 1000:7.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--patients", type=int, default=50)
    args = parser.parse_args()
    if not 1 <= args.patients <= 250:
        parser.error("--patients must be 1 to 250 (one 203.0.113.x address each)")

    create_database(DATABASE_URL)
    flush_redis(CACHE_URL, BROKER_URL)
    shutil.rmtree(WORK, ignore_errors=True)
    os.environ.update(environment())
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from core.models import Notification

    call_command("migrate", verbosity=0)
    User.objects.filter(email__startswith="load-").delete()
    Notification.objects.all().delete()
    from django.db import connection

    connection.close()

    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; server and "
        f"patients on this machine, loopback"
    )
    print(f"reference, before: {reference()}", flush=True)
    print(
        "server: gunicorn config.wsgi, 2 sync workers; "
        "Celery worker, concurrency 2; "
        f"PostgreSQL {DATABASE_URL.rsplit('/', 1)[1]}, Redis {CACHE_URL} (cache, sessions), "
        f"{BROKER_URL} (broker); ENVIRONMENT=development DEBUG=True (the outbox page), "
        "PASSWORD_HASH_COST=owasp (production's)"
    )
    print(
        "addresses: TRUSTED_PROXIES=127.0.0.1 and each patient's own address in "
        "X-Forwarded-For (203.0.113.x), as behind a load balancer; no limit is switched off",
        flush=True,
    )
    env = environment()
    web = gunicorn("web", PORT, env, WORK / "logs", workers=2)
    worker = celery_worker("worker", env, WORK / "logs", concurrency=2)
    record = Record()
    finished = []
    try:
        web.start()
        worker.start()
        wait_until_up(PORT)
        worker.wait_for_log(" ready.")
        # Warm: each gunicorn worker's first pages load templates and code, once per process.
        for _ in range(4):
            for path in ("/", "/account/create/", "/account/sign-in/", "/outbox/"):
                requests.get(BASE + path, timeout=60)
        patients = [Patient(i, record) for i in range(args.patients)]
        gate = threading.Barrier(len(patients))

        def run(patient: Patient) -> None:
            gate.wait()
            try:
                patient.journey()
                finished.append(patient.number)
            except (RuntimeError, requests.RequestException, AttributeError) as error:
                with record.lock:
                    record.failures.append(f"patient {patient.number}: {error}")

        threads = [threading.Thread(target=run, args=(p,)) for p in patients]
        cpu_before = web.cpu_seconds(), worker.cpu_seconds()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu = web.cpu_seconds() - cpu_before[0], worker.cpu_seconds() - cpu_before[1]
    finally:
        web.stop()
        worker.stop()

    statuses = [status for status, _ in record.requests]
    server_errors = sum(1 for s in statuses if s >= 500)
    errors = sum(1 for s in statuses if s >= 400)
    print(f"\npatients: {args.patients} started at once, {len(finished)} finished the journey")
    print(
        f"requests: {len(statuses)} ({len(statuses) / wall:.1f}/s); errors (4xx and 5xx) "
        f"{errors} ({errors / max(len(statuses), 1):.2%}); 5xx: {server_errors}"
    )
    print(f"wall time: {wall:.1f} s")
    print(
        f"server CPU: gunicorn {cpu[0]:.1f} s, Celery worker {cpu[1]:.1f} s, of "
        f"{2 * wall:.0f} core-seconds (the patients' threads use the same 2 cores)"
    )
    print("latency per step (as the patient sees it: the request and its redirect):")
    for name, values in record.steps.items():
        print(f"  {name:30s} {percentiles(values)}")
    print(f"  {'all requests':30s} {percentiles([t for _, t in record.requests])}")
    for failure in record.failures[:10]:
        print(f"FAILED {failure}")
    print(f"reference, after:  {reference()}")
    ok = server_errors == 0 and len(finished) == args.patients
    print("PASS no 5xx, every patient finished" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
