"""gunicorn configuration for bench/signin.py: each worker meters its own Argon2id hashing.

The sign-in benchmark divides the workers' CPU between the password hash and everything else.
A hash timed in a quiet, separate process costs less than the same hash inside a worker that
shares two cores with PostgreSQL, Redis, the other worker and the load process (its 7 MiB
evict the caches the rest of the request then misses, and the other way round). So each worker
adds up the CPU time its own thread spends verifying Argon2 hashes and writes
the running total to ``$BENCH_HASH_METER_DIR/<pid>.json`` after each hash; the conductor reads
the totals at the start and the end of the timed window. Bench only: production does not load
this file.
"""

import json
import os
import time
from pathlib import Path


def post_fork(server, worker):
    from django.contrib.auth import hashers

    folder = Path(os.environ["BENCH_HASH_METER_DIR"])
    path = folder / f"{os.getpid()}.json"
    partial = folder / f"{os.getpid()}.json.partial"
    meter = {"cpu_seconds": 0.0, "hashes": 0}
    # Both Argon2 hashers in PASSWORD_HASHERS verify with this method: the one Django picks
    # for an "argon2$" hash is the last in the list with that algorithm name.
    verify = hashers.Argon2PasswordHasher.verify

    def metered_verify(self, password, encoded):
        started = time.thread_time()
        try:
            return verify(self, password, encoded)
        finally:
            meter["cpu_seconds"] += time.thread_time() - started
            meter["hashes"] += 1
            partial.write_text(json.dumps(meter))
            partial.replace(path)  # the conductor never reads half a file

    hashers.Argon2PasswordHasher.verify = metered_verify
