"""Benchmark of the P9 photo ID checks. Prints numbers; not a pass/fail test.

- seconds per photo ID (document checks: quality, face, MRZ) and per 10 s video (face in
  frames, spoken numbers), through the real pipeline (decrypt, decode, check, store), in one
  process pinned to one core, models already loaded;
- time to load the models once (what ``worker_process_init`` pays);
- peak memory (VmHWM) of a real Celery check worker after it has run checks;
- time from sending a check to its automated decision, with a real worker and an idle queue.

Run: .venv/bin/python bench/idcheck.py  (uses SQLite and a file broker under var/bench-idcheck)
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "var" / "bench-idcheck"
os.environ["DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "False"
os.environ["OMP_NUM_THREADS"] = "1"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def setup_django():
    import shutil

    from common import bench_database  # bench/common.py

    shutil.rmtree(DATA_DIR, ignore_errors=True)
    bench_database("bench_idcheck")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def patient(n: int):
    """A new P5 patient, Jane Smith (the generated passports' holder)."""
    from common import jane_smith_p5  # bench/common.py

    return jane_smith_p5(n)


def timed_pipeline(check, names):
    """Seconds for one full run of the pipeline on ``check``; and the checks' own seconds."""
    from verification.idchecks import services
    from verification.models import IdCheck

    check.results.all().delete()
    IdCheck.objects.filter(pk=check.pk).update(status="submitted", submitted_at=time_now())
    started = time.perf_counter()
    services.run_automated_checks(check.pk)
    total = time.perf_counter() - started
    own = {r.name: r.seconds for r in check.results.all()}
    return total, sum(own.get(n, 0) for n in names), own


def time_now():
    from django.utils import timezone

    return timezone.now()


def main():
    setup_django()
    from django.conf import settings

    from tests.verification.idchecks.conftest import build_check
    from tests.verification.idchecks.media import passport_page, to_bytes, video_clip
    from verification.idchecks import engines

    os.sched_setaffinity(0, {0})
    print(f"machine: {os.cpu_count()} cores, pinned to 1; runs per figure: {RUNS}")
    settings.P9_FAST_TRACK = False  # keep checks repeatable: never approve in the bench

    started = time.perf_counter()
    engines.preload()
    print(f"models loaded once per worker process: {time.perf_counter() - started:.2f} s")

    passport = to_bytes(passport_page())
    clip10 = video_clip(seconds=10.0, fmt="webm", digits="4719")

    photo_check = build_check(patient(1), method="face_scan", front=passport)  # a live clip
    video_check = build_check(patient(2), method="video", front=passport, video=clip10)
    document = ["image_quality", "document_face", "machine_readable_zone"]
    video_parts = ["video_face", "spoken_digits"]

    timed_pipeline(photo_check, document)  # warm the caches once
    photo_totals, photo_doc = [], []
    for _ in range(RUNS):
        total, doc, own = timed_pipeline(photo_check, document)
        photo_totals.append(total)
        photo_doc.append(doc)
    video_totals, video_only = [], []
    for _ in range(RUNS):
        total, part, own = timed_pipeline(video_check, video_parts)
        video_totals.append(total)
        video_only.append(part)

    med = statistics.median
    print(
        f"photo ID (quality + face + MRZ), median: {med(photo_doc):.2f} s "
        f"(max {max(photo_doc):.2f})"
    )
    print(f"whole face scan check (photo ID + face scan): {med(photo_totals):.2f} s")
    print(
        f"10 s video (faces in frames + spoken numbers), median: {med(video_only):.2f} s "
        f"(max {max(video_only):.2f})"
    )
    print(f"whole video check (photo ID + 10 s video): {med(video_totals):.2f} s")
    print("per check (last video run): " + ", ".join(f"{k} {v:.2f} s" for k, v in own.items()))
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (models + checks): {rss:.0f} MB")

    worker_figures(patient)


def worker_figures(make_patient):
    """A real worker on the checks queue: upload-to-decision time and its peak memory."""
    from django.db import transaction

    from tests.fixtures.worker import Worker
    from tests.verification.idchecks.conftest import build_check
    from verification.idchecks import services
    from verification.models import IdCheck

    env = dict(os.environ)
    env["P9_FAST_TRACK"] = "False"
    worker = Worker(env, queues="default,checks")
    worker.start()
    try:
        waits = []
        for n in range(RUNS):
            check = build_check(make_patient(100 + n), method="face_scan")
            started = time.perf_counter()
            with transaction.atomic():
                services.submit(check)
            while IdCheck.objects.get(pk=check.pk).status == "submitted":
                if time.perf_counter() - started > 300:
                    raise SystemExit("no decision within 300 s")
                time.sleep(0.05)
            waits.append(time.perf_counter() - started)
        print(
            "upload to automated decision, idle queue, real worker: "
            f"first {waits[0]:.2f} s (loads models), "
            f"then median {statistics.median(waits[1:]):.2f} s"
        )
        status = Path(f"/proc/{worker.process.pid}/status").read_text()
        peak = next(line for line in status.splitlines() if line.startswith("VmHWM"))
        print(f"peak memory of the check worker (solo pool): {int(peak.split()[1]) / 1024:.0f} MB")
    finally:
        worker.stop()


if __name__ == "__main__":
    main()
