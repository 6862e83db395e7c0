"""Benchmark of the OpenID Connect provider: code exchanges, refresh grants and userinfo per
second per core, and full sign-ins to a service per second per core.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oidc REDIS_URL=redis://127.0.0.1:6379/7 \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/oidc.py

The provider runs as it does in production: gunicorn with 2 sync workers, PostgreSQL, Redis
(cache: the client-assertion replay cache and sessions). Load comes from a separate process on
loopback: wrk (C; one thread, by default one connection per worker; bench/wrk_token.lua gives
each token request its own assertion and rotates refresh tokens) when it is installed (`make
bench` installs it), else, or with ``--loader python``, four Python load processes. The
lighter client matters on this 2-vCPU machine: the Python processes spend about as much CPU
per request as the server and slow the workers' vCPUs (docs/performance.md). The full sign-in
always uses the Python processes (cookies, forms, the code read from the database). Client
assertions are signed before the clock starts (they are the client's
cost, not ours). "Per core" is requests divided by the CPU seconds the gunicorn workers used,
read from /proc, so the load generator's share of the 2 cores does not count against us. The
wall-clock rate is printed too, and so are the workers' user and system CPU and minor page
faults per request. The full sign-in is what a patient does: /authorize, the sign-in page,
the password (one Argon2id hash), the code page, the code read from their newest text message
in the database, /authorize again, then the service's code exchange (one patient per load
process, since a new code replaces the last). Prints numbers; it is not a pass/fail test.

Two figures put the others in proportion. The *floor* phases are the cheapest requests this
server answers: the published keys (gunicorn, Django's handler and the lean middleware, no
database), so "refresh minus floor" is what the grant itself costs; and the signed-out
sign-in page (the whole middleware chain, the page kept by core.pages), the least any page of
a sign-in costs. The *reference* lines,
before and after the run, time an RS512 signature and a fixed pure-Python loop alone on a
core: this shared machine's speed drifts by a factor of two within a day, and runs whose
references differ do not compare (docs/performance.md).

In-process, without gunicorn or load processes (CPU per request and statements per request):

    .venv/bin/python bench/oidc.py --in-process 300 [--only refresh] [--profile /tmp/p]

Instructions per request, repeatable on a busy machine (use a database of its own: setup
replaces the bench service and its tokens):

    BENCH_CALLGRIND=1 valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file=/tmp/cg.%p .venv/bin/python bench/oidc.py --in-process 30
    grep totals: /tmp/cg.*.*    # one dump per phase (dump code/refresh/userinfo); divide by 30
"""

import argparse
import http.client
import json
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from common import Browser, csrf_token, latest_code, p9_patient, reference  # bench/common.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8103"))  # set BENCH_PORT to run beside others
ISSUER = f"http://{HOST}:{PORT}"
REDIRECT_URI = "https://bench.example/callback"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PASSWORD = "correct horse battery staple"


def environment() -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oidc")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/8")
    env.setdefault("DATA_DIR", str(ROOT / "var" / "bench"))
    env["SITE_URL"] = ISSUER
    env["OIDC_ISSUER"] = ISSUER
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.setdefault("LOG_LEVEL", "WARNING")
    return env


# -- setup (in this process, through the ORM) ----------------------------------------------


def patient(email: str, nhs_number: str, service):
    """A P9 patient with a confirmed mobile who has agreed to share with the bench service."""
    from django.utils import timezone

    from accounts.models import User
    from connected_services.models import Consent

    User.objects.filter(email=email).delete()
    user = p9_patient(email, password=PASSWORD, nhs_number=nhs_number, phone="+447700900001")
    Consent.objects.create(
        user=user,
        service=service,
        scopes=["email", "openid", "phone", "profile"],
        claims=[
            "nhs_number",
            "family_name",
            "birthdate",
            "identity_proofing_level",
            "email",
            "phone_number",
        ],
        level="P9",
        granted_at=timezone.now(),
    )
    return user


