"""The RQ worker of the tracker: the one place that builds the application for jobs.

    REDIS_URL=redis://... DATABASE_URL=... python -m jobs.worker [--burst]

or, with RQ's own command, ``rq worker -w jobs.worker.AppWorker --with-scheduler skm``.
The worker process builds the app once; every job (run in RQ's forked work horse) runs inside
its application context, so job functions in ``jobs/`` use ``flask.current_app`` and never
import the app factory (the app imports ``jobs``; ``jobs`` does not import the app).
"""
from __future__ import annotations

import sys

from rq import Worker


def build_app():
    from tracker import create_app
    return create_app()


class AppWorker(Worker):
    """An RQ worker whose jobs run in the application's context (built once per process)."""

    def __init__(self, *args, app=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app if app is not None else build_app()

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


def main(argv: list[str] | None = None) -> int:
    from jobs.queue import get_queue
    argv = sys.argv[1:] if argv is None else argv
    app = build_app()
    queue = get_queue(app)
    if queue is None:
        print("REDIS_URL belum diatur: tugas dijalankan langsung oleh aplikasi, worker tidak diperlukan.",
              file=sys.stderr)
        return 1
    worker = AppWorker([queue], connection=queue.connection, app=app)
    worker.work(burst="--burst" in argv, with_scheduler="--no-scheduler" not in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
