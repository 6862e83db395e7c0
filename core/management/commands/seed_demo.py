"""Load the demo data (idempotent) and print how to try the service. Never in production."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Each app's demo module has a ``seed()`` that creates what it needs if it is missing and
# returns lines telling a person how to use it.
DEMO_MODULES = [
    "accounts.demo",
    "verification.demo",
    "verification.demo_gp",  # issue 5: GP online registration details
    "verification.demo_provisioning",  # issue 17 item 4: a login made by the demo practice
    "verification.demo_idchecks",  # issue 4: photo ID and the identity checkers
    "connected_services.demo",
    "accounts.one_login.demo",  # issue 18: GOV.UK One Login against the fake
    "core.demo",  # last: the banner, with every address in full
]


class Command(BaseCommand):
    help = "Create demo accounts and data for trying the service (not in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo data is never loaded in production")
        lines: list[str] = []
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as error:
                if error.name != name:
                    raise
                continue
            lines.extend(module.seed())
        for line in lines:
            self.stdout.write(line)
