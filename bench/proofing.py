"""Benchmark of the P9 proofing checks as they are (issue 13, ADR 0046). Prints numbers; not
a pass/fail test.

A labelled corpus built offline: the four real photos of two people that ship in the
``face_recognition`` 1.3.0 sdist (fetched once from PyPI with pip by
``tests/verification/idchecks/faces_media.py``), generated variants of them, generated passport
pages (``media.py``), the clips of genuine prompts and of attacks (``faces_media.CLIPS``) and the
document camera step's photo and clip (``camera_media.py``). It prints:

1. face match (``faces.compare_faces``): every document photo against every live picture, as
   taken and in generated variants (scale, light, JPEG quality, slight rotation: variants of
   FEW photos, not more people); false match and false non-match rates at the thresholds in
   ``faces.py``, and the distances seen;
2. acceptance: each attack, and the genuine case, as real ``IdCheck`` rows run through
   ``services.run_automated_checks`` with ``P9_FAST_TRACK`` on, in a throwaway database:
   fast-tracked or not, and which checks stopped it;
3. document false accept / false reject (``bench/documents.py``'s corpus, fewer pages);
4. seconds per check and in total for a document plus a 4 s face scan clip on one core
   (median and p95), beside the machine reference, and the peak memory of a fresh process
   with every model loaded and one full check run.

Run: .venv/bin/python bench/proofing.py  [--runs 9] [--pages 4] [--variants some|all] [--only ...]
The database: bench/common.py's ``bench_database`` (``DATABASE_URL`` when set, its name must
contain "bench": it is emptied; else bench_proofing on the machine's PostgreSQL).
About 5 to 10 minutes on a loaded 2-core machine.
"""

import argparse
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import bench_database, jane_smith_p5, reference  # bench/common.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "var" / "bench-proofing"
os.environ["DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ["OMP_NUM_THREADS"] = "1"  # one check, one core: the acceptance target's unit

TARGET_SECONDS = 3.0
TARGET_PEAK_MB = 1024


# --- the machine ------------------------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- the database -----------------------------------------------------------------------------


def setup_django(*, fresh: bool) -> None:
    """Django on the bench's own PostgreSQL database: migrated and emptied when ``fresh``."""
    bench_database("bench_proofing")
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)


_patients = iter(range(1, 10_000))


def patient():
    """A new P5 patient, Jane Smith (the generated passports' holder)."""
    return jane_smith_p5(next(_patients))


def run_pipeline(check) -> dict:
    """Send ``check`` (status only: no email, no queue) and run the automated checks and the
    decision in this process, as the worker's task does. Returns what happened."""
    from django.utils import timezone

    from verification.idchecks import services
    from verification.models import IdCheck

    check.results.all().delete()
    IdCheck.objects.filter(pk=check.pk).update(
        status=IdCheck.Status.SUBMITTED, submitted_at=timezone.now()
    )
    wall, cpu = time.perf_counter(), time.process_time()
    services.run_automated_checks(check.pk)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    check.refresh_from_db()
    results = list(check.results.all())
    return {
        "status": check.status,
        "fast_tracked": check.fast_tracked,
        "wall": wall,
        "cpu": cpu,
        "seconds": {r.name: r.seconds for r in results},
        "stopped_by": sorted(
            f"{r.name}={r.outcome}"
            for r in results
            if not r.advisory
            and (r.outcome != "pass" or r.confidence < services.FAST_TRACK_CONFIDENCE)
        ),
        "details": {r.name: r.details for r in results},
    }


# --- 1. face match ----------------------------------------------------------------------------


def live_variants(rgb, which: str):
    """Generated variants of a live picture: FEW photos seen differently, not more people."""
    import cv2
    import numpy as np
    from PIL import Image

    def jpeg(quality):
        out = io.BytesIO()
        Image.fromarray(rgb).save(out, "JPEG", quality=quality)
        return np.asarray(Image.open(out).convert("RGB"))

    def rotated(degrees):
        h, w = rgb.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        return cv2.warpAffine(rgb, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)

    def scaled(factor):
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        canvas = np.full_like(rgb, 110)
        y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
        canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
        return canvas

    def light(gain, gamma):
        table = np.clip(255 * gain * (np.arange(256) / 255) ** gamma, 0, 255).astype(np.uint8)
        return table[rgb]

    variants = {
        "as taken": lambda: rgb,
        "small face (x0.6)": lambda: scaled(0.6),
        "dim (x0.5, gamma 1.3)": lambda: light(0.5, 1.3),
        "JPEG q25": lambda: jpeg(25),
        "rotated 8°": lambda: rotated(8),
    }
    if which == "all":
        variants |= {
            "smaller face (x0.45)": lambda: scaled(0.45),
            "bright (x1.3, gamma 0.8)": lambda: light(1.3, 0.8),
            "JPEG q10": lambda: jpeg(10),
            "rotated -12°": lambda: rotated(-12),
        }
    return {name: make() for name, make in variants.items()}


