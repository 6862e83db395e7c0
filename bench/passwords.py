"""Benchmark: what the guessable-password check (ADR 0060) costs a sign-up, a reset or a change.

    .venv/bin/python bench/passwords.py

Prints the time to load zxcvbn's lists (once per process, on the first new password) and the
median and worst time of ``GuessablePasswordValidator.score`` for typical and worst-case
passwords, beside one password hash at the configured cost. The sign-in path never loads it.
"""

import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402

PASSWORDS = [
    "Passw0rd!",
    "Summer2024!",
    "walnut river candle",
    "horse battery staple correct",
    "correct horse battery staple and more words here to make it long enough 1",
    "x" * 72,  # the slowest shape found: one long repeat
    "1990-01-01" * 7,  # dates, over and over
]


class Patient:
    email = "jane.smith@example.com"


def timed(fn, runs=20) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    from accounts.password_validation import GuessablePasswordValidator

    loaded = (time.perf_counter() - start) * 1000
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"loading zxcvbn and its lists: {loaded:.0f} ms, {grown:.0f} MB (once per process)")
    validator = GuessablePasswordValidator()
    for password in PASSWORDS:
        times = timed(lambda p=password: validator.score(p, Patient()))
        print(
            f"{password[:32]!r:36} score {validator.score(password, Patient())}  "
            f"median {statistics.median(times):6.1f} ms  worst {max(times):6.1f} ms"
        )
    hashing = timed(lambda: make_password("walnut river candle"), runs=5)
    print(f"one password hash (for scale): median {statistics.median(hashing):.1f} ms")


if __name__ == "__main__":
    main()