def setup(codes: int, families: int, sign_in_patients: int = 0):
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from jwcrypto import jwk
    from oauth2_provider.models import set_token_value

    from connected_services.models import AccessToken, Grant, Service
    from verification.demographics.generator import nhs_numbers
    from verification.models import Identity

    call_command("migrate", verbosity=0)
    key = jwk.JWK.generate(kty="RSA", size=2048)
    Service.objects.filter(client_id="bench-service").delete()
    service = Service.objects.create(
        name="Bench service",
        client_id="bench-service",
        client_type=Service.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Service.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        public_key_pem=key.export_to_pem().decode(),
        allowed_vectors="P0.Cp.Cd P5.Cp.Cd P9.Cp.Cd",
        allowed_scopes="openid profile email phone",
        has_care_benefit=True,
        is_nhs_commissioned=True,
        is_free_at_point_of_delivery=True,
        is_live=True,
        hash_client_secret=False,
    )
    Identity.objects.filter(family_name="Benchmark").delete()
    numbers = nhs_numbers()
    nhs_number = next(numbers)
    user = patient("bench-patient@example.com", nhs_number, service)
    # One patient per load process for the full sign-in (a new code replaces the last one).
    signing_in = [
        patient(f"bench-sign-in-{i}@example.com", next(numbers), service)
        for i in range(sign_in_patients)
    ]
    scope = "openid profile email phone"
    now = timezone.now()
    code_list = [secrets.token_urlsafe(24) for _ in range(codes)]
    Grant.objects.bulk_create(
        Grant(
            application=service,
            user=user,
            code=code,
            expires=now + timedelta(minutes=10),
            redirect_uri=REDIRECT_URI,
            scope=scope,
            nonce="n",
            claims="{}",
            vot="P9.Cp.Cd",
            auth_time=int(time.time()),
        )
        for code in code_list
    )
    refresh_list = refresh_families(user, service, families)
    userinfo_token = secrets.token_urlsafe(30)
    access = AccessToken(
        user=user, application=service, scope=scope, expires=now + timedelta(hours=1)
    )
    set_token_value(access, userinfo_token)
    access.save()
    return {
        "key_pem": key.export_to_pem(private_key=True, password=None).decode(),
        "codes": code_list,
        "refresh_tokens": refresh_list,
        "userinfo_token": userinfo_token,
        "signing_in": [(person.email, person.pk) for person in signing_in],
        "nhs_number": nhs_number,
    }


def refresh_families(user, service, families: int) -> list[str]:
    """``families`` new refresh tokens of ``user`` for ``service``, each the start of its own
    family (with the access token it was issued beside), as a code exchange leaves them."""
    from django.utils import timezone
    from oauth2_provider.models import set_token_value

    from connected_services.models import AccessToken, RefreshToken

    scope = "openid profile email phone"
    now = timezone.now()
    refresh_list = []
    for _ in range(families):
        access = AccessToken(
            user=user,
            application=service,
            scope=scope,
            expires=now + timedelta(minutes=5),
            vot="P9.Cp.Cd",
            auth_time=int(time.time()),
        )
        set_token_value(access, secrets.token_urlsafe(30))
        access.save()
        raw = secrets.token_urlsafe(30)
        refresh = RefreshToken(
            user=user, application=service, access_token=access, token_family=uuid.uuid4()
        )
        set_token_value(refresh, raw)
        refresh.save()
        refresh_list.append(raw)
    return refresh_list


def sign_assertions(key_pem: str, count: int, audience: str = f"{ISSUER}/token") -> list[str]:
    """``count`` RS512 client assertions of the bench service for ``audience`` (a token
    endpoint), each with its own jti."""
    from jwcrypto import jwk, jwt

    key = jwk.JWK.from_pem(key_pem.encode())
    now = int(time.time())
    out = []
    for _ in range(count):
        token = jwt.JWT(
            header={"alg": "RS512", "typ": "JWT"},
            claims={
                "iss": "bench-service",
                "sub": "bench-service",
                "aud": audience,
                "iat": now,
                "exp": now + 600,
                "jti": secrets.token_hex(16),
            },
        )
        token.make_signed_token(key)
        out.append(token.serialize())
    return out