def face_rates(which: str) -> dict:
    """``faces.compare_faces`` for every (document photo, live picture) pair, labelled."""
    import itertools

    from tests.verification.idchecks import faces_media
    from verification.idchecks import faces

    names = list(faces_media.PHOTOS)
    pages = {x: faces_media.document(x) for x in names}
    # The document side as the camera step sees it: the whole page in a 640 x 480 phone photo.
    photographed = {x: faces_media.photographed(pages[x], seed=i) for i, x in enumerate(names)}
    pairs = []
    for y in names:
        for variant, live in live_variants(faces_media.selfie(y), which).items():
            pairs.append((variant, y, live, pages))
        if which == "all":
            pairs.append(("page photographed", y, faces_media.selfie(y), photographed))
    rows = []
    for variant, y, live, documents in pairs:
        for x in names:
            if x == y:
                label = "same picture"
            elif faces_media.PERSON[x] == faces_media.PERSON[y]:
                label = "same person"
            else:
                label = "different people"
            result = faces.compare_faces(documents[x], [live])
            distance = result.details.get("distance")
            rows.append((label, variant, x, y, result.outcome, distance))
    print(
        f"\n1. face match (faces.compare_faces; pass <= {faces.MATCH_AT_MOST}, fail >= "
        f"{faces.NO_MATCH_FROM}, between: a person; same picture < {faces.SAME_PICTURE_BELOW})"
    )
    print(
        f"   corpus: {len(names)} real photos of 2 people (A: 3 photos, B: 1), each photo as a "
        "passport page (document side) and as a 640x480 selfie (live side);"
    )
    variants = sorted({r[1] for r in rows}, key=[r[1] for r in rows].index)
    print(f"   live-side variants: {', '.join(variants)}; {len(rows)} comparisons")
    print(
        f"   {'pairs':<18} {'variant':<24} {'n':>3} {'pass':>5} {'unsure':>7} {'fail':>5}"
        "  distances"
    )
    summary = {}
    for label, variant in itertools.product(
        ("same person", "different people", "same picture"), variants
    ):
        chosen = [r for r in rows if r[0] == label and r[1] == variant]
        counts = {k: sum(r[4] == k for r in chosen) for k in ("pass", "unsure", "fail")}
        found = [r[5] for r in chosen if r[5] is not None]
        span = f"{min(found):.3f}-{max(found):.3f}" if found else "no face"
        missing = len(chosen) - len(found)
        span += f" ({missing} no live face)" if missing else ""
        print(
            f"   {label:<18} {variant:<24} {len(chosen):>3} {counts['pass']:>5} "
            f"{counts['unsure']:>7} {counts['fail']:>5}  {span}"
        )
    for label in ("same person", "different people", "same picture"):
        chosen = [r for r in rows if r[0] == label]
        found = [r[5] for r in chosen if r[5] is not None]
        summary[label] = {
            "n": len(chosen),
            "pass": sum(r[4] == "pass" for r in chosen),
            "unsure": sum(r[4] == "unsure" for r in chosen),
            "fail": sum(r[4] == "fail" for r in chosen),
            "range": (min(found), max(found)) if found else None,
        }
    genuine, impostor, same = (
        summary["same person"],
        summary["different people"],
        summary["same picture"],
    )
    print(
        f"   false match rate (different people passed): {impostor['pass']}/{impostor['n']} "
        f"= {impostor['pass'] / impostor['n']:.1%}; "
        f"sent to a person (unsure) {impostor['unsure']}/{impostor['n']}"
    )
    print(
        f"   false non-match rate (same person, other photo, not passed): "
        f"{genuine['n'] - genuine['pass']}/{genuine['n']} = "
        f"{(genuine['n'] - genuine['pass']) / genuine['n']:.1%} "
        f"(of which unsure, to a person: {genuine['unsure']}; failed: {genuine['fail']})"
    )
    print(
        f"   same picture on both sides caught (not passed): {same['n'] - same['pass']}/{same['n']}"
    )
    for label, item in summary.items():
        if item["range"]:
            print(f"   distances, {label}: {item['range'][0]:.3f} to {item['range'][1]:.3f}")
    return summary


# --- 2. acceptance of each attack -------------------------------------------------------------


