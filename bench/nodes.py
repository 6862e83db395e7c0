"""Two nodes, one service: what must hold when the service runs on more than one machine.

    .venv/bin/python bench/nodes.py        # or `make bench`

Each node is what one machine runs from the Procfile: a gunicorn web process (config.wsgi, one
sync worker here, its own port) and a Celery worker (queues default and checks), each node
with a DATA_DIR folder of its own. The two share only PostgreSQL (127.0.0.1:5432, database
``bench_nodes``, made when missing), Redis (127.0.0.1:6379, databases 13 for the cache and
sessions and 14 for the broker, emptied first) and MEDIA_DIR, the photo ID check's uploads
(the one folder nodes must share: docs/operations.md, "More than one node"). The settings
are the development run's (``make run``: ENVIRONMENT development, DEBUG on, so the outbox
page exists) with PASSWORD_HASH_COST=fast-for-tests, so that this proof is bounded by the
journeys, not by Argon2id. A patient over HTTP (a requests session: one cookie jar for both
nodes, CSRF tokens from the forms, codes read from the outbox page) then proves, printing a
PASS or FAIL line with its numbers:

a. a whole P0 journey (create a login: email and password, email code, phone, phone code;
   sign out; sign in: password, code) with every request, redirects included, going to the
   other node than the one before;
b. the sign-in lockout counts across nodes: wrong passwords alternating between the nodes
   lock the account after as many as on one node (SIGN_IN_LOCKOUT_ATTEMPTS);
c. a private_key_jwt client assertion accepted at node A's /token is refused at node B's
   (its jti is remembered in the shared Redis), while a new assertion is accepted at B;
d. with node A's worker stopped, a security code asked for through node A's web is delivered
   (by node B's worker) and the patient signs in with it;
e. node A retired mid-journey (SIGTERM to its gunicorn and its worker just after the patient
   submitted the step that sends the email code): the code is delivered, the patient goes
   on at node B with the same session and finishes the journey;
f. a photo ID upload stored by a node A process is read back by a node B process (MEDIA_DIR).

Exits 1 on any FAIL. Processes are process groups, stopped (SIGTERM, then SIGKILL) however the
script ends. Environment: BENCH_NODES_DATABASE_URL, BENCH_NODES_PORTS ("8131,8132").
"""

import itertools
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from datetime import timedelta

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
from common import create_database, csrf_token  # bench/common.py

sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_NODES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_nodes"
)
CACHE_URL = "redis://127.0.0.1:6379/13"
BROKER_URL = "redis://127.0.0.1:6379/14"
PORTS = [int(p) for p in os.environ.get("BENCH_NODES_PORTS", "8131,8132").split(",")]
PUBLIC = f"http://{HOST}:{PORTS[0]}"  # the load balancer's address: one SITE_URL for all
PASSWORD = "a long unusual password for nodes"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REDIRECT_URI = "https://nodes.example/callback"
WORK = ROOT / "var" / "bench-nodes"
RESULTS: list[tuple[bool, str]] = []


