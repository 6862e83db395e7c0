"""Benchmark: demographics trace latency at 1,000,000 synthetic patients, and the generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/p5 .venv/bin/python bench/trace.py

Prints the generator's time for --count patients (skip with --no-generate to reuse the table),
the EXPLAIN ANALYZE plans of the two trace queries, and p50/p95/p99 latency of
``LocalStore().trace(query)`` (the whole in-process trace: normalising, the ORM query,
building the record) by NHS number and by name. Optionally (--http URL) the same traces through
the PDS FHIR client against a running server's /fake-pds/FHIR/R4.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402

from verification.demographics import TraceQuery, local  # noqa: E402
from verification.demographics.generator import generate  # noqa: E402
from verification.demographics.local import LocalStore  # noqa: E402
from verification.demographics.normalise import first_name_key, name_key  # noqa: E402
from verification.models import SyntheticPatient  # noqa: E402


def percentiles(samples_ms: list[float]) -> str:
    q = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return f"p50 {q[49]:.3f} ms  p95 {q[94]:.3f} ms  p99 {q[98]:.3f} ms  (n={len(samples_ms)})"


def explain(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
        return "\n".join(f"    {row[0]}" for row in cursor.fetchall())


def time_traces(trace, queries) -> tuple[list[float], dict]:
    """Wall-clock ms per trace, and the outcomes; also this process's CPU ms per trace."""
    samples, outcomes = [], {}
    cpu = time.process_time()
    for query in queries:
        started = time.perf_counter()
        result = trace(query)
        samples.append((time.perf_counter() - started) * 1000)
        outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    outcomes["cpu_ms_per_trace"] = round((time.process_time() - cpu) * 1000 / len(queries), 3)
    return samples, outcomes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--no-generate", action="store_true")
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--http", help="base URL of a running server, e.g. http://127.0.0.1:8102")
    args = parser.parse_args()

    print(f"database: PostgreSQL; cores: {os.cpu_count()}; load: {os.getloadavg()}")
    if not args.no_generate:
        started = time.perf_counter()
        generate(args.count)
        print(f"generate_patients --count {args.count:,}: {time.perf_counter() - started:.1f} s")
    total = SyntheticPatient.objects.count()
    print(f"synthetic patients in the table: {total:,}")

    # A random sample of patients (by primary key), each traced by number and by name.
    bounds = SyntheticPatient.objects.aggregate(low=Min("id"), high=Max("id"))
    rnd = random.Random(42)
    ids = rnd.sample(range(bounds["low"], bounds["high"] + 1), min(args.samples, total))
    sample = list(SyntheticPatient.objects.filter(pk__in=ids, restricted=False))
    rnd.shuffle(sample)
    by_number = [TraceQuery(p.birth_date, p.postcode, nhs_number=p.nhs_number) for p in sample]
    by_name = [
        TraceQuery(
            p.birth_date,
            p.postcode,
            given_name=p.given_name.split(" ")[0],
            family_name=p.family_name,
        )
        for p in sample
    ]

    one = sample[0]
    print("\nEXPLAIN: trace by NHS number (the query LocalStore runs)")
    print(explain(local._BY_NHS_NUMBER, [one.nhs_number]))
    print("\nEXPLAIN: trace by name (the query LocalStore runs)")
    params = [
        name_key(one.family_name),
        one.birth_date,
        one.postcode,
        first_name_key(one.given_name),
        2,
    ]
    print(explain(local._BY_NAME, params))

    store = LocalStore()
    time_traces(store.trace, by_number[:200] + by_name[:200])  # warm up
    print("\nin-process trace (LocalStore):")
    samples, outcomes = time_traces(store.trace, by_number)
    print(f"  by NHS number: {percentiles(samples)}  {outcomes}")
    samples, outcomes = time_traces(store.trace, by_name)
    print(f"  by name:       {percentiles(samples)}  {outcomes}")
    print(f"load average after: {os.getloadavg()}")

    if args.http:
        from verification.demographics.fhir import PdsFhirClient

        client = PdsFhirClient(f"{args.http.rstrip('/')}/fake-pds/FHIR/R4")
        n = min(1000, len(by_number))
        time_traces(client.trace, by_number[:50])
        print(f"\nover HTTP (PdsFhirClient -> {args.http}/fake-pds/FHIR/R4, one process):")
        samples, outcomes = time_traces(client.trace, by_number[:n])
        print(f"  by NHS number: {percentiles(samples)}  {outcomes}")
        samples, outcomes = time_traces(client.trace, by_name[:n])
        print(f"  by name:       {percentiles(samples)}  {outcomes}")


if __name__ == "__main__":
    main()
