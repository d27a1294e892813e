"""Rendered pages reused until the data changes.

Every committed change that went through the ORM bumps one database counter
(``data_generation``) right after its commit, in a short transaction of its own (so writers
never queue behind a hot row inside their own transactions). A page is kept, per process, under
a key of the counter's value, the user (role, units and notification badge are per user), the
session's CSRF secret (forms on the page carry its tokens), the day in WIB (deadlines are judged
by it) and the full path with its query. Each request reads the counter once: a page is reused
only while nothing has changed since it was rendered, in any process on any host.

Pages live in two places: this process's memory, and the ``page_store`` table that every
process and host shares, so that a page one gunicorn worker rendered is not rendered again by
the others (a lookup there is one primary-key read of a compressed body). Rows of older
generations are deleted now and then by whoever stores a page.

A process that dies between a commit and the bump leaves pages stale for at most ``TTL``
seconds. Writers that bypass the ORM call ``bump(connection)`` themselves, in their own
transaction, which also outdates the figures pages keep as data (``tracker.changes``).
"""
from __future__ import annotations

import functools
import hashlib
import random
import threading
import time
import zlib
from collections import OrderedDict
from datetime import datetime, timedelta, timezone

from flask import current_app, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from ..extensions import db

TTL = 300  # seconds
MAX_ENTRIES = 512
_lock = threading.Lock()
_pages: OrderedDict = OrderedDict()
_rendering: dict[str, threading.Event] = {}  # key -> set when its first render is stored
WAIT = 30  # seconds a request waits for another thread rendering the same page


def generation() -> int | None:
    """The counter, read outside any transaction: a page served from the store then costs the
    database one statement (no BEGIN and ROLLBACK around it)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(text("SELECT value FROM data_generation WHERE id = 1")).scalar()


_NOT_READ = object()


def request_generation() -> int | None:
    """The counter as this request first read it (one query per request, shared by the user
    load and the page key); None when there is no counter (yet)."""
    if not has_request_context():
        return None  # a command or a job: nothing is kept for it
    env = request.environ  # this request's, even where an app context spans several (tests)
    gen = env.get("skm.generation", _NOT_READ)
    if gen is _NOT_READ:
        try:
            gen = generation()
        except Exception:  # noqa: BLE001 - no counter table (before the migration)
            gen = None
        env["skm.generation"] = gen
    return gen


KEEP_SECONDS = 60  # a value kept under a generation is computed again after this anyway


class GenerationKept:
    """Small values computed from the database (a badge count, whether a unit's questionnaire
    is open), kept in this process while the data generation is the one they were computed
    under, and at most KEEP_SECONDS (a process that died between a commit and the counter's
    advance leaves the counter behind). Outside a request, before the counter exists, or with
    ``respect_page_cache`` and the page cache turned off, the value is computed every time."""

    def __init__(self, max_entries: int = 4096, respect_page_cache: bool = False):
        self._values: dict = {}
        self.max_entries = max_entries
        self.respect_page_cache = respect_page_cache

    _MISSING = object()

    def _usable(self) -> int | None:
        gen = request_generation()
        if gen is None or (self.respect_page_cache and not current_app.config.get("PAGE_CACHE", True)):
            return None
        return gen

    def kept(self, key, default=None):
        """The value kept for ``key`` under this request's generation, else ``default``."""
        gen = self._usable()
        entry = self._values.get(key) if gen is not None else None
        if entry is not None and entry[0] == gen and entry[1] > time.monotonic():
            return entry[2]
        return default

    def keep(self, key, value) -> None:
        """Keep ``value`` under this request's generation (nothing when it cannot be kept)."""
        gen = self._usable()
        if gen is None:
            return
        if len(self._values) >= self.max_entries:
            self._values.clear()
        self._values[key] = (gen, time.monotonic() + KEEP_SECONDS, value)

    def get(self, key, compute):
        value = self.kept(key, self._MISSING)
        if value is self._MISSING:
            value = compute()
            self.keep(key, value)
        return value

    def clear(self) -> None:
        self._values.clear()


def bump(connection=None) -> None:
    """Advance the counter (its own short transaction unless ``connection`` is given). Given
    the ``connection`` of a writer that went around the ORM, every figure kept as data is
    outdated too, in that writer's transaction (``tracker.changes.advance``)."""
    def run(conn):
        if conn.execute(text("UPDATE data_generation SET value = value + 1 WHERE id = 1")).rowcount == 0:
            conn.execute(text("INSERT INTO data_generation (id, value) VALUES (1, 2)"))
    if connection is not None:
        run(connection)
        from ..changes import advance
        advance(connection, every=True)
        return
    with db.engine.begin() as conn:
        run(conn)