# -- in-process CPU per request (no HTTP server, no load generator) -------------------------


def _callgrind(*args: str) -> None:
    """With BENCH_CALLGRIND=1 under ``valgrind --tool=callgrind --instr-atstart=no``: count
    instructions in the timed loop only, one dump per phase (instruction counts do not
    depend on what else the machine is doing, unlike CPU time)."""
    if os.environ.get("BENCH_CALLGRIND"):
        for arg in args:
            command = ["callgrind_control", *arg.split(" ", 1), str(os.getpid())]
            subprocess.run(command, check=True, capture_output=True)


def in_process(data: dict, count: int, only=(), profile: str | None = None) -> None:
    """CPU per request through Django's WSGI handler (all middleware), in this process.

    Unlike the HTTP phases this is not disturbed by other work on the machine sharing the
    cores, so it is the figure to compare before and after a change. The server's own cost
    (gunicorn parsing HTTP and accepting connections) is not included.
    """
    import io

    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    app = get_wsgi_application()

    def call(method, path, body=b"", headers=None):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": str(PORT),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": f"{HOST}:{PORT}",
            "REMOTE_ADDR": HOST,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            **({"CONTENT_TYPE": FORM["Content-Type"]} if body else {}),
            **(headers or {}),
        }
        status = []
        chunks = app(environ, lambda s, h, e=None: status.append(s))
        b"".join(chunks)
        chunks.close()
        return status[0]

    codes = data["codes"]
    code_assertions = sign_assertions(data["key_pem"], len(codes))
    refresh_assertions = sign_assertions(data["key_pem"], len(data["refresh_tokens"]))

    def code(i):
        body = {"grant_type": "authorization_code", "code": codes[i],
                "redirect_uri": REDIRECT_URI, "client_assertion_type": JWT_BEARER,
                "client_assertion": code_assertions[i]}  # fmt: skip
        return call("POST", "/token", urlencode(body).encode())

    def refresh(i):
        body = {"grant_type": "refresh_token", "refresh_token": data["refresh_tokens"][i],
                "client_assertion_type": JWT_BEARER,
                "client_assertion": refresh_assertions[i]}  # fmt: skip
        return call("POST", "/token", urlencode(body).encode())

    def userinfo(_i):
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {data['userinfo_token']}"}
        return call("GET", "/userinfo", headers=bearer)

    phases = (("code exchange", code), ("refresh grant", refresh), ("userinfo", userinfo))
    for name, request in phases:
        if only and name.split()[0] not in only:
            continue
        queries = []

        def counted(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            assert request(count).startswith("200"), name  # warm up; count the queries
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
        _callgrind("-z", "-i on")
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        for i in range(count):
            status = request(i)
            assert status.startswith("200"), (name, status)
        if profiler:
            profiler.disable()
        cpu = time.process_time() - cpu
        _callgrind("-i off", f"-d {name.split()[0]}")
        if profiler:
            profiler.dump_stats(f"{profile}.{name.split()[0]}.prof")
        print(
            f"{name:<22} in-process {cpu / count * 1000:6.2f} ms CPU/request  "
            f"{count / cpu:8.1f}/s per CPU-s  {len(queries)} queries",
            flush=True,
        )


# -- the server -----------------------------------------------------------------------------


def gunicorn(workers: int = 2, port: int = PORT, options: tuple = ()) -> list[str]:
    """The command line of our server: gunicorn with ``workers`` workers (sync unless
    ``options`` say otherwise) on ``port``."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),  # the environment running this bench
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        *options,
    ]


class Server:
    """A server whose workers are the children of the process it starts (gunicorn's arbiter,
    or a node cluster's primary): ``counters`` reads their CPU from /proc."""

    def __init__(self, env: dict, workers: int = 2, command=None, port: int = PORT, cwd=ROOT):
        self.process = subprocess.Popen(
            command or gunicorn(workers, port), cwd=cwd, env=env, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", "/.well-known/jwks.json")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{command[0] if command else 'gunicorn'} did not start")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def counters(self) -> tuple[float, float, int]:
        """The workers' user and system CPU seconds and minor page faults, from /proc."""
        user = system = faults = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            faults += int(fields[7])  # minflt
            user += int(fields[11])
            system += int(fields[12])
        tick = os.sysconf("SC_CLK_TCK")
        return user / tick, system / tick, faults

    def cpu_seconds(self) -> float:
        user, system, _faults = self.counters()
        return user + system

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


# -- load generators (separate processes) --------------------------------------------------


def _request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.headers, data


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def load_codes(args):
    codes, assertions = args
    ok = 0
    for code, assertion in zip(codes, assertions, strict=True):
        body = urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_assertion_type": JWT_BEARER,
                "client_assertion": assertion,
            }
        )
        status, _h, _d = _request("POST", "/token", body, FORM)
        ok += status == 200
    return ok, len(codes)