def environment(node: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=CACHE_URL,
        CELERY_BROKER_URL=BROKER_URL,
        DATA_DIR=str(WORK / node),  # a folder of each node's own
        MEDIA_DIR=str(WORK / "shared-media"),  # the one folder nodes share (docs/operations.md)
        ENVIRONMENT="development",
        DEBUG="True",
        PASSWORD_HASH_COST="fast-for-tests",
        SITE_URL=PUBLIC,
        OIDC_ISSUER=PUBLIC,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def check(ok: bool, line: str) -> bool:
    RESULTS.append((ok, line))
    print(f"{'PASS' if ok else 'FAIL'} {line}", flush=True)
    return ok


class Node:
    def __init__(self, name: str, port: int):
        self.name, self.port = name, port
        env = environment(name)
        self.web = gunicorn(f"web-{name}", port, env, WORK / "logs", workers=1)
        self.worker = celery_worker(f"worker-{name}", env, WORK / "logs")
        self.base = f"http://{HOST}:{port}"

    def start(self) -> None:
        self.web.start()
        self.worker.start()
        wait_until_up(self.port)
        self.worker.wait_for_log(" ready.")

    def stop(self) -> None:
        self.web.stop()
        self.worker.stop()


class Patient:
    """One browser: one cookie jar, each request (redirects too) sent to the next of
    ``nodes`` in turn, so no two requests in a row reach the same node."""

    def __init__(self, nodes: list[Node]):
        self.session = requests.Session()
        self.turns = itertools.cycle(nodes)
        self.served: dict[str, int] = {}
        self.page = ""
        self.path = ""

    def use(self, nodes: list[Node]) -> None:
        self.turns = itertools.cycle(nodes)

    def request(self, method: str, path: str, form: dict | None = None) -> requests.Response:
        node = next(self.turns)
        headers = {"Origin": node.base, "Referer": node.base + path} if form is not None else {}
        response = self.session.request(
            method, node.base + path, data=form, headers=headers, allow_redirects=False,
            timeout=30,
        )  # fmt: skip
        self.served[node.name] = self.served.get(node.name, 0) + 1
        if response.status_code in (301, 302, 303) and method != "HEAD":
            location = response.headers["Location"].replace(PUBLIC, "")
            return self.request("GET", location)
        self.page, self.path = response.text, path
        return response

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)

    def submit(self, form: dict) -> requests.Response:
        """Post ``form`` (with the page's CSRF token) to the page last opened."""
        token = {"csrfmiddlewaretoken": csrf_token(self.page)}
        return self.request("POST", self.path, {**token, **form})

    def code(self, recipient: str, used: str | None = None, timeout: float = 20) -> tuple[str, str]:
        """The new code to ``recipient`` from the outbox, once delivered; the page the
        patient was on is opened again after."""
        back_to = self.path
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = newest_code(self.get("/outbox/").text, recipient, used)
            if found and found[1] == "Delivered":
                self.get(back_to)
                return found
            time.sleep(0.2)
        raise RuntimeError(f"no delivered code to {recipient} in {timeout}s")


def heading(page: str) -> str:
    import re

    found = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def create_login(patient: Patient, email: str, phone: str) -> dict:
    """Create a login through the pages; returns the codes used."""
    patient.get("/account/create/")
    patient.submit({"email": email, "password": PASSWORD, "terms": "on"})
    assert heading(patient.page) == "Check your email", heading(patient.page)
    email_code, _ = patient.code(email)
    patient.submit({"code": email_code})
    assert heading(patient.page) == "Enter your phone number", heading(patient.page)
    patient.submit({"kind": "mobile", "number": phone})
    assert heading(patient.page) == "Check your phone", heading(patient.page)
    e164 = "+44" + phone.replace(" ", "")[1:]
    phone_code, _ = patient.code(e164)
    patient.submit({"code": phone_code})
    assert heading(patient.page) == "Your NHS login", heading(patient.page)
    return {"email": email_code, "phone": phone_code, "e164": e164}


def sign_out(patient: Patient) -> None:
    patient.get("/account/")
    patient.request("POST", "/account/sign-out/", {"csrfmiddlewaretoken": csrf_token(patient.page)})


def sign_in(patient: Patient, email: str, password: str, e164: str, used: str | None) -> str:
    patient.get("/account/sign-in/")
    patient.submit({"email": email, "password": password})
    assert heading(patient.page) == "Enter the security code", heading(patient.page)
    code, _ = patient.code(e164, used)
    patient.submit({"code": code})
    assert heading(patient.page) == "Your NHS login", heading(patient.page)
    return code


# -- a. the journey across nodes --------------------------------------------------------------


