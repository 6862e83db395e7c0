"""How long GP online registration details take to create and to check. Prints numbers.

Run: .venv/bin/python bench/gp_online_details.py [N]
Uses a PostgreSQL database of its own (bench/common.py's bench_database: bench_gp by default).
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-gp-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PASSWORD_HASH_COST", "fast-for-tests")

from common import bench_database  # bench/common.py

bench_database("bench_gp")

import django  # noqa: E402 - after the environment is set

django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from verification.gp_online import services  # noqa: E402
from verification.models import Identity, Practice, RegisteredPatient  # noqa: E402


def timed(label, count, function):
    started = time.perf_counter()
    for i in range(count):
        function(i)
    elapsed = time.perf_counter() - started
    print(f"{label:<45} {count:>5} in {elapsed:7.2f} s  {elapsed / count * 1000:7.2f} ms each")


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    practice, _ = Practice.objects.get_or_create(ods_code="Z99999", defaults={"name": "Bench"})
    staff = User.objects.create_user(f"bench-staff-{time.time()}@example.com", "x", is_staff=True)
    patients = [
        RegisteredPatient.objects.create(
            practice=practice,
            nhs_number=f"{9_500_000_000 + int(time.time() * 1000) % 10_000_000 + i}",
            family_name="Bench",
            birth_date=timezone.localdate().replace(year=1980),
        )
        for i in range(count)
    ]
    created = []
    timed(
        "create details (staff)",
        count,
        lambda i: created.append(services.create_details(patients[i], staff=staff)),
    )
    factory = RequestFactory()
    users = []
    for i in range(count):
        user = User.objects.create_user(f"bench-{time.time()}-{i}@example.com", "x")
        Identity.objects.create(
            user=user,
            nhs_number=patients[i].nhs_number,
            family_name="Bench",
            birth_date=patients[i].birth_date,
            traced_at=timezone.now(),
        )
        users.append(user)

    def request_for(user, i):
        request = factory.post("/", REMOTE_ADDR=f"10.0.{i // 250}.{i % 250}")
        request.user = user
        request.session = SessionStore()
        return request

    def wrong(i):
        cache.clear()
        services.use_details(
            request_for(users[i], i),
            account_id=created[i].account_id,
            linkage_key="WRONGWRONGWRONG",
            ods_code="Z99999",
        )

    def right(i):
        outcome = services.use_details(
            request_for(users[i], i),
            account_id=created[i].account_id,
            linkage_key=created[i].linkage_key,
            ods_code="Z99999",
        )
        assert outcome == services.Outcome.PROVED

    timed("use details, wrong key (refused + audit)", count, wrong)
    cache.clear()
    timed("use details, right key (P9 + audit)", count, right)
    timed(
        "gp_integration_credentials", count, lambda i: services.gp_integration_credentials(users[i])
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