def _after_flush(session: Session, flush_context) -> None:
    session.info["skm_changed"] = True


def _after_commit(session: Session) -> None:
    if session.info.pop("skm_changed", False):
        try:
            bump()
        except Exception:  # noqa: BLE001 - the commit stands; pages expire after TTL
            current_app.logger.warning("data generation not advanced", exc_info=True)


def _after_rollback(session: Session) -> None:
    session.info.pop("skm_changed", None)


def install() -> None:
    for name, fn in (("after_flush", _after_flush), ("after_commit", _after_commit),
                     ("after_soft_rollback", lambda s, t: _after_rollback(s))):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def clear(shared: bool = False) -> None:
    """Forget this process's pages (and, with ``shared``, every process's)."""
    with _lock:
        _pages.clear()
    if shared:
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM page_store"))


def _key(gen: int, dated: bool) -> str:
    from flask_wtf.csrf import generate_csrf

    from ..followup.status import today_wib
    generate_csrf()  # the page's forms will need the session's CSRF secret: make it exist now
    parts = [str(gen), str(current_user.get_id()), str(session.get("csrf_token", "")),
             today_wib().isoformat() if dated else "", request.full_path]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _lookup(key: str) -> bytes | None:
    with _lock:
        hit = _pages.get(key)
        if hit is not None and hit[0] > time.monotonic():
            _pages.move_to_end(key)
            return hit[1]
    return None


def _remember(key: str, body: bytes) -> None:
    with _lock:
        _pages[key] = (time.monotonic() + TTL, body)
        while len(_pages) > MAX_ENTRIES:
            _pages.popitem(last=False)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _shared_lookup(key: str) -> bytes | None:
    """The page from the shared store, or None."""
    try:
        packed = db.session.execute(text("SELECT body FROM page_store WHERE key = :k AND expires_at > :t"),
                                    {"k": key, "t": _now()}).scalar()
    except Exception:  # noqa: BLE001 - no table yet (before the migration): render instead
        db.session.rollback()
        return None
    return zlib.decompress(packed) if packed is not None else None


PRUNE_CHANCE = 0.05  # share of stores that also delete older generations' pages


def _shared_store(key: str, gen: int, body: bytes) -> None:
    """Offer the page to the other processes (its own short transaction; losing a race with
    another process storing the same page is fine: both bodies are the same page)."""
    try:
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM page_store WHERE key = :k"), {"k": key})
            conn.execute(text("INSERT INTO page_store (key, generation, expires_at, body) "
                              "VALUES (:k, :g, :e, :b)"),
                         {"k": key, "g": gen, "e": _now() + timedelta(seconds=TTL),
                          "b": zlib.compress(body, 1)})
            if random.random() < PRUNE_CHANCE:
                conn.execute(text("DELETE FROM page_store WHERE generation < :g OR expires_at < :t"),
                             {"g": gen, "t": _now()})
    except Exception:  # noqa: BLE001 - a page not shared is only rendered once more elsewhere
        current_app.logger.info("page not stored for other processes", exc_info=True)


def cached_page(dated: bool = True):
    """Reuse the rendered page (status 200, HTML) until the data changes; ``dated`` pages also
    change with the day (deadlines)."""
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if not current_app.config.get("PAGE_CACHE", True) or session.get("_flashes"):
                return view(*args, **kwargs)
            gen = request_generation()
            if gen is None:  # no counter (yet): render every time
                return view(*args, **kwargs)
            key = _key(gen, dated)
            hit = _lookup(key)
            if hit is None:
                hit = _shared_lookup(key)
                if hit is not None:
                    _remember(key, hit)
            if hit is not None:
                return current_app.response_class(hit, mimetype="text/html")
            # One render per page and process: threads asking for a page another thread is
            # rendering wait for it instead of all computing it at once.
            with _lock:
                event = _rendering.get(key)
                mine = event is None
                if mine:
                    event = _rendering[key] = threading.Event()
            if not mine:
                event.wait(WAIT)
                hit = _lookup(key)
                if hit is not None:
                    return current_app.response_class(hit, mimetype="text/html")
            try:
                response = current_app.make_response(view(*args, **kwargs))
                if (response.status_code == 200 and response.mimetype == "text/html"
                        and not session.get("_flashes")):
                    body = response.get_data()
                    _remember(key, body)
                    _shared_store(key, gen, body)
                return response
            finally:
                if mine:
                    with _lock:
                        _rendering.pop(key, None)
                    event.set()
        return inner
    return wrap