def journey_across_nodes(a: Node, b: Node) -> dict:
    patient = Patient([a, b])
    email = f"nodes-{secrets.token_hex(4)}@example.com"
    started = time.monotonic()
    try:
        codes = create_login(patient, email, "07700 900 101")
        sign_out(patient)
        signed_out = "You have signed out" in patient.page
        sign_in(patient, email, PASSWORD, codes["e164"], codes["phone"])
        home = patient.get("/account/")
        ok = signed_out and home.status_code == 200 and "Your NHS login" in home.text
    except (AssertionError, RuntimeError) as error:
        ok = False
        print(f"     stopped at {patient.path}: {error}")
    check(
        ok,
        f"a. journey across nodes: create login + sign out + sign in, requests "
        f"A={patient.served.get('A', 0)} B={patient.served.get('B', 0)} (alternating), "
        f"{time.monotonic() - started:.1f} s",
    )
    return {"email": email, "e164": "+447700900101"}


# -- b. the lockout across nodes --------------------------------------------------------------


def wrong_passwords_until_locked(
    patient: Patient, email: str, limit: int, nodes: list[Node]
) -> int | None:
    """Wrong passwords until the page says the login is locked; the nth attempt (its page and
    its password) goes to node n mod len(nodes). Returns how many it took."""
    for attempt in range(1, limit + 3):
        patient.use([nodes[attempt % len(nodes)]])
        patient.get("/account/sign-in/")
        patient.submit({"email": email, "password": "not my password at all"})
        if "Sign in is locked" in patient.page:
            return attempt
    return None


def lockout_across_nodes(a: Node, b: Node) -> None:
    from django.conf import settings

    limit = settings.SIGN_IN_LOCKOUT_ATTEMPTS
    emails = [f"lock-{i}-{secrets.token_hex(3)}@example.com" for i in range(2)]
    for i, email in enumerate(emails):
        make_patient(email, f"+4477009002{i:02d}")
    one = wrong_passwords_until_locked(Patient([a]), emails[0], limit, [a])
    crossing = Patient([a, b])
    both = wrong_passwords_until_locked(crossing, emails[1], limit, [a, b])
    # The right password, at the node that did not take the last wrong one, is refused too.
    crossing.use([b if crossing.served.get("A", 0) > crossing.served.get("B", 0) else a])
    crossing.get("/account/sign-in/")
    crossing.submit({"email": emails[1], "password": PASSWORD})
    still_locked = "Sign in is locked" in crossing.page
    check(
        one == both == limit and still_locked,
        f"b. lockout: locked after {one} wrong passwords on node A alone, after {both} "
        f"alternating A/B (SIGN_IN_LOCKOUT_ATTEMPTS={limit}; requests "
        f"A={crossing.served.get('A', 0)} B={crossing.served.get('B', 0)}); right password "
        f"then refused at the other node: {still_locked}",
    )


def make_patient(email: str, phone: str):
    """A P0 patient with a confirmed mobile, through the ORM."""
    from django.utils import timezone

    from accounts.models import PhoneDevice, User

    user = User.objects.create_user(
        email, PASSWORD, email_verified=True, phone_number=phone, phone_kind="mobile",
        phone_verified=True, terms_accepted_at=timezone.now(),
    )  # fmt: skip
    PhoneDevice.objects.create(
        user=user, name="mobile", number=phone, kind="mobile", confirmed=True
    )
    return user


# -- c. jti replay across nodes ---------------------------------------------------------------


