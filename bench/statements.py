"""How many SQL statements the hot paths run, each against its budget. Prints the counts and
exits non-zero when one is over (so `make bench` stops there).

The counts are guards on the work per request (docs/performance-accounts.md,
docs/performance-connected-services.md). They used to be pinned in the tests; a test proves
what a patient or a service would notice, and a statement more is not that.

Run: .venv/bin/python bench/statements.py
Uses a PostgreSQL database of its own (bench/common.py's bench_database: bench_statements by
default) and the machine's Redis (databases 5 and 6 unless REDIS_URL / CELERY_BROKER_URL say).
"""

import os
import secrets
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-statements-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PASSWORD_HASH_COST", "fast-for-tests")
# Tasks go to the broker, as in production: a text message's delivery is the worker's work,
# not the request's. No worker runs; the bench empties its queue when it ends.
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "False"

from common import bench_database, latest_code, p9_patient  # bench/common.py

bench_database("bench_statements")

import django  # noqa: E402 - after the environment is set

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

PASSWORD = "correct horse battery"

# path -> (budget, the statements we expect, why). Over budget: exit 1.
BUDGETS = {
    "sign-in: password step": (
        2,
        "the login read; the new code and the text message that sends it "
        "(accounts.statements.new_code_sent)",
    ),
    "sign-in: right security code": (
        2,
        "the code used up, the login read with last_login and the audit event (one "
        "statement); the new session row",
    ),
    "session: a new session saved": (1, "one INSERT"),
    "session: a cycled key saved with its data": (1, "one INSERT (the old row goes with it)"),
    "userinfo": (1, "token, service, patient and identity in one statement"),
}


def statements(queries) -> list[str]:
    """The first word of each statement, without savepoints."""
    if os.environ.get("BENCH_SHOW_SQL"):
        print(*(q["sql"][:160] for q in queries.captured_queries), sep="\n")
    kinds = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    return [k for k in kinds if k not in ("SAVEPOINT", "RELEASE")]


def patient(email: str):
    """A P9 patient with a confirmed mobile and an NHS record."""
    return p9_patient(email, password=PASSWORD, nhs_number="9434765919", phone="+447400123456")


def sign_in_counts(user) -> dict[str, list[str]]:
    """The password step, then the right code, as a browser sends them."""
    client = Client()
    started = timezone.now()
    # Each count is taken at once: the list of queries is emptied when the next request starts.
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    password_step = statements(queries)
    code = latest_code(user.pk, started)
    client.get(reverse("accounts:security_code"))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("accounts:security_code"), {"code": code})
    code_step = statements(queries)
    if response.status_code != 302 or response.url != reverse("accounts:home"):
        raise SystemExit(f"the right code did not sign in: {response.status_code}")
    return {"sign-in: password step": password_step, "sign-in: right security code": code_step}


def session_counts() -> dict[str, list[str]]:
    """The session store (accounts.sessions): a new session, then a cycled key."""
    from accounts.sessions import SessionStore

    new = SessionStore()
    new["a"] = 1
    with CaptureQueriesContext(connection) as queries:
        new.save()
    saved = statements(queries)
    cycled = SessionStore()
    cycled["step"] = "password"
    cycled.save()
    cycled.cycle_key()
    cycled["step"] = "signed in"
    with CaptureQueriesContext(connection) as queries:
        cycled.save()
    return {
        "session: a new session saved": saved,
        "session: a cycled key saved with its data": statements(queries),
    }


def userinfo_counts(user) -> dict[str, list[str]]:
    """A service's GET /userinfo with a P9 patient's access token."""
    from jwcrypto import jwk
    from oauth2_provider.models import set_token_value

    from connected_services.models import AccessToken, Service

    service = Service.objects.create(
        name="Statements bench",
        client_id="statements-bench",
        client_type=Service.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Service.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1:8200/callback",
        public_key_pem=jwk.JWK.generate(kty="RSA", size=2048).export_to_pem().decode(),
        allowed_vectors="P0.Cp.Cd P5.Cp.Cd P9.Cp.Cd",
        allowed_scopes="openid profile email phone",
        is_live=True,
        hash_client_secret=False,
    )
    token = secrets.token_urlsafe(30)
    access = AccessToken(
        user=user,
        application=service,
        scope="openid profile email phone",
        expires=timezone.now() + timedelta(hours=1),
    )
    set_token_value(access, token)
    access.save()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/userinfo", headers={"authorization": f"Bearer {token}"})
    if response.status_code != 200:
        raise SystemExit(f"userinfo answered {response.status_code}")
    return {"userinfo": statements(queries)}


def main() -> int:
    """Count each path's statements; 1 when any is over its budget."""
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
    user = patient("statements-bench@example.com")
    try:
        counts = {**sign_in_counts(user), **session_counts(), **userinfo_counts(user)}
    finally:
        from config.celery import app

        app.control.purge()  # the text messages queued, which no worker will send
    over = 0
    print(f"{'path':<45} {'statements':>10} {'budget':>6}  run")
    for path, (budget, why) in BUDGETS.items():
        kinds = counts[path]
        flag = "" if len(kinds) <= budget else "  OVER BUDGET"
        over += bool(flag)
        print(f"{path:<45} {len(kinds):>10} {budget:>6}  {' '.join(kinds)}{flag}")
        print(f"{'':<45} {'':>10} {'':>6}  ({why})")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