def load_refresh(args):
    tokens, assertions = args
    tokens = list(tokens)
    ok = 0
    for i, assertion in enumerate(assertions):
        slot = i % len(tokens)
        body = urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": tokens[slot],
                "client_assertion_type": JWT_BEARER,
                "client_assertion": assertion,
            }
        )
        status, _h, data = _request("POST", "/token", body, FORM)
        if status == 200:
            ok += 1
            tokens[slot] = json.loads(data)["refresh_token"]
    return ok, len(assertions)


def load_floor(args):
    """The cheapest requests the server answers: the published keys (the lean path, no
    database) or the signed-out sign-in page (the whole middleware chain, the page kept)."""
    path, count = args
    ok = 0
    for _ in range(count):
        status, _h, _d = _request("GET", path)
        ok += status == 200
    return ok, count


def load_userinfo(args):
    token, count = args
    ok = 0
    for _ in range(count):
        status, _h, _d = _request("GET", "/userinfo", None, {"Authorization": f"Bearer {token}"})
        ok += status == 200
    return ok, count


_INHERITED = []


def _own_database_connections():
    """Pool initializer: a forked load process must not use the database connections it
    inherited from the bench process (they are the parent's); keep them referenced, so they
    are never closed from here, and let Django open this process's own."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        _INHERITED.append(connection.connection)
        connection.connection = None


def load_sign_in(args):
    """A patient signs in to the service: /authorize, the sign-in page, the password, the
    code page, the code from their text message, /authorize again, and the service's code
    exchange at /token."""
    from django.utils import timezone

    email, user_pk, assertions = args
    ok = 0
    for assertion in assertions:
        browser = Browser(PORT)
        params = urlencode(
            {
                "response_type": "code",
                "client_id": "bench-service",
                "redirect_uri": REDIRECT_URI,
                "scope": "openid profile",
                "state": secrets.token_hex(8),
                "nonce": secrets.token_hex(8),
                "vtr": '["P9.Cp.Cd"]',
            }
        )
        _status, sign_in_url, _ = browser.request("GET", f"/authorize?{params}")
        _status, _, html = browser.request("GET", sign_in_url)
        sent_after = timezone.now()
        form = {"csrfmiddlewaretoken": csrf_token(html), "email": email, "password": PASSWORD}
        _status, code_url, _ = browser.request("POST", sign_in_url, form)
        _status, _, html = browser.request("GET", code_url)
        form = {"csrfmiddlewaretoken": csrf_token(html), "code": latest_code(user_pk, sent_after)}
        _status, authorize_url, _ = browser.request("POST", code_url, form)
        _status, location, _ = browser.request("GET", authorize_url)
        browser.conn.close()
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        body = urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_assertion_type": JWT_BEARER,
                "client_assertion": assertion,
            }
        )
        status, _h, _d = _request("POST", "/token", body, FORM)
        ok += status == 200
    return ok, len(assertions)


def split(items, parts):
    return [items[i::parts] for i in range(parts)]


def run_phase(name, server, pool, func, jobs):
    before, t0 = server.counters(), time.monotonic()
    results = pool.map(func, jobs)
    report(name, before, server.counters(), time.monotonic() - t0, results)


def report(name, before, after, wall, results):
    """One phase's line: requests per wall second and per second of the workers' CPU, and the
    workers' user and system CPU and minor page faults per request."""
    (user0, system0, faults0), (user1, system1, faults1) = before, after
    cpu = (user1 - user0) + (system1 - system0)
    ok = sum(r[0] for r in results)
    total = sum(r[1] for r in results)
    line = (
        f"{name:<22} {ok:>6}/{total:<6} ok  {wall:6.1f} s  {ok / wall:8.1f}/s wall  "
        f"{ok / wall / 2:8.1f}/s/core (wall/2)  {ok / cpu if cpu else 0:8.1f}/s per server CPU-s"
    )
    print(line, flush=True)
    if total:
        print(
            f"{'':<22} per request: {(user1 - user0) / total * 1000:.2f} ms user, "
            f"{(system1 - system0) / total * 1000:.2f} ms system, "
            f"{(faults1 - faults0) / total:.1f} minor page faults",
            flush=True,
        )
    return {"ok": ok, "total": total, "wall": wall, "cpu": cpu}


