"""Benchmark of the document checks (verification/idchecks/document.py). Prints numbers;
not a pass/fail test.

A corpus generated offline (tests/verification/idchecks/media.py: synthetic passport data
pages in OCR-B with valid MRZs, names with diacritics, apostrophes and hyphens, birth dates
across a century, alphanumeric document numbers), each page shown as several kinds of photo:
clean, tilted 3°, 7° and 12°, at an angle (perspective, background around), half size,
noisy, and photographed (desk, tilt, angle, uneven light, blur, noise, camera JPEG). For each
kind: MRZ fully right (every field as generated), comparison with the matching record passed,
quality passed, "photo of a document" passed, and seconds per page. Then pages whose printed
zone contradicts the MRZ (false accepts), and renders taken for photos.

Run: .venv/bin/python bench/documents.py   (BENCH_PAGES=8 for more pages per kind)
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ["OMP_NUM_THREADS"] = "1"
PAGES = int(os.environ.get("BENCH_PAGES", "5"))

PEOPLE = [
    ("MÜLLER", "JÜRGEN KARL", datetime.date(1985, 4, 12), "C01X00T47"),
    ("ØSTERGÅRD", "SØREN", datetime.date(1926, 2, 3), "123456789"),
    ("O'BRIEN", "SIOBHAN", datetime.date(2001, 11, 30), "548213907"),
    ("NUÑEZ", "JOSÉ MARÍA", datetime.date(1967, 8, 21), "PA0I19O83"),
    ("WOJCIK-ADAMS", "ANNA", datetime.date(1999, 12, 31), "761005432"),
    ("PATEL", "PRIYA", datetime.date(1958, 6, 1), "X12B45S78"),
    ("NGUYEN", "VAN AN", datetime.date(2010, 1, 9), "990011223"),
    ("SMITH", "JANE", datetime.date(1975, 3, 15), "307759311"),
]


def kinds(media):
    return {
        "clean": lambda page, seed: page,
        "tilted 3°": lambda page, seed: media.photographed(
            page, tilt=3, perspective=0, background=0.1, noise=1, light=0, seed=seed
        ),
        "tilted 7°": lambda page, seed: media.photographed(
            page, tilt=-7, perspective=0, background=0.1, noise=1, light=0, seed=seed
        ),
        "tilted 12°": lambda page, seed: media.photographed(
            page, tilt=12, perspective=0, background=0.1, noise=1, light=0, seed=seed
        ),
        "perspective": lambda page, seed: media.photographed(
            page, tilt=1, perspective=0.12, background=0.15, seed=seed
        ),
        "half size": lambda page, seed: page.resize((625, 440)),
        "noisy": lambda page, seed: media.photographed(
            page, tilt=0, perspective=0, background=0, noise=8, light=0, blur=0, seed=seed
        ),
        "photographed": lambda page, seed: media.photographed(
            page,
            tilt=(seed % 5) - 2.5,
            perspective=0.03 + 0.02 * (seed % 3),
            blur=0.6 + 0.3 * (seed % 3),
            scale=0.8 + 0.1 * (seed % 3),
            seed=seed,
        ),
    }


def fully_right(reading, surname, given, born, number, document):
    fields = reading.mrz
    return bool(
        reading.failure is None
        and fields.surname == document.icao_name(surname)
        and fields.given_names == document.icao_name(given)
        and fields.birth_yymmdd == born.strftime("%y%m%d")
        and fields.document_number == number
    )


def main():
    import django

    django.setup()
    import numpy as np

    from tests.verification.idchecks import media
    from verification.idchecks import document, engines
    from verification.idchecks.checks import load_image

    started = time.perf_counter()
    engines.preload()
    print(f"models loaded: {time.perf_counter() - started:.1f} s; pages per kind: {PAGES}")
    people = [PEOPLE[i % len(PEOPLE)] for i in range(PAGES)]
    print(f"{'kind':<14} {'MRZ right':>9} {'matched':>8} {'quality':>8} {'photo':>6} {'s/page':>7}")
    for kind, make in kinds(media).items():
        right = matched = quality = photo = 0
        seconds = []
        for seed, (surname, given, born, number) in enumerate(people):
            page = media.passport_page(surname, given, born, number=number)
            rgb = np.asarray(make(page, seed))
            t0 = time.perf_counter()
            reading = document.read_document(rgb, "uk_passport")
            seconds.append(time.perf_counter() - t0)
            record = SimpleNamespace(family_name=surname.title(), given_name=given, birth_date=born)
            right += fully_right(reading, surname, given, born, number, document)
            matched += document.compare_with_record(reading, record).outcome == "pass"
            quality += document.image_quality(rgb).outcome == "pass"
            photo += document.photographed(rgb).outcome == "pass"
        print(
            f"{kind:<14} {right:>5}/{PAGES:<3} {matched:>4}/{PAGES:<3} {quality:>4}/{PAGES:<3}"
            f" {photo:>2}/{PAGES:<3} {statistics.median(seconds):>6.2f}"
        )

    # A forger replaces the MRZ: the printed zone still shows the real holder's details.
    edits = {
        "surname": {"surname": "JONES"},
        "birth date": {"birth_date": datetime.date(1979, 1, 2)},
        "number": {"number": "987654321"},
    }
    print("\nprinted zone contradicting the MRZ (false accepts: the comparison passed)")
    for field, viz in edits.items():
        accepted, caught = 0, 0
        for seed, (surname, given, born, number) in enumerate(people):
            page = media.passport_page(surname, given, born, number=number, viz=viz)
            photo = media.photographed(page, seed=seed)
            for rgb in (np.asarray(page), np.asarray(photo)):
                reading = document.read_document(rgb, "uk_passport")
                record = SimpleNamespace(
                    family_name=surname.title(), given_name=given, birth_date=born
                )
                result = document.compare_with_record(reading, record)
                accepted += result.outcome == "pass"
                caught += any(
                    key.startswith("viz_") and key.endswith("_matches_mrz") and not value
                    for key, value in result.details.items()
                )
        print(f"  {field:<11} false accepts {accepted}/{2 * PAGES}, contradiction seen {caught}")

    print("\nrenders taken for photos of a document (false accepts of document_capture)")
    renders = {
        "PNG": ("PNG", {}),
        "JPEG 90": ("JPEG", {"quality": 90}),
        "JPEG 70": ("JPEG", {"quality": 70}),
    }
    for name, (fmt, params) in renders.items():
        accepted = 0
        for surname, given, born, number in people:
            page = media.passport_page(surname, given, born, number=number)
            rgb = load_image(media.to_bytes(page, fmt, **params))
            accepted += document.photographed(rgb).outcome == "pass"
        print(f"  {name:<8} {accepted}/{PAGES}")


if __name__ == "__main__":
    main()
