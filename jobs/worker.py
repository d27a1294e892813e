"""The RQ worker of the tracker: the one place that builds the application for jobs.

    REDIS_URL=redis://... DATABASE_URL=... python -m jobs.worker [--burst]

or, with RQ's own command, ``rq worker -w jobs.worker.AppWorker --with-scheduler skm``.

``python -m jobs.worker`` survives a Redis outage: RQ's loop quits on most connection errors
("found an unhandled exception, quitting"), so :func:`run` waits for Redis with growing pauses
(1 s doubling to 60 s) and starts a fresh worker when it answers again. Plain ``rq worker`` has
no such loop and must be restarted by a supervisor (see the README's production section).
The worker process builds the app once; every job (run in RQ's forked work horse) runs inside
its application context, so job functions in ``jobs/`` use ``flask.current_app`` and never
import the app factory (the app imports ``jobs``; ``jobs`` does not import the app).
"""
from __future__ import annotations

import logging
import sys
import time

from rq import Worker

log = logging.getLogger("skm.worker")


def build_app():
    from tracker import create_app, freeze_startup_objects
    app = create_app()
    freeze_startup_objects()
    return app


class AppWorker(Worker):
    """An RQ worker whose jobs run in the application's context (built once per process)."""

    def __init__(self, *args, app=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app if app is not None else build_app()
        self.stop_asked = False

    def request_stop(self, signum, frame):
        # SIGTERM or SIGINT: remembered so that :func:`run` ends instead of starting again.
        self.stop_asked = True
        return super().request_stop(signum, frame)

    def perform_job(self, job, queue) -> bool:
        from tracker.extensions import db
        with self.app.app_context():
            # The work horse is a fork of the worker: never reuse the parent's pooled
            # database connections in it.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def run(app, queue, *, burst: bool = False, with_scheduler: bool = True, sleep=time.sleep,
        max_delay: float = 60.0, max_restarts: int | None = None) -> int:
    """Work ``queue`` until asked to stop (or, with ``burst``, until it is empty), starting a
    fresh worker whenever RQ's loop ends because Redis went away."""
    from redis.exceptions import RedisError
    restarts = 0
    while True:
        worker = AppWorker([queue], connection=queue.connection, app=app)
        try:
            worker.work(burst=burst, with_scheduler=with_scheduler)
        except (RedisError, OSError) as exc:  # raised from RQ's teardown while Redis is down
            if worker.stop_asked:
                return 0
            reason = f"{type(exc).__name__}: {exc}"
        else:
            if burst or worker.stop_asked:
                return 0
            reason = "the work loop ended"
        restarts += 1
        if max_restarts is not None and restarts > max_restarts:
            return 1
        log.warning("worker stopped (%s); waiting for Redis", reason)
        delay = 1.0
        while True:
            sleep(delay)
            try:
                queue.connection.ping()
                break
            except (RedisError, OSError) as exc:
                log.warning("Redis still unreachable (%s); next try in %.0f s", exc, min(delay * 2, max_delay))
                delay = min(delay * 2, max_delay)
        log.warning("Redis answers again; starting a new worker")


def main(argv: list[str] | None = None) -> int:
    from jobs.queue import get_queue
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = build_app()
    queue = get_queue(app)
    if queue is None:
        print("REDIS_URL belum diatur: tugas dijalankan langsung oleh aplikasi, worker tidak diperlukan.",
              file=sys.stderr)
        return 1
    return run(app, queue, burst="--burst" in argv, with_scheduler="--no-scheduler" not in argv)


if __name__ == "__main__":
    sys.exit(main())
