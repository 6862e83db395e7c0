"""Random strings from one read of the operating system's random source.

Django's ``get_random_string`` calls ``secrets.choice`` once per character, and each call reads
the random source again (a system call): about 45 microseconds for 32 characters on our
machines. A sign-in draws five such strings: the session key, a CSRF secret when the browser
has none, a mask for each page's CSRF token, and a new secret when ``login()`` rotates it
(docs/performance-accounts.md). ``random_string`` has the same contract (a cryptographically
secure choice, each allowed character equally likely) from one read: bytes that would make
some characters likelier than others are skipped (rejection sampling).

``CoreConfig.ready`` gives it to ``django.middleware.csrf`` in place of ``get_random_string``;
tests/core/test_randomness.py fails if a Django upgrade changes what that module uses.
"""

import secrets


def random_string(length: int, allowed_chars: str) -> str:
    size = len(allowed_chars)
    if not 0 < size <= 256:
        raise ValueError("between 1 and 256 allowed characters")
    limit = 256 - 256 % size  # bytes below this fall evenly on the characters
    found: list[str] = []
    while len(found) < length:
        found.extend(
            allowed_chars[byte % size]
            for byte in secrets.token_bytes(length - len(found) + 8)
            if byte < limit
        )
    return "".join(found[:length])


def csrf_random_string(length: int, allowed_chars: str) -> str:
    """``get_random_string``'s signature as ``django.middleware.csrf`` calls it."""
    return random_string(length, allowed_chars)