def recaptured(page, seed: int):
    """The same page photographed again by the camera step, from another angle: new files."""
    import numpy as np

    from tests.verification.idchecks import camera_media, media

    photo = media.photographed(page, tilt=-1.2, perspective=0.035, quality=90, seed=seed)
    clip = camera_media.encode(camera_media.camera_frames(np.asarray(photo)))
    return media.to_bytes(photo, quality=90), clip


def attacks():
    """(name, should be fast-tracked?, builder(user) -> IdCheck). Each changes one thing of the
    genuine case: Jane Smith's passport (number confirmed by the fake issuer) carrying a photo
    of person A, taken by the camera step; a face scan of person A turning left, as asked."""
    from tests.verification.idchecks import camera_media, faces_media, media
    from tests.verification.idchecks.conftest import (
        CONFIRMED_PASSPORT,
        build_check,
        face_jpeg,
        face_scan,
        genuine_check,
    )

    def rendered(number):
        return faces_media.passport_page("a_congress", number=number)

    def camera(page):
        clip, photo = camera_media.camera_capture(page)
        return {"front": photo, "front_clip": clip}

    return [
        ("genuine: live person A, their passport, camera step", True, genuine_check),
        (
            "genuine, asked to turn right",
            True,
            lambda u: genuine_check(u, prompt="turn_right", face=face_scan("turn_right")),
        ),
        (
            "genuine, asked to blink",
            True,
            lambda u: genuine_check(u, prompt="blink", face=face_scan("blink")),
        ),
        (
            "someone else's face (B does the prompt)",
            False,
            lambda u: genuine_check(u, face=face_scan("b_turn_left")),
        ),
        (
            "rendered page, victim's details + fraudster's photo, chosen as a file",
            False,
            lambda u: build_check(u, front=media.to_bytes(rendered(CONFIRMED_PASSPORT))),
        ),
        (
            "rendered page, invented number, photographed by the camera step",
            False,
            lambda u: build_check(u, **camera(rendered("123456789"))),
        ),
        (
            "rendered page, the victim's REAL number, photographed by the camera step",
            None,  # nothing offline can tell: the issuer confirms the number (see the docs)
            lambda u: build_check(u, **camera(rendered(CONFIRMED_PASSPORT))),
        ),
        (
            "the passport held up as the face scan",
            False,
            lambda u: genuine_check(u, face=face_scan("document_held_up")),
        ),
        (
            "document photo chosen from a file (no camera clip)",
            False,
            _file_photo,
        ),
        (
            "document camera fed a still picture",
            False,
            lambda u: build_check(
                u,
                **dict(
                    zip(
                        ("front_clip", "front"),
                        camera_media.camera_capture(
                            faces_media.passport_page("a_congress", number=CONFIRMED_PASSPORT),
                            still=True,
                        ),
                        strict=True,
                    )
                ),
            ),
        ),
        (
            "a photo file sent as the face scan",
            False,
            lambda u: genuine_check(u, face=face_jpeg()),
        ),
        (
            "a still photo as the face scan",
            False,
            lambda u: genuine_check(u, face=face_scan("still")),
        ),
        (
            "a printed photo tilted to the camera",
            False,
            lambda u: genuine_check(u, face=face_scan("printed_photo")),
        ),
        (
            "a replayed (looped) recording",
            False,
            lambda u: genuine_check(u, face=face_scan("looped")),
        ),
        ("a swap of person mid-clip", False, lambda u: genuine_check(u, face=face_scan("swap"))),
        (
            "another person spliced in to do the prompt",
            False,
            lambda u: genuine_check(u, face=face_scan("prompt_by_another")),
        ),
        (
            "the wrong prompt (asked: turn right; did: turn left)",
            False,
            lambda u: genuine_check(u, prompt="turn_right", face=face_scan("turn_left")),
        ),
        ("__reuse_same_files__", False, genuine_check),
        (
            "__reuse_new_photos__",
            False,
            lambda u: build_check(
                u,
                **dict(
                    zip(
                        ("front", "front_clip"),
                        recaptured(rendered(CONFIRMED_PASSPORT), 5),
                        strict=True,
                    )
                ),
            ),
        ),
    ]


def _file_photo(user):
    from tests.verification.idchecks.conftest import build_check, genuine_capture

    photo, _clip = genuine_capture("a_congress")
    return build_check(user, front=photo)


