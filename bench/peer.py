"""Our provider against node-oidc-provider 9 (bench/peers/), the most widely certified OpenID
provider library, driven by the same wrk scripts as bench/oidc.py, in interleaved rounds.

    .venv/bin/python bench/peer.py [--rounds 2] [--refreshes 800] [--seconds 6]
    .venv/bin/python bench/peer.py --sweep      # which gunicorn configuration serves us best

Both serve the same client (bench-service, private_key_jwt with RS512 client assertions,
RS512 ID tokens, refresh tokens rotated on every use with reuse detection) on 2 workers: ours
is gunicorn over PostgreSQL and Redis, as the Procfile runs it (2 sync workers, which close
every connection) and with 2 gthread workers of 4 threads keeping connections open (tried
and reverted: ADR 0064); ``--ours`` chooses, and ``granian`` adds a Rust HTTP server's
WSGI interface (measured, not adopted; ``pip install granian`` first). The peer is a node
cluster of 2 workers over Redis (its adapter: bench/peers/redis_adapter.mjs). Each round runs
the first of ours, the peer, then the rest of ours, one after another, so the machine's drift
(it is shared) touches all alike; the ratios compare each round's figures with the peer's of
the same round.

Phases: refresh grants (wrk_token.lua, new refresh-token families every run) and userinfo
(wrk GET), each with keep-alive and with "Connection: close" (a new connection per request).
Figures: requests per second of the server's worker CPU (from /proc, the workers being the
children of gunicorn's arbiter or of the node primary), and per second of worker plus store
CPU: the PostgreSQL backends serving this bench's database and a Redis server of this
bench's own (redis-server on BENCH_REDIS_PORT, 6391 by default, so that no other work's
commands count), and wrk's median and 99th percentile latency. Our Redis databases are 9 and
10, the peer's 11; PostgreSQL's database is bench_peer (or DATABASE_URL when it names a bench
database). Prints numbers; not a pass/fail test.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / "peers"
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6391"))
# Always this bench's own Redis server: its CPU is what the "+stores" figures count.
os.environ["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/9"
os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/10"

import oidc  # noqa: E402  (bench/oidc.py; after the Redis URLs above)
from common import bench_database, reference  # noqa: E402

PEER_PORT = oidc.PORT + 10
PEER_ISSUER = f"http://{oidc.HOST}:{PEER_PORT}"
# As the Procfile (ADR 0064), less its --threads 4 (the sweep varies it).
GTHREAD = ("--worker-class", "gthread", "--keep-alive", "75")


def granian(port: int) -> list[str]:
    """The command line of ours under granian (a Rust HTTP server, WSGI interface): 2 worker
    processes, each one Python thread for the application and one runtime thread for the
    connections, which it keeps open (HTTP/1.1 keep-alive) unless the client says close."""
    program = Path(sys.executable).parent / "granian"
    if not program.exists():
        raise SystemExit("granian is not installed in this environment: pip install granian")
    return [
        str(program),
        "--interface",
        "wsgi",
        "config.wsgi:application",
        "--host",
        oidc.HOST,
        "--port",
        str(port),
        "--workers",
        "2",
        "--blocking-threads",
        "1",
        "--runtime-threads",
        "1",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of one process, from /proc (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Stores:
    """CPU of the stores over a phase: this bench's Redis server, and (for ours) the
    PostgreSQL backends connected to this bench's database, other than this process's own."""

    def __init__(self, redis_pid: int, database_url: str):
        import psycopg

        self.redis_pid = redis_pid
        self.conn = psycopg.connect(database_url, autocommit=True)

    def backends(self) -> set[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return {row[0] for row in rows}

    def vacuum(self):
        """What autovacuum would have done by now (this machine's PostgreSQL runs without
        it): setup's deletions and every rotated token leave dead rows, which otherwise pile
        up run after run and make each later statement dearer."""
        self.conn.execute("VACUUM ANALYZE")

    def start(self):
        backends = self.backends()
        return {pid: cpu_seconds(pid) for pid in backends}, cpu_seconds(self.redis_pid)

    def since(self, start) -> tuple[float, float]:
        """PostgreSQL backends' and Redis's CPU seconds since ``start``. A backend that began
        during the phase counts in full; one that ended during it is left out (its CPU is gone
        from /proc with it), which is why the servers keep their connections (``main``)."""
        backends, redis = start
        postgres = sum(cpu_seconds(pid) - backends.get(pid, 0.0) for pid in self.backends())
        return postgres, cpu_seconds(self.redis_pid) - redis


class Redis:
    """A Redis server of this bench's own, without persistence."""

    def __init__(self, folder: str):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while subprocess.run(
            ["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Contender:
    """One server under test: how to start it, to make refresh-token families for it, and
    where its token endpoint is."""

    def __init__(self, name, server, families, issuer, audience, userinfo_token):
        self.name, self.server, self.families = name, server, families
        self.issuer, self.audience, self.userinfo_token = issuer, audience, userinfo_token


def ours(name, env, data, port, options=(), command=None):
    """Our provider on ``port`` (gunicorn, 2 workers, ``options``, unless ``command`` says
    another server); one OIDC_ISSUER for all, so the same client assertions do."""
    from accounts.models import User
    from connected_services.models import Service

    service = Service.objects.get(client_id="bench-service")
    user = User.objects.get(email="bench-patient@example.com")
    server = oidc.Server(env, command=command or oidc.gunicorn(2, port, options), port=port)
    return Contender(
        name,
        server,
        lambda count: oidc.refresh_families(user, service, count),
        f"http://{oidc.HOST}:{port}",
        f"{oidc.ISSUER}/token",
        data["userinfo_token"],
    )


def peer(data, folder):
    """node-oidc-provider 9 on PEER_PORT: a node cluster of 2 workers over Redis database 11."""
    from jwcrypto import jwk

    client = jwk.JWK.from_pem(data["key_pem"].encode())
    signing = jwk.JWK.generate(kty="RSA", size=2048, kid="peer", alg="RS512", use="sig")
    config = Path(folder, "peer.json")
    config.write_text(
        json.dumps(
            {
                "issuer": PEER_ISSUER,
                "port": PEER_PORT,
                "redirectUri": oidc.REDIRECT_URI,
                "nhsNumber": data["nhs_number"],
                "clientJwk": json.loads(client.export_public()),
                "signingJwk": json.loads(signing.export_private()),
            }
        )
    )
    env = {
        **os.environ,
        "PEER_CONFIG": str(config),
        "PEER_REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/11",
        "PEER_WORKERS": "2",
    }
    node = shutil.which("node") or "node"
    server = oidc.Server(env, command=[node, "server.mjs"], port=PEER_PORT, cwd=PEERS)

    def families(count):
        out = subprocess.run(
            [node, "mint.mjs", str(count)],
            cwd=PEERS,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(out.splitlines()[-1])

    token = families(1)["userinfo_token"]
    return Contender(
        "peer",
        server,
        lambda count: families(count)["refresh_tokens"],
        PEER_ISSUER,
        f"{PEER_ISSUER}/token",
        token,
    )


def measured(stores, phase):
    """Run ``phase`` (a wrk_* call) and add the stores' CPU over it to its figures."""
    start = stores.start()
    result = phase()
    result["postgres"], result["redis"] = stores.since(start)
    if result["total"]:
        postgres, redis = (
            result[store] / result["total"] * 1000 for store in ("postgres", "redis")
        )
        print(
            f"{'':<22} stores per request: PostgreSQL {postgres:.2f} ms, Redis {redis:.2f} ms",
            flush=True,
        )
    return result


def run(contender, args, stores, key_pem):
    """One contender's phases: refresh grants and userinfo, with keep-alive and with
    Connection: close. Returns {phase: figures}."""
    results = {}
    token = contender.userinfo_token
    for close in (False, True):
        suffix = " close" if close else ""
        grants = contender.families(args.families)
        assertions = oidc.sign_assertions(key_pem, args.refreshes, contender.audience)
        results[f"refresh{suffix}"] = measured(
            stores,
            partial(
                oidc.wrk_token,
                f"{contender.name}: refresh{suffix}",
                contender.server,
                "refresh",
                grants,
                assertions,
                args.connections,
                issuer=contender.issuer,
                close=close,
            ),
        )
        headers = [f"Authorization: Bearer {token}"] + (["Connection: close"] if close else [])
        results[f"userinfo{suffix}"] = measured(
            stores,
            partial(
                oidc.wrk_get,
                f"{contender.name}: userinfo{suffix}",
                contender.server,
                "/userinfo",
                args.seconds,
                args.connections,
                headers,
                issuer=contender.issuer,
            ),
        )
    return results


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def rate(result, stores: bool) -> float:
    cpu = result["cpu"] + (result["postgres"] + result["redis"] if stores else 0.0)
    return result["ok"] / cpu if cpu else 0.0


def summary(rounds: list[dict], names: list[str], base: str) -> None:
    """The table: each phase's median per-CPU-second rates and latencies over the rounds, and
    each server's ratio to ``base`` (the median of each round's ratio)."""
    phases = list(rounds[0][base])
    print(f"\nmedians over rounds; ratio = server / {base}, per round, then the median")
    print(
        f"{'phase':<16} {'server':<14} {'/s worker CPU':>13} {'/s +stores':>11} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'ratio +stores':>13}"
    )
    for phase in phases:
        for name in names:
            figures = [r[name][phase] for r in rounds]
            line = (
                f"{phase:<16} {name:<14} "
                f"{statistics.median(rate(f, False) for f in figures):>13.1f} "
                f"{statistics.median(rate(f, True) for f in figures):>11.1f} "
                f"{statistics.median(f['p50'] for f in figures):>7.2f} "
                f"{statistics.median(f['p99'] for f in figures):>7.2f}"
            )
            if name != base:
                ratios = [
                    ratio(rate(r[name][phase], False), rate(r[base][phase], False)) for r in rounds
                ]
                with_stores = [
                    ratio(rate(r[name][phase], True), rate(r[base][phase], True)) for r in rounds
                ]
                line += (
                    f" {statistics.median(ratios):>6.2f} {statistics.median(with_stores):>13.2f}"
                )
            failed = sum(f["total"] - f["ok"] for f in figures)
            print(line + (f"  ({failed} requests failed)" if failed else ""), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--refreshes", type=int, default=800, help="refresh grants per run")
    parser.add_argument("--families", type=int, default=40, help="refresh-token families per run")
    parser.add_argument("--seconds", type=int, default=6, help="seconds of each userinfo run")
    parser.add_argument(
        "--warmup", type=int, default=300, help="refresh grants per warm-up run (not counted)"
    )
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument(
        "--ours",
        default="sync,gthread",
        help="our servers, comma-separated, from sync (the Procfile's: gunicorn's sync "
        "workers), gthread (gunicorn, gthread workers with 4 threads and keep-alive: tried "
        "and reverted, ADR 0064) and granian (a Rust HTTP server's WSGI interface, measured "
        "only)",
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="instead: ours only, sync and gthread with 1, 2 and 4 threads, keep-alive phases",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (make bench installs it)")

    bench_database("bench_peer")
    # Connections kept between one server's runs (the others run meanwhile), as under steady
    # traffic: a new backend's start would count in its run's store CPU, an old one's end would
    # take that backend's CPU out of the reckoning.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "3600")
    env = oidc.environment()
    os.environ.update(env)
    folder = tempfile.mkdtemp(prefix="bench-peer-")
    redis = Redis(folder)
    servers = []
    try:
        data = oidc.setup(1, families=1)
        stores = Stores(redis.process.pid, env["DATABASE_URL"])
        load = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
            f"{load[2]:.2f}; wrk 1 thread, {args.connections} connections; "
            f"{args.refreshes} refresh grants and {args.seconds} s of userinfo per run"
        )
        print(f"reference, before: {reference(data['key_pem'])}", flush=True)
        if args.sweep:
            contenders = [ours("ours sync", env, data, oidc.PORT)]
            for n, threads in enumerate((1, 2, 4), start=1):
                options = (*GTHREAD, "--threads", str(threads))
                contenders.append(ours(f"ours gthread{threads}", env, data, oidc.PORT + n, options))
        else:
            servers_of_ours = {
                "sync": lambda: ours("ours sync", env, data, oidc.PORT),
                "gthread": lambda: ours(
                    f"ours gthread{args.threads}",
                    env,
                    data,
                    oidc.PORT + 1,
                    (*GTHREAD, "--threads", str(args.threads)),
                ),
                "granian": lambda: ours(
                    "ours granian", env, data, oidc.PORT + 2, command=granian(oidc.PORT + 2)
                ),
            }
            chosen = [servers_of_ours[name]() for name in args.ours.split(",")]
            # The peer second, so that ours run on either side of it in each round.
            contenders = [*chosen[:1], peer(data, folder), *chosen[1:]]
        servers = [c.server for c in contenders]
        stores.vacuum()
        print("-- warm-up (not counted): node's JIT compiler and both sides' caches", flush=True)
        for contender in contenders:
            warm = argparse.Namespace(**{**vars(args), "refreshes": args.warmup, "seconds": 2})
            run(contender, warm, stores, data["key_pem"])
        rounds = []
        for number in range(args.rounds):
            stores.vacuum()
            print(f"-- round {number + 1}, load average {os.getloadavg()[0]:.2f}", flush=True)
            rounds.append({c.name: run(c, args, stores, data["key_pem"]) for c in contenders})
        summary(rounds, [c.name for c in contenders], "ours sync" if args.sweep else "peer")
        print(f"reference, after:  {reference(data['key_pem'])}", flush=True)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for server in servers:
            server.stop()
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