def connected_service():
    """A confidential connected service with a key pair (private_key_jwt), a patient who
    agreed to share with it, and two authorization codes; through the ORM."""
    from django.utils import timezone
    from jwcrypto import jwk

    from connected_services.models import Consent, Grant, Service

    key = jwk.JWK.generate(kty="RSA", size=2048)
    Service.objects.filter(client_id="nodes-service").delete()
    service = Service.objects.create(
        name="Nodes service", client_id="nodes-service", client_type=Service.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Service.GRANT_AUTHORIZATION_CODE, redirect_uris=REDIRECT_URI,
        public_key_pem=key.export_to_pem().decode(), allowed_vectors="P0.Cp.Cd",
        allowed_scopes="openid email", has_care_benefit=True, is_nhs_commissioned=True,
        is_free_at_point_of_delivery=True, is_live=True, hash_client_secret=False,
    )  # fmt: skip
    user = make_patient(f"jti-{secrets.token_hex(3)}@example.com", "+447700900301")
    Consent.objects.create(
        user=user, service=service, scopes=["email", "openid"], claims=["email"], level="P0",
        granted_at=timezone.now(),
    )  # fmt: skip
    codes = [secrets.token_urlsafe(24) for _ in range(3)]
    for code in codes:
        Grant.objects.create(
            application=service, user=user, code=code, redirect_uri=REDIRECT_URI,
            expires=timezone.now() + timedelta(minutes=10), scope="openid email", nonce="n",
            claims="{}", vot="P0.Cp.Cd", auth_time=int(time.time()),
        )  # fmt: skip
    return key, codes


def assertion(key) -> str:
    from jwcrypto import jwt

    now = int(time.time())
    token = jwt.JWT(
        header={"alg": "RS512", "typ": "JWT"},
        claims={"iss": "nodes-service", "sub": "nodes-service", "aud": f"{PUBLIC}/token",
                "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex},
    )  # fmt: skip
    token.make_signed_token(key)
    return token.serialize()


def jti_across_nodes(a: Node, b: Node) -> None:
    key, codes = connected_service()
    once = assertion(key)

    def exchange(node: Node, code: str, signed: str) -> requests.Response:
        return requests.post(
            f"{node.base}/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
                  "client_assertion_type": JWT_BEARER, "client_assertion": signed},
            timeout=30,
        )  # fmt: skip

    at_a = exchange(a, codes[0], once)
    replay = exchange(b, codes[1], once)
    fresh = exchange(b, codes[2], assertion(key))
    error = (
        replay.json().get("error")
        if replay.headers.get("content-type", "").startswith("application/json")
        else replay.text[:60]
    )
    check(
        at_a.status_code == 200 and replay.status_code in (400, 401) and fresh.status_code == 200,
        f"c. jti replay: assertion at node A's /token {at_a.status_code}; the same assertion at "
        f"node B's /token {replay.status_code} ({error}); a new assertion at node B "
        f"{fresh.status_code}",
    )


# -- d. work queued through one node, done by the other's worker ------------------------------


def other_worker_delivers(a: Node, b: Node, who: dict) -> None:
    a.worker.stop()
    patient = Patient([a])  # every page from node A's web; only B's worker runs
    started = time.monotonic()
    try:
        patient.get("/account/sign-in/")
        patient.submit({"email": who["email"], "password": PASSWORD})
        asked = time.monotonic()
        code, status = patient.code(who["e164"])
        delivered = time.monotonic() - asked
        patient.submit({"code": code})
        ok = heading(patient.page) == "Your NHS login" and status == "Delivered"
        line = f"delivered in {delivered:.2f} s"
    except (AssertionError, RuntimeError) as error:
        ok, line = False, str(error)
    check(
        ok and b.worker.running and not a.worker.running,
        f"d. node A's worker stopped: sign-in code asked for at node A's web, {line} "
        f"(node B's worker), signed in at node A ({time.monotonic() - started:.1f} s)",
    )
    a.worker.start()
    a.worker.wait_for_log(" ready.")


# -- e. a node retired mid-journey ------------------------------------------------------------