def acceptance() -> list[dict]:
    from django.conf import settings

    from verification.models import DocumentUse

    settings.P9_FAST_TRACK = True
    cases = attacks()
    rows = []
    print(
        "\n2. acceptance: fast-tracked to P9 with no person? (real IdCheck rows, P9_FAST_TRACK on)"
    )
    for name, expected, build in cases:
        reuse = name.startswith("__reuse")
        DocumentUse.objects.all().delete()  # each case alone: the register is for reuse
        if reuse:
            first = run_pipeline(build_genuine())  # the passport's first, genuine use
            if not first["fast_tracked"]:
                print(f"   (the first, genuine use was not fast-tracked: {first['stopped_by']})")
            label = {
                "__reuse_same_files__": "the same passport on a second login (same files)",
                "__reuse_new_photos__": "the same passport on a second login (new photos)",
            }[name]
        else:
            label = name
        try:
            check = build(patient())
        except ValueError as error:  # refused at upload: never reaches the pipeline
            rows.append({"case": label, "expected": expected, "fast_tracked": False})
            print(f"   {label:<72} refused at upload: {error}")
            continue
        outcome = run_pipeline(check)
        verdict = (
            "FAST-TRACKED" if outcome["fast_tracked"] else f"to a person ({outcome['status']})"
        )
        if expected is not None and outcome["fast_tracked"] != expected:
            verdict += "  <-- NOT AS EXPECTED"
        why = ", ".join(outcome["stopped_by"]) or "every check passed"
        if reuse:
            why += f" (reused: {', '.join(outcome['details']['document_reuse']['reused'])})"
        print(f"   {label:<72} {verdict}; {why}")
        rows.append({"case": label, "expected": expected, **outcome})
    genuine = [r for r in rows if r["expected"] is True]
    attacks_run = [r for r in rows if r["expected"] is False]
    print(
        f"   attacks fast-tracked: {sum(r['fast_tracked'] for r in attacks_run)}/"
        f"{len(attacks_run)}; "
        f"genuine fast-tracked: {sum(r['fast_tracked'] for r in genuine)}/{len(genuine)}"
    )
    settings.P9_FAST_TRACK = False
    return rows


def build_genuine():
    from tests.verification.idchecks.conftest import genuine_check

    return genuine_check(patient())


# --- 3. the document --------------------------------------------------------------------------


def document_rates(pages: int) -> None:
    from types import SimpleNamespace

    import numpy as np

    from bench.documents import PEOPLE, fully_right, kinds
    from tests.verification.idchecks import media
    from verification.idchecks import document
    from verification.idchecks.checks import load_image

    people = [PEOPLE[i % len(PEOPLE)] for i in range(pages)]
    print(
        f"\n3. the document (bench/documents.py's corpus: {pages} generated passport pages per "
        "kind of picture, names with diacritics, births 1926-2010)"
    )
    print(f"   {'kind':<14} {'MRZ right':>9} {'false reject':>13} {'capture pass':>13}")
    rejects = total = 0
    for kind, make in kinds(media).items():
        right = matched = photo = 0
        for seed, (surname, given, born, number) in enumerate(people):
            page = media.passport_page(surname, given, born, number=number)
            rgb = np.asarray(make(page, seed))
            reading = document.read_document(rgb, "uk_passport")
            record = SimpleNamespace(family_name=surname.title(), given_name=given, birth_date=born)
            right += fully_right(reading, surname, given, born, number, document)
            matched += document.compare_with_record(reading, record).outcome == "pass"
            photo += document.photographed(rgb).outcome == "pass"
        rejects += pages - matched
        total += pages
        print(
            f"   {kind:<14} {right:>5}/{pages:<3} {pages - matched:>9}/{pages:<3}"
            f" {photo:>9}/{pages}"
        )
    print(f"   false rejects (the holder's own page, comparison not passed): {rejects}/{total}")

    accepted = tried = 0
    edits = (
        {"surname": "JONES"},
        {"birth_date": datetime.date(1979, 1, 2)},
        {"number": "987654321"},
    )
    for viz in edits:
        for seed, (surname, given, born, number) in enumerate(people):
            page = media.passport_page(surname, given, born, number=number, viz=viz)
            for rgb in (np.asarray(page), np.asarray(media.photographed(page, seed=seed))):
                reading = document.read_document(rgb, "uk_passport")
                record = SimpleNamespace(
                    family_name=surname.title(), given_name=given, birth_date=born
                )
                accepted += document.compare_with_record(reading, record).outcome == "pass"
                tried += 1
    print(
        f"   false accepts, printed zone contradicting the MRZ (surname, birth date, number; "
        f"clean and photographed): {accepted}/{tried}"
    )
    renders = 0
    for surname, given, born, number in people:
        page = media.passport_page(surname, given, born, number=number)
        for fmt, params in (("PNG", {}), ("JPEG", {"quality": 85})):
            rgb = load_image(media.to_bytes(page, fmt, **params))
            renders += document.photographed(rgb).outcome == "pass"
    print(
        f"   false accepts, clean renders (PNG, JPEG 85) taken for photos of a document: "
        f"{renders}/{2 * pages}"
    )


