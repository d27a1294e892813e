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


class QueueHealth:
    """What the admin and the export page need to know about the queue, read in one go.

    ``configured`` is False without REDIS_URL (jobs run inline: nothing can wait). Otherwise
    ``reachable`` says whether Redis answered; then ``workers`` lists the live workers listening
    on the app's queue and the counts say how many jobs wait, run, failed or are scheduled."""

    def __init__(self):
        self.configured = False
        self.reachable = False
        self.queue_name = ""
        self.workers: list[dict] = []
        self.waiting = self.running = self.failed = self.scheduled = self.finished = 0
        self.failed_jobs: list[dict] = []
        self.error = ""

    @property
    def stalled(self) -> bool:
        """Jobs are waiting and no worker is there to take them."""
        return self.configured and self.reachable and not self.workers and self.waiting > 0


def queue_health(app, failed_limit: int = 20) -> QueueHealth:
    health = QueueHealth()
    queue = get_queue(app)
    if queue is None:
        return health
    health.configured = True
    health.queue_name = queue.name
    from redis.exceptions import RedisError
    from rq import Worker
    from rq.job import Job
    try:
        health.waiting = queue.count
        health.running = queue.started_job_registry.count
        health.failed = queue.failed_job_registry.count
        health.scheduled = queue.scheduled_job_registry.count
        health.finished = queue.finished_job_registry.count
        for worker in Worker.all(queue=queue):
            health.workers.append({
                "name": worker.name, "state": worker.get_state(),
                "job_id": worker.get_current_job_id(), "heartbeat": worker.last_heartbeat,
                "birth": worker.birth_date, "hostname": worker.hostname, "pid": worker.pid,
                "successes": worker.successful_job_count, "failures": worker.failed_job_count})
        ids = queue.failed_job_registry.get_job_ids(0, failed_limit - 1) if failed_limit > 0 else []
        for job in Job.fetch_many(ids, connection=queue.connection):
            if job is None:
                continue
            info = (job.latest_result().exc_string if job.latest_result() else "") or ""
            health.failed_jobs.append({"id": job.id, "func": job.func_name, "ended": job.ended_at,
                                       "error": info.strip().splitlines()[-1] if info.strip() else ""})
        health.reachable = True
    except (RedisError, OSError) as exc:
        health.error = str(exc)
    return health
