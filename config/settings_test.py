"""Settings for the test suite: the environment's settings with test defaults.

DATABASE_URL, REDIS_URL and CELERY_BROKER_URL still come from the caller: `.ci/run` names the
machine's PostgreSQL and Redis, a bare `make test` the embedded ones (core/embedded.py).
"""

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("DATA_DIR", str(_ROOT / "var" / "test"))
os.environ.setdefault("PASSWORD_HASH_COST", "fast-for-tests")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "True")
# Playwright's sync API runs an event loop in the test thread; the ORM is safe to use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from config.settings import *  # noqa: E402, F403
