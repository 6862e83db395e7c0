"""Django's Redis cache with one client object per connection pool.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new ``redis.Redis``
for every cache operation, which mostly means filling its response-callback table again:
about 0.13 ms of CPU each time on our machines, and a sign-in makes about ten cache calls
(docs/performance-accounts.md). A ``redis.Redis`` is safe to share between threads (each
command takes a connection from the pool), so one per pool is enough. The pool itself is
still per process and redis-py resets it after a fork.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PooledClientRedisCache(RedisCache):
    """``RedisCache``, reusing one ``redis.Redis`` per connection pool."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
