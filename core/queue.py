"""Queueing a Celery task from a page request with one Redis command.

``task.delay()`` goes through Celery's and kombu's publishing machinery: routing, the message
protocol, serialisation, a producer and a connection taken from kombu's pools, retry wrappers
and the Redis transport. On a sign-in that was about 1 ms of the worker's CPU, the largest
single cost of the password step after the hash (docs/performance-accounts.md). The message
it finally writes is small and documented (Celery's message protocol 2, in kombu's Redis
envelope), so for the Redis broker ``enqueue`` builds the same message and ``LPUSH``es it to
the queue's list, which is all kombu's Redis transport does at that point.

What it keeps: the queue from ``task_routes`` (the router is asked once per task), JSON
serialisation, the message headers a worker reads (task name and id, retries, argsrepr,
``ignore_result``...), and acknowledgement (``acks_late``) and redelivery, which are the
worker's side. What it does not do: countdowns, ETAs, expiry, priorities, links, signatures or
publish signals (nothing here uses them on these calls); any other broker (or a Redis one
with a key prefix for kombu), or tasks that run eagerly (the test suite), go through
``apply_async`` as before.

A failed ``LPUSH`` (Redis unreachable) is logged and not raised: the caller's database row is
already committed and is the truth, so only use it for a task whose rows a sweeper queues
again (notifications: ``core.tasks.queue_stalled_notifications``).
tests/core/test_queue.py has a real worker run a task queued this way.
"""

import base64
import json
import logging
import uuid
from urllib.parse import urlsplit

import redis
from celery.utils.nodenames import anon_nodename
from django.conf import settings

logger = logging.getLogger(__name__)

_client: redis.Redis | None = None
_queues: dict[str, str] = {}  # task name: its queue's name
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}


def _redis_broker(app) -> bool:
    """The broker is a plain Redis whose queue for "default" is the list "default" (no key
    prefix configured for kombu's transport)."""
    if urlsplit(settings.CELERY_BROKER_URL).scheme not in ("redis", "rediss"):
        return False
    return not (app.conf.get("broker_transport_options") or {}).get("global_keyprefix")


def _broker() -> redis.Redis:
    """One client (its pool resets itself after a fork) for the broker's Redis."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return _client


def _queue(task) -> str:
    """The task's queue from ``task_routes`` (or the default queue). As Celery does for a
    route that names only a queue, the message goes to the default exchange ("") with the
    queue's name as its routing key, which kombu's Redis transport turns into that list."""
    found = _queues.get(task.name)
    if found is None:
        found = _queues[task.name] = task.app.amqp.router.route({}, task.name)["queue"].name
    return found


def message(task, args: tuple) -> tuple[str, bytes]:
    """The queue's Redis key and the message kombu's Redis transport would write for
    ``task.apply_async(args)``."""
    queue = _queue(task)
    task_id = str(uuid.uuid4())
    body = json.dumps([list(args), {}, _EMBED]).encode()
    envelope = {
        "body": base64.b64encode(body).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py",
            "task": task.name,
            "id": task_id,
            "shadow": None,
            "eta": None,
            "expires": None,
            "group": None,
            "group_index": None,
            "retries": 0,
            "timelimit": [None, None],
            "root_id": task_id,
            "parent_id": None,
            "argsrepr": repr(tuple(args)),
            "kwargsrepr": "{}",
            "origin": anon_nodename(),
            "ignore_result": bool(task.ignore_result),
            "replaced_task_nesting": 0,
            "stamped_headers": None,
            "stamps": {},
        },
        "properties": {
            "correlation_id": task_id,
            "reply_to": "",
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        },
    }
    return queue, json.dumps(envelope).encode()


def enqueue(task, *args) -> None:
    """``task.delay(*args)``, in one Redis command when the broker is Redis. ``args``: plain
    JSON values (ids), never personal data."""
    if (
        task.app.conf.task_always_eager
        or not _redis_broker(task.app)
        or task.expires is not None
        or task.time_limit is not None
        or task.soft_time_limit is not None
    ):
        task.apply_async(args)
        return
    queue, payload = message(task, args)
    try:
        _broker().lpush(queue, payload)
    except redis.RedisError:
        # The caller's row is committed and stays the truth; whoever queues this task must
        # have a sweeper for rows left behind (notifications: queue_stalled_notifications).
        logger.warning("could not queue %s: the broker is unreachable", task.name)
