"""The lines ``make run`` prints last (``manage.py seed_demo``): where each part of the
service is, at the port it really runs on (``PORT``; ``bin/demo`` makes ``SITE_URL`` from it).
"""

from django.conf import settings
from django.urls import reverse

from connected_services.demo_relying_party import config as demo_service


def seed() -> list[str]:
    """No data of its own: the banner, after every other app's demo lines."""
    return banner()


def banner() -> list[str]:
    """Every address in full, from ``SITE_URL`` and the demo service's port (``PORT`` + 200)."""
    site = settings.SITE_URL
    return [
        "",
        f"NHS login is starting at {site}/",
        f"  Security codes and emails (the development outbox): {site}{reverse('core:outbox')}",
        f"  Staff and GP practices (Django admin): {site}{reverse('admin:index')}",
        f"  Identity checkers: {site}{reverse('verification:review_queue')}",
        f"  Services catalogue: {site}{reverse('connected_services:catalogue')}",
        f"  Demo connected service: http://127.0.0.1:{demo_service.port()}/",
        "  Press Ctrl+C to stop everything.",
    ]