# --- 4. time and memory -----------------------------------------------------------------------


def timing(runs: int) -> dict:
    """A genuine document + 4 s face scan check, run ``runs`` times (after one warm-up)."""
    from django.conf import settings

    from verification.models import DocumentUse

    settings.P9_FAST_TRACK = False  # the same work every run: never approve in the timing
    DocumentUse.objects.all().delete()
    check = build_genuine()
    run_pipeline(check)  # warm-up: caches, first decode
    walls, cpus, per = [], [], {}
    for _ in range(runs):
        outcome = run_pipeline(check)
        walls.append(outcome["wall"])
        cpus.append(outcome["cpu"])
        for name, seconds in outcome["seconds"].items():
            per.setdefault(name, []).append(seconds)
    frames = outcome["details"]["liveness"].get("frames", "?")
    print(
        f"\n4. time: a genuine document (camera photo + 2.5 s clip) and a 4 s face scan clip, "
        f"{runs} runs after a warm-up, one process pinned to one core, models loaded"
    )
    print(f"   {'check':<24} {'median':>7} {'p95':>7}  (seconds, wall, as the pipeline records)")
    for name, values in per.items():
        print(f"   {name:<24} {statistics.median(values):>7.3f} {p95(values):>7.3f}")
    print(
        f"   total, wall: median {statistics.median(walls):.2f} s, p95 {p95(walls):.2f} s; "
        f"CPU: median {statistics.median(cpus):.2f} s, p95 {p95(cpus):.2f} s "
        f"(target <= {TARGET_SECONDS:.0f} s on one worker core; face scan frames: {frames})"
    )
    return {"check": check.pk, "walls": walls, "cpus": cpus}


def memory(check_id) -> None:
    """Peak memory of a fresh process: Django, then ``engines.preload()``, then one check."""
    command = [sys.executable, __file__, "--memory-child", str(check_id)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        print(f"   memory: the child process failed:\n{done.stderr[-2000:]}")
        return
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"   peak memory (VmHWM) of a fresh process: Django {figures['django']:.0f} MB; "
        f"every model loaded (engines.preload, {figures['preload_seconds']:.1f} s) "
        f"{figures['preloaded']:.0f} MB; after one full check {figures['checked']:.0f} MB "
        f"(target <= {TARGET_PEAK_MB} MB)"
    )


def memory_child(check_id: str) -> None:
    setup_django(fresh=False)
    from django.conf import settings

    from verification.idchecks import engines
    from verification.models import IdCheck

    settings.P9_FAST_TRACK = False
    figures = {"django": peak_mb()}
    started = time.perf_counter()
    engines.preload()
    figures["preload_seconds"] = time.perf_counter() - started
    figures["preloaded"] = peak_mb()
    run_pipeline(IdCheck.objects.get(pk=check_id))
    figures["checked"] = peak_mb()
    print(json.dumps(figures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs (default 9)")
    parser.add_argument("--pages", type=int, default=4, help="document pages per kind (4)")
    parser.add_argument("--variants", choices=["some", "all"], default="all")
    parser.add_argument("--only", choices=["faces", "acceptance", "documents", "time"])
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if args.memory_child:
        memory_child(args.memory_child)
        return

    from tests.verification.idchecks import faces_media

    if faces_media.ensure_face_photos() is None:
        raise SystemExit("the face photos could not be fetched: run `make idcheck-fixtures`")
    setup_django(fresh=True)
    import logging

    from django.conf import settings

    # The notifications' task lines and kombu's broker notice are not the bench's output.
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)

    from verification.idchecks import engines

    started = time.perf_counter()
    print(
        f"machine: {os.cpu_count()} cores, this process pinned to 1, OMP_NUM_THREADS=1; "
        f"load average {os.getloadavg()[0]:.1f}; database {settings.DATABASES['default']['ENGINE']}"
    )
    print(f"reference, before: {reference(count=60)}", flush=True)
    engines.preload()
    print(f"models loaded: {time.perf_counter() - started:.1f} s", flush=True)
    if args.only in (None, "faces"):
        face_rates(args.variants)
    if args.only in (None, "acceptance"):
        acceptance()
    if args.only in (None, "documents"):
        document_rates(args.pages)
    if args.only in (None, "time"):
        timed = timing(args.runs)
        memory(timed["check"])
    print(f"\nreference, after:  {reference(count=60)}")
    print(f"whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
