"""Login throttling per account and client address, with growing delays.

Each attempt first takes a number from an atomic counter kept in the database for its
(e-mail, client address) pair, so concurrent guesses on many workers cannot share one number:
the first ``LOGIN_MAX_FAILURES`` failed attempts are checked, later ones wait 30 s, then 60 s,
120 s ... up to ``LOGIN_MAX_DELAY_SECONDS``. A success clears the pair. Nothing is locked for
everyone: guesses from another address do not lock the person out, and an unknown address is
counted, answered and timed exactly like a known one (the caller checks a dummy hash).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import text

from ..extensions import db

BASE_DELAY_SECONDS = 30


def key_for(email: str, address: str | None) -> str:
    raw = f"{(email or '').strip().lower()}|{address or '-'}"
    return hashlib.sha256(raw.encode()).hexdigest()


def take_number(key: str, now: datetime) -> tuple[int, datetime | None]:
    """Count this attempt; returns (attempts so far including this one, blocked until)."""
    with db.engine.begin() as conn:
        row = conn.execute(text("UPDATE login_throttle SET attempts = attempts + 1, last_at = :now "
                                "WHERE key = :k RETURNING attempts, blocked_until"),
                           {"k": key, "now": now}).first()
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(text("INSERT INTO login_throttle (key, attempts, last_at) "
                                      "VALUES (:k, 1, :now)"), {"k": key, "now": now})
                return 1, None
            except Exception:  # noqa: BLE001 - another worker inserted it first: count again
                row = conn.execute(text("UPDATE login_throttle SET attempts = attempts + 1, "
                                        "last_at = :now WHERE key = :k RETURNING attempts, blocked_until"),
                                   {"k": key, "now": now}).first()
        blocked = row[1]
        if isinstance(blocked, str):  # SQLite returns the stored text
            blocked = datetime.fromisoformat(blocked)
        return int(row[0]), blocked


def block(key: str, attempts: int, now: datetime, max_failures: int, max_delay: int) -> datetime:
    delay = min(BASE_DELAY_SECONDS * 2 ** max(0, attempts - max_failures - 1), max_delay)
    until = now + timedelta(seconds=delay)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE login_throttle SET blocked_until = :u WHERE key = :k"),
                     {"u": until, "k": key})
    return until


def clear(key: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM login_throttle WHERE key = :k"), {"k": key})
