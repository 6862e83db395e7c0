"""Patients behind one address (a NAT, or a proxy not in TRUSTED_PROXIES) signing in while
some mistype, and a guesser on the same address (issue 14 finding 1, ADR 0018). Prints how
many right passwords were refused and what the guesser learned.

Run: .venv/bin/python bench/shared_address_sign_in.py [PATIENTS]
Uses a PostgreSQL database of its own (bench/common.py's bench_database: bench_nat by default).
Runs in one process through Django's test client (no server): it counts outcomes, not speed.
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="bench-nat-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PASSWORD_HASH_COST", "fast-for-tests")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "True")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from common import bench_database  # bench/common.py

bench_database("bench_nat")

import django  # noqa: E402 - after the environment is set

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402

PASSWORD = "correct horse battery"
SIGN_IN = reverse("accounts:sign_in")
CODE_PAGE = reverse("accounts:security_code")


def make_patients(count: int, run: str) -> list[User]:
    patients = []
    for i in range(count):
        user = User.objects.create_user(
            f"nat-{run}-{i}@example.com",
            PASSWORD,
            email_verified=True,
            phone_number=f"+4477009{i % 100000:05d}",
            phone_kind=User.PhoneKind.MOBILE,
            phone_verified=True,
            terms_accepted_at=timezone.now(),
        )
        patients.append(user)
    return patients


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    run = str(int(time.time()))
    patients = make_patients(count, run)
    rng = random.Random(8)
    refused = typos = told_wrong = 0
    for user in patients:
        client = Client(REMOTE_ADDR="192.0.2.10")  # everyone behind the one address
        if rng.random() < 1 / 8:  # one typo in eight, then the right password
            typos += 1
            response = client.post(SIGN_IN, {"email": user.email, "password": "typo"})
            told_wrong += "not right" in response.content.decode()
        response = client.post(SIGN_IN, {"email": user.email, "password": PASSWORD})
        if getattr(response, "url", None) != CODE_PAGE:
            refused += 1
    print(f"patients behind one address           {count:>6}")
    print(f"typos (one in eight)                  {typos:>6}")
    print(f"typos told plainly they were wrong    {told_wrong:>6}")
    print(f"right passwords refused               {refused:>6}")

    guesses = 200
    learned = looked_right = 0
    guesser = Client(REMOTE_ADDR="192.0.2.10")
    for i in range(guesses):
        victim = patients[i % len(patients)]
        response = guesser.post(SIGN_IN, {"email": victim.email, "password": f"guess-{i}"})
        learned += "not right" in response.content.decode()
        looked_right += getattr(response, "url", None) == CODE_PAGE
    print(f"guesses from the same address         {guesses:>6}")
    print(f"guesses told they were wrong          {learned:>6}")
    print(f"guesses answered as a right password  {looked_right:>6}  (no code sent)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
