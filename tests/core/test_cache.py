"""The Redis cache backend (core.cache): one client per pool, and it still behaves as a cache."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings


@pytest.fixture
def redis_cache():
    config = {
        "default": {
            "BACKEND": "core.cache.PooledClientRedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "test-core-cache",
        }
    }
    with override_settings(CACHES=config):
        cache = caches.create_connection("default")
        yield cache
        cache.delete_many(["a", "b", "counter"])
        cache.close()


def test_it_reuses_one_redis_client(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client


def test_it_stores_reads_counts_and_expires(redis_cache):
    redis_cache.set("a", {"x": 1}, 30)
    assert redis_cache.get("a") == {"x": 1}
    assert redis_cache.add("a", "other") is False
    redis_cache.set("counter", 1)
    assert redis_cache.incr("counter") == 2
    redis_cache.set_many({"b": "two"}, 30)
    assert redis_cache.get_many(["a", "b", "missing"]) == {"a": {"x": 1}, "b": "two"}
    redis_cache.set("a", "gone", 0)
    assert redis_cache.get("a") is None
