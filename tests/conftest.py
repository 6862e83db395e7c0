"""Shared fixtures: test settings, a real Celery worker, and Chromium with an axe check."""

pytest_plugins = ["tests.fixtures.worker", "tests.fixtures.browser", "tests.fixtures.sessions"]

import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and replay caches do not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
