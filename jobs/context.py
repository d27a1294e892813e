"""The application context jobs run in: the caller's (inline runs inside a request or CLI
command) or the worker's (jobs.worker.AppWorker pushes it around every job). Jobs never build
an app themselves."""
from __future__ import annotations

from contextlib import contextmanager


class NoApplication(RuntimeError):
    pass


@contextmanager
def app_context():
    from flask import current_app, has_app_context

    if not has_app_context():
        raise NoApplication("Tugas harus dijalankan oleh worker aplikasi: `python -m jobs.worker` "
                            "atau `rq worker -w jobs.worker.AppWorker`.")
    yield current_app._get_current_object()
