"""Rate limits shared by every worker process and host: a counter per (who, fixed window) in
the database, taken with one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``,
the same statement on PostgreSQL and SQLite), in its own short transaction so a refused or
failed request is counted too.

``who`` is hashed with its scope before it is stored: counters hold no client address, device
id or API token. Limits are written ``"hits/seconds"`` (``"60/600"``: 60 per 10 minutes).
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from ..extensions import db

_UPSERT = text(
    "INSERT INTO rate_counter (key, slot, hits, expires_at) VALUES (:key, :slot, 1, :expires) "
    "ON CONFLICT (key, slot) DO UPDATE SET hits = rate_counter.hits + 1 RETURNING hits")


@dataclass(frozen=True)
class Limit:
    hits: int
    seconds: int

    @classmethod
    def parse(cls, spec: str) -> "Limit":
        """``"60/600"`` -> 60 hits per 600 seconds; raises ValueError on anything else."""
        hits, _, seconds = str(spec).partition("/")
        limit = cls(int(hits), int(seconds))
        if limit.hits < 1 or limit.seconds < 1:
            raise ValueError(f"rate limit must be positive: {spec!r}")
        return limit


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int          # hits in the current window, this one included
    limit: Limit
    retry_after: int   # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit.hits - self.hits)


def counter_key(scope: str, who: str) -> str:
    return hashlib.sha256(f"{scope}\x1f{who}".encode()).hexdigest()


def hit(scope: str, who: str, limit: Limit, now: float | None = None) -> Verdict:
    """Count one request of ``who`` under ``scope``; allowed while the window's hits (this one
    included) are within the limit."""
    return hit_many([(scope, who, limit)], now)[0]


def hit_many(checks, now: float | None = None) -> list[Verdict]:
    """Count one request under several (scope, who, limit) at once, in one short transaction
    (one pool checkout instead of one per limit: the public questionnaire checks two)."""
    now = time.time() if now is None else now
    out = []
    with db.engine.begin() as conn:
        for scope, who, limit in checks:
            window = int(now // limit.seconds)
            ends = (window + 1) * limit.seconds
            expires = datetime.fromtimestamp(ends, timezone.utc).replace(tzinfo=None) + timedelta(minutes=1)
            hits = conn.execute(_UPSERT, {"key": counter_key(scope, who), "slot": window,
                                          "expires": expires}).scalar_one()
            out.append(Verdict(hits <= limit.hits, int(hits), limit, max(1, int(ends - now))))
    return out


def peek(scope: str, who: str, limit: Limit, now: float | None = None) -> Verdict:
    """The current window's count for ``who`` without counting this request (a gate that
    counts only failures reads it first)."""
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    with db.engine.connect() as conn:
        hits = conn.execute(text("SELECT hits FROM rate_counter WHERE key = :key AND slot = :slot"),
                            {"key": counter_key(scope, who), "slot": window}).scalar() or 0
    return Verdict(hits < limit.hits, int(hits), limit, max(1, int((window + 1) * limit.seconds - now)))


def prune(now: datetime) -> int:
    """Forget windows that ended (the daily job)."""
    with db.engine.begin() as conn:
        return conn.execute(text("DELETE FROM rate_counter WHERE expires_at < :now"), {"now": now}).rowcount