def node_retired_mid_journey(a: Node, b: Node) -> None:
    patient = Patient([a])
    email = f"retired-{secrets.token_hex(4)}@example.com"
    patient.get("/account/create/")
    patient.submit({"email": email, "password": PASSWORD, "terms": "on"})
    step_done = heading(patient.page) == "Check your email"
    stopping = time.monotonic()
    a.web.stop()
    a.worker.stop()
    stopped = time.monotonic() - stopping
    patient.use([b])
    try:
        code, status = patient.code(email)
        patient.get("/account/create/confirm-email/")
        patient.submit({"code": code})
        assert heading(patient.page) == "Enter your phone number", heading(patient.page)
        patient.submit({"kind": "mobile", "number": "07700 900 401"})
        phone_code, _ = patient.code("+447700900401")
        patient.submit({"code": phone_code})
        ok = step_done and heading(patient.page) == "Your NHS login" and status == "Delivered"
        line = f"email code {status.lower()}"
    except (AssertionError, RuntimeError) as error:
        ok, line = False, str(error)
    check(
        ok and not a.web.running and not a.worker.running,
        f"e. node A stopped (SIGTERM to web and worker, {stopped:.1f} s) after the create step: "
        f"{line}, the same session finished the journey at node B "
        f"(requests A={patient.served.get('A', 0)} B={patient.served.get('B', 0)})",
    )


STORE = "from verification.idchecks import storage; print(storage.save_encrypted(b'photo'))"
READ = "import sys; from verification.idchecks import storage; sys.stdout.write(storage.{})"


def media_across_nodes() -> None:
    """What a photo ID check needs: the web process that takes the upload, the worker that
    checks it and the one that shows it to a checker may each be on another node."""

    def on(node: str, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT, env=environment(node), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        # The last line: Django's shell first says what it imported.
        out = done.stdout.strip().splitlines()[-1:] or [""]
        return out[0] if done.returncode == 0 else f"error: {done.stderr[-200:]}"

    name = on("A", STORE)
    read = on("B", READ.format(f"read_decrypted({name!r}).decode()"))
    check(
        read == "photo",
        f"f. a photo ID upload stored by node A ({name}) read back by node B: {read!r}",
    )


def data_dirs_hold_nothing_shared() -> None:
    """The nodes' own folders: what is in them after the run (nothing another node needs)."""
    found = sorted(
        str(p.relative_to(WORK))
        for node in ("A", "B")
        for p in (WORK / node).rglob("*")
        if p.is_file()
    )
    check(
        not found,
        f"DATA_DIR of each node holds no files after the run ({len(found)}: {found[:5]})",
    )


def main() -> int:
    started = time.monotonic()
    create_database(DATABASE_URL)
    flush_redis(CACHE_URL, BROKER_URL)
    shutil.rmtree(WORK, ignore_errors=True)
    os.environ.update(environment("setup"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"two nodes on ports {PORTS[0]} (A) and {PORTS[1]} (B), each gunicorn (1 sync worker) + "
        f"Celery worker (concurrency 1), own DATA_DIR under {WORK.relative_to(ROOT)}/; shared: "
        f"MEDIA_DIR {WORK.relative_to(ROOT)}/shared-media, "
        f"PostgreSQL {DATABASE_URL.rsplit('/', 1)[1]}, Redis {CACHE_URL} (cache, sessions), "
        f"{BROKER_URL} (broker). ENVIRONMENT=development DEBUG=True "
        f"PASSWORD_HASH_COST=fast-for-tests (not the production hash cost)",
        flush=True,
    )
    a, b = Node("A", PORTS[0]), Node("B", PORTS[1])
    try:
        a.start()
        b.start()
        print(f"nodes up in {time.monotonic() - started:.1f} s", flush=True)
        who = journey_across_nodes(a, b)
        lockout_across_nodes(a, b)
        jti_across_nodes(a, b)
        other_worker_delivers(a, b, who)
        node_retired_mid_journey(a, b)
        media_across_nodes()
    finally:
        a.stop()
        b.stop()
    data_dirs_hold_nothing_shared()
    failed = sum(1 for ok, _ in RESULTS if not ok)
    print(
        f"{len(RESULTS) - failed} passed, {failed} failed, {time.monotonic() - started:.1f} s "
        f"(logs: {(WORK / 'logs').relative_to(ROOT)}/)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
