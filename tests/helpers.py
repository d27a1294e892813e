"""Test helpers shared across files."""
from __future__ import annotations

import hashlib

from sqlalchemy import event, select

from tracker.extensions import db


def snapshot() -> dict:
    """Every row of every table, for 'nothing changed' assertions."""
    db.session.expire_all()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in ("data_generation", "page_store", "login_throttle", "rate_counter"):  # page reuse, sign-in and rate bookkeeping
                continue
            # Signing in and out advances a user's session version; that is not data.
            columns = [c for c in table.columns if not (table.name == "user" and c.name == "session_version")]
            rows = conn.execute(select(*columns)).fetchall()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def login(client, email: str, password: str = "rahasia123", expect: int | None = 302,
          sign_out_first: bool = True):
    """Sign ``client`` in as ``email`` (after signing out whoever was in, unless told not to:
    signing out leaves a flash message on the next page). The fixtures keep an application
    context across requests, so flask-login's cached user is forgotten first. Returns the login
    response; asserts its status unless ``expect`` is None."""
    from flask import g, has_app_context
    if sign_out_first:
        client.post("/logout")
    if has_app_context():
        g.pop("_login_user", None)
    response = client.post("/login", data={"email": email, "password": password})
    if expect is not None:
        assert response.status_code == expect, response.get_data(as_text=True)[:500]
    return response


def file_hash(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


class QueryCounter:
    """Counts SQL statements sent while active (``statements``, and ``sent``: each with its
    parameters, to be explained again)."""

    def __init__(self):
        self.count = 0
        self.statements = []
        self.sent = []

    def _on(self, conn, cursor, statement, parameters, *args):
        self.count += 1
        self.statements.append(statement)
        self.sent.append((statement, parameters))

    def __enter__(self):
        db.session.expire_all()  # start from stale objects, as a new request does
        event.listen(db.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._on)
