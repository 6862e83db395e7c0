"""Settings for the test suite: the environment's settings with test defaults.

DATABASE_URL, REDIS_URL and CELERY_BROKER_URL still come from the caller: `.ci/run` names the
machine's PostgreSQL and Redis, a bare `make test` the embedded ones (core/embedded.py).
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from core import embedded

_ROOT = Path(__file__).resolve().parent.parent


def _another_database(url: str, offset: int) -> str:
    """The same Redis server, ``offset`` databases further on (a path ``/N``, redis-py's
    ``?db=N`` on a socket, or kombu's ``?virtual_host=N``)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for key in ("db", "virtual_host"):
        if key in query:
            query[key] = str(int(query[key]) + offset)
            # Not geturl(): it drops the empty host of "unix:///path".
            return f"{url.split('?', 1)[0]}?{urlencode(query)}"
    return parts._replace(path=f"/{int(parts.path.strip('/') or 0) + offset}").geturl()


# The embedded servers' test databases when run without the launcher (`make test` sets them).
os.environ.setdefault("REDIS_URL", embedded.default_redis_url(embedded.PURPOSES["test"]["cache"]))
os.environ.setdefault(
    "CELERY_BROKER_URL", embedded.default_broker_url(embedded.PURPOSES["test"]["broker"])
)
# Parallel runs (pytest-xdist, `make test`): each worker gets its own database (pytest-django
# adds the suffix), data folder and Redis databases, so one worker's cache.clear() or queued
# task never reaches another's. Done once, in the environment, so the Celery worker processes
# a test starts inherit the same (and a test that names its own broker keeps it).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw") and os.environ.get("TEST_STORES_FOR_WORKER") != _WORKER:
    os.environ["TEST_STORES_FOR_WORKER"] = _WORKER
    _offset = 4 * int(_WORKER[2:])
    for _name in ("REDIS_URL", "CELERY_BROKER_URL"):
        os.environ[_name] = _another_database(os.environ[_name], _offset)
    os.environ["DATA_DIR"] = str(_ROOT / "var" / "test" / _WORKER)
os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("DATA_DIR", str(_ROOT / "var" / "test"))
os.environ.setdefault("PASSWORD_HASH_COST", "fast-for-tests")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "True")
# Playwright's sync API runs an event loop in the test thread; the ORM is safe to use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from config.settings import *  # noqa: E402, F403
