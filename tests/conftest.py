"""Shared fixtures: a real Celery worker, Chromium with an axe check, signed-in sessions.

Test settings are in config/settings_test.py.
"""

import pytest

pytest_plugins = [
    "tests.fixtures.worker",
    "tests.fixtures.browser",
    "tests.fixtures.sessions",
    "tests.fixtures.redis_server",
    "tests.fixtures.demo_service",
]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and replay caches do not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
