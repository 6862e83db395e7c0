"""Counting attempts in the shared cache (Redis in production) for limits and lockouts."""

from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` in ``window`` seconds for one key (an account, an address)."""

    scope: str
    attempts: int
    window: int

    def _key(self, identifier: str) -> str:
        return f"ratelimit:{self.scope}:{identifier}"

    def count(self, identifier: str) -> int:
        return cache.get(self._key(identifier), 0)

    def exceeded(self, identifier: str) -> bool:
        return self.count(identifier) >= self.attempts

    def hit(self, identifier: str) -> int:
        """Count one attempt; returns the count so far in this window."""
        key = self._key(identifier)
        cache.add(key, 0, timeout=self.window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window)
            return 1

    def mark(self, identifier: str) -> None:
        """Set the count to the limit for a whole window from now (a flag that lasts as long
        as it keeps being marked)."""
        cache.set(self._key(identifier), self.attempts, timeout=self.window)

    def reset(self, identifier: str) -> None:
        cache.delete(self._key(identifier))


def counts(*checks: tuple[Limit, str]) -> list[int]:
    """The counts of several (limit, identifier) pairs in one cache round trip."""
    keys = [limit._key(identifier) for limit, identifier in checks]
    found = cache.get_many(keys)
    return [found.get(key, 0) for key in keys]
