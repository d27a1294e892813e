"""API tokens and the gate in front of every API request.

A token is ``skm_`` and 43 random URL-safe characters. Only its SHA-256 is stored
(``ApiToken.token_hash``) with its first characters (``prefix``) to name it on screens; the
whole token is shown once, when it is made. A request is authenticated only by
``Authorization: Bearer <token>``: the session cookie is never read for the API, so a page open
in a browser cannot be turned into API calls by another site (and CSRF does not apply).

Each request, in this order, before the view:

1. no bearer token: 401;
2. the client address made too many failed token checks in the current window
   (``API_AUTH_FAILURE_LIMIT``): 429, whatever token it sends now, so tokens cannot be guessed
   at speed;
3. unknown, revoked or expired token, or its user inactive: 401, and the failure is counted
   for the address;
4. the token's requests in the current window (``API_RATE_LIMIT``) beyond the limit: 429 with
   ``Retry-After``;
5. the request acts as the token's user (role and units) for the scope rules.

Counters are the shared ``rate_counter`` rows (tracker.web.ratelimit), so every worker process
and host counts together. The rate-limit counters and ``last_used_at`` are written on their own
short connections before the request's session reads anything: the request's transaction never
waits on them.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, request
from sqlalchemy import select, update

from ..extensions import db
from ..models import ApiToken, User
from ..models._base import utcnow
from ..web import ratelimit

TOKEN_PREFIX = "skm_"
PREFIX_LENGTH = 12  # what screens show: "skm_" and 8 characters
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours: refused before hashing
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is rewritten at most this often
MAX_ACTIVE_TOKENS = 20  # per user
SCOPE_TOKEN = "api"
SCOPE_FAILURE = "api-auth-failure"

MESSAGES = {
    "missing": "Token API diperlukan: kirim header Authorization: Bearer <token>.",
    "invalid": "Token API tidak valid, sudah kedaluwarsa atau sudah dicabut.",
    "blocked": "Terlalu banyak percobaan token API yang gagal dari alamat ini. Coba lagi dalam "
               "{wait} detik.",
    "limited": "Batas permintaan API untuk token ini terlampaui. Coba lagi dalam {wait} detik.",
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class NewToken:
    row: ApiToken
    token: str  # shown once, never stored


def create_token(user: User, name: str, expires_at: datetime | None) -> NewToken:
    """Add a token for ``user`` to the session (the caller commits)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token),
                   prefix=token[:PREFIX_LENGTH], expires_at=expires_at)
    db.session.add(row)
    return NewToken(row, token)


def is_active(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def active_count(user_id: int) -> int:
    now = utcnow()
    return (ApiToken.query.filter(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
                                  (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
            .count())


class Refused(Exception):
    """The gate's answer: status, message and headers (rendered as the API's JSON error)."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _clock() -> float:
    """Seconds since the epoch (tests move it to cross rate-limit windows)."""
    return time.time()


def _limit(name: str) -> ratelimit.Limit:
    return ratelimit.Limit.parse(current_app.config[name])


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _find(token: str):
    t, u = ApiToken.__table__, User.__table__
    with db.engine.connect() as conn:
        return conn.execute(
            select(t.c.id, t.c.user_id, t.c.expires_at, t.c.revoked_at, t.c.last_used_at,
                   t.c.prefix, u.c.active)
            .join(u, u.c.id == t.c.user_id).where(t.c.token_hash == hash_token(token))).first()


def authenticate() -> tuple[User, str]:
    """Check the request's bearer token (see the module's docstring); returns (user, the
    token's prefix) or raises Refused."""
    token = _bearer()
    if token is None:
        raise Refused(401, MESSAGES["missing"], {"WWW-Authenticate": 'Bearer realm="api"'})
    address = request.remote_addr or "-"
    now = _clock()
    failure_limit = _limit("API_AUTH_FAILURE_LIMIT")
    # Read only: a request with a good token does not count as a failure.
    failures = ratelimit.peek(SCOPE_FAILURE, address, failure_limit, now)
    if not failures.allowed:
        wait = failures.retry_after
        raise Refused(429, MESSAGES["blocked"].format(wait=wait), {"Retry-After": str(wait)})
    row = _find(token) if len(token) <= MAX_TOKEN_LENGTH else None
    utc_now = utcnow()
    if row is None or not row.active or not is_active(row, utc_now):
        verdict = ratelimit.hit(SCOPE_FAILURE, address, failure_limit, now)
        if not verdict.allowed:
            raise Refused(429, MESSAGES["blocked"].format(wait=verdict.retry_after),
                          {"Retry-After": str(verdict.retry_after)})
        raise Refused(401, MESSAGES["invalid"],
                      {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    limit = _limit("API_RATE_LIMIT")
    verdict = ratelimit.hit(SCOPE_TOKEN, str(row.id), limit, now)
    g.api_rate = verdict
    if not verdict.allowed:
        raise Refused(429, MESSAGES["limited"].format(wait=verdict.retry_after),
                      {"Retry-After": str(verdict.retry_after), **rate_headers(verdict)})
    if row.last_used_at is None or row.last_used_at < utc_now - LAST_USED_EVERY:
        t = ApiToken.__table__
        with db.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == row.id).values(last_used_at=utc_now))
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:  # deleted or deactivated since the read above
        raise Refused(401, MESSAGES["invalid"])
    return user, row.prefix


def rate_headers(verdict: ratelimit.Verdict) -> dict:
    return {"X-RateLimit-Limit": str(verdict.limit.hits),
            "X-RateLimit-Remaining": str(verdict.remaining),
            "X-RateLimit-Reset": str(verdict.retry_after)}
