"""Run an RQ worker for the tracker's queue with the application's configuration:

    REDIS_URL=redis://... DATABASE_URL=... python -m jobs.worker [--burst]

Equivalent to ``rq worker --url $REDIS_URL ${RQ_QUEUE:-skm}``; each export job still builds its
own app from the same environment (jobs.exports.run_export).
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from rq import Worker

    from jobs.queue import get_queue
    from tracker import create_app
    argv = sys.argv[1:] if argv is None else argv
    app = create_app()
    queue = get_queue(app)
    if queue is None:
        print("REDIS_URL belum diatur: tugas dijalankan langsung oleh aplikasi, worker tidak diperlukan.",
              file=sys.stderr)
        return 1
    worker = Worker([queue], connection=queue.connection)
    worker.work(burst="--burst" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
