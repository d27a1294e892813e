"""An application context for code running inside an RQ worker (one app per worker process)."""
from __future__ import annotations

from contextlib import contextmanager

_app = None


@contextmanager
def app_context():
    from flask import current_app, has_app_context

    if has_app_context():  # inline run inside a request or CLI command
        yield current_app._get_current_object()
        return
    global _app
    if _app is None:
        from tracker import create_app
        _app = create_app()
    with _app.app_context():
        try:
            yield _app
        finally:
            from tracker.extensions import db
            db.session.remove()