# -- the same phases with wrk as the load generator -----------------------------------------

WRK_SCRIPT = ROOT / "bench" / "wrk_token.lua"


def _milliseconds(text: str) -> float:
    """wrk's printed duration ("812.00us", "1.23ms", "2.01s") in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk_get(name, server, path, seconds, connections, headers=(), issuer=ISSUER):
    """GET ``path`` for ``seconds`` from wrk (one thread, ``connections`` connections).
    Returns the phase's figures (``report``) with the median and 99th percentile latency in
    ms."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{round(seconds)}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    before, t0 = server.counters(), time.monotonic()
    out = subprocess.run(
        [*command, f"{issuer}{path}"], capture_output=True, text=True, check=True
    ).stdout
    after, wall = server.counters(), time.monotonic() - t0
    total = int(re.search(r"(\d+) requests in", out).group(1))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    ok = total - (int(failed.group(1)) if failed else 0)
    result = report(name, before, after, wall, [(ok, total)])
    for percent in (50, 99):
        result[f"p{percent}"] = _milliseconds(re.search(rf" {percent}%\s+(\S+)", out).group(1))
    return result


def wrk_token(name, server, mode, grants, assertions, connections, issuer=ISSUER, close=False):
    """POST /token from wrk: one request per pre-signed assertion (bench/wrk_token.lua), each
    on a new connection when ``close``. Returns the phase's figures (``report``) with the
    median and 99th percentile latency in ms."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "grants.txt").write_text("\n".join(grants) + "\n")
        Path(folder, "assertions.txt").write_text("\n".join(assertions) + "\n")
        before, t0 = server.counters(), time.monotonic()
        process = subprocess.Popen(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                "-d600s",
                "-s",
                str(WRK_SCRIPT),
                f"{issuer}/token",
                "--",
                mode,
                folder,
                *(["close"] if close else []),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        finished = Path(folder, "finished")
        while not finished.exists() and process.poll() is None:
            time.sleep(0.02)
        after, wall = server.counters(), time.monotonic() - t0
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    counted = re.search(r"ok (\d+) failed (\d+)", out)
    ok, failed = int(counted.group(1)), int(counted.group(2))
    result = report(name, before, after, wall, [(ok, ok + failed)])
    latency = re.search(r"p50 ([\d.]+) p99 ([\d.]+)", out)
    result["p50"], result["p99"] = float(latency.group(1)), float(latency.group(2))
    return result


def python_phases(args, data, server, pool, code_assertions, refresh_assertions):
    """The floors, code exchange, refresh and userinfo from the Python load processes."""
    n = args.clients
    if args.floor:
        for name, path in (
            ("floor: JWKS (lean)", "/.well-known/jwks.json"),
            ("floor: sign-in page", "/account/sign-in/"),
        ):
            run_phase(name, server, pool, load_floor, [(path, args.floor // n)] * n)
    run_phase(
        "code exchange",
        server,
        pool,
        load_codes,
        list(zip(split(data["codes"], n), split(code_assertions, n), strict=True)),
    )
    run_phase(
        "refresh grant",
        server,
        pool,
        load_refresh,
        list(
            zip(
                split(data["refresh_tokens"], n),
                split(refresh_assertions, n),
                strict=True,
            )
        ),
    )
    run_phase(
        "userinfo",
        server,
        pool,
        load_userinfo,
        [(data["userinfo_token"], args.userinfo // n)] * n,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--refreshes", type=int, default=3000)
    parser.add_argument("--userinfo", type=int, default=8000)
    parser.add_argument("--sign-ins", type=int, default=100)
    parser.add_argument(
        "--floor", type=int, default=4000, help="JWKS requests: the server's cheapest request"
    )
    parser.add_argument("--clients", type=int, default=4, help="Python load processes")
    parser.add_argument(
        "--loader",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator for the floors, code exchange, refresh and userinfo (default: wrk "
        "when installed); the full sign-in always uses the Python load processes",
    )
    parser.add_argument(
        "--connections", type=int, default=2, help="wrk connections (default: one per worker)"
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk: seconds for each GET phase")
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="N",
        help="instead: N requests of each kind through Django in this process (CPU per request)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=("code", "refresh", "userinfo"),
        help="with --in-process: only these phases (repeatable)",
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="with --in-process: cProfile (CPU time) each phase into PREFIX.<phase>.prof",
    )
    args = parser.parse_args()

    env = environment()
    os.environ.update(env)
    if args.in_process:
        in_process(
            setup(args.in_process + 1, families=args.in_process + 1),
            args.in_process,
            only=args.only or (),
            profile=args.profile,
        )
        return
    data = setup(args.codes, families=args.clients * 20, sign_in_patients=args.clients)
    print("signing client assertions (the client's cost, before the clock starts)", flush=True)
    code_assertions = sign_assertions(data["key_pem"], args.codes)
    refresh_assertions = sign_assertions(data["key_pem"], args.refreshes)
    sign_in_assertions = sign_assertions(data["key_pem"], args.sign_ins)

    print(
        f"machine: {os.cpu_count()} cores; gunicorn 2 sync workers; {env['DATABASE_URL']}; "
        f"Python {sys.version.split()[0]} ({sys.executable})"
    )
    if args.loader == "wrk":
        print(f"load: wrk, 1 thread, {args.connections} connections (full sign-in: Python)")
    else:
        print(f"load: {args.clients} Python processes")
    print(f"reference, before: {reference(data['key_pem'])}", flush=True)
    server = Server(env)
    n = args.clients
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(n, initializer=_own_database_connections) as pool:
            if args.loader == "wrk":
                c, seconds = args.connections, args.seconds
                if args.floor:
                    wrk_get("floor: JWKS (lean)", server, "/.well-known/jwks.json", seconds, c)
                    wrk_get("floor: sign-in page", server, "/account/sign-in/", seconds, c)
                wrk_token("code exchange", server, "code", data["codes"], code_assertions, c)
                wrk_token(
                    "refresh grant",
                    server,
                    "refresh",
                    data["refresh_tokens"],
                    refresh_assertions,
                    c,
                )
                wrk_get(
                    "userinfo",
                    server,
                    "/userinfo",
                    seconds,
                    c,
                    [f"Authorization: Bearer {data['userinfo_token']}"],
                )
            else:
                python_phases(args, data, server, pool, code_assertions, refresh_assertions)
            run_phase(
                "full sign-in",
                server,
                pool,
                load_sign_in,
                [
                    (*data["signing_in"][i], assertions)
                    for i, assertions in enumerate(split(sign_in_assertions, n))
                ],
            )
    finally:
        server.stop()
    print(f"reference, after:  {reference(data['key_pem'])}", flush=True)


if __name__ == "__main__":
    main()
