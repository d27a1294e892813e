"""The RQ queue helper: one place that knows whether jobs go to Redis or run inline.

``REDIS_URL`` unset (CONTRACT.md): jobs run inline in the calling process, so a single-process
install works without Redis. Set: jobs are enqueued on ``RQ_QUEUE`` (default ``skm``) and run by
``rq worker skm`` started with the same environment (DATABASE_URL, EXPORT_DIR, ...).
"""
from __future__ import annotations

from typing import Callable

JOB_TIMEOUT = 60 * 60  # seconds an export may run before RQ stops it
RESULT_TTL = 24 * 60 * 60


class QueueUnavailable(RuntimeError):
    """Redis is configured but cannot be reached."""


def get_redis(app):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    # Short timeouts: a page that looks at a job must not hang while Redis is down.
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def get_queue(app):
    """The app's RQ queue, or None when jobs run inline (REDIS_URL unset)."""
    conn = get_redis(app)
    if conn is None:
        return None
    from rq import Queue
    return Queue(app.config.get("RQ_QUEUE") or "skm", connection=conn)


def enqueue(app, func: Callable, *args, job_id: str | None = None, inline_kwargs: dict | None = None,
            **kwargs):
    """Enqueue ``func(*args, **kwargs)`` on the app's queue; without Redis call it now.

    Returns the RQ job, or None when it ran inline. ``inline_kwargs`` are passed only when the
    call runs inline (e.g. the current app object, which cannot be pickled for a worker)."""
    queue = get_queue(app)
    if queue is None:
        func(*args, **kwargs, **(inline_kwargs or {}))
        return None
    return queue.enqueue(func, *args, job_id=job_id, job_timeout=JOB_TIMEOUT,
                         result_ttl=RESULT_TTL, failure_ttl=RESULT_TTL, **kwargs)


def fetch_job(app, job_id: str):
    """The RQ job with this id, or None (no Redis, or the job is gone)."""
    conn = get_redis(app)
    if conn is None:
        return None
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    try:
        return Job.fetch(job_id, connection=conn)
    except NoSuchJobError:
        return None
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(str(exc)) from exc
