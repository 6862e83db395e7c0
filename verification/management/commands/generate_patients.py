"""``manage.py generate_patients --count N``: synthetic patients for the local PDS store."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from verification.demographics.generator import generate


class Command(BaseCommand):
    help = "Replace the synthetic patients (the local demographics store) with N made-up ones."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="how many patients")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same patients")

    def handle(self, *args, count: int, seed: int, **options):
        if settings.PRODUCTION:
            raise CommandError("synthetic patients are never generated in production")
        if count < 0:
            raise CommandError("--count must be 0 or more")
        started = time.perf_counter()
        generate(count, seed=seed)
        seconds = time.perf_counter() - started
        self.stdout.write(f"Generated {count:,} synthetic patients in {seconds:.1f} s")
