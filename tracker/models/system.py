"""Users, notifications, audit trail and export jobs."""
from __future__ import annotations

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ._base import utcnow

ROLES = ("admin", "inspector", "manager")
ROLE_LABELS = {"admin": "Bagian Organisasi (admin)", "inspector": "Inspektorat",
               "manager": "Pengelola unit"}

user_units = db.Table(
    "user_units",
    db.Column("user_id", db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    db.Column("unit_id", db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), nullable=False, unique=True)
    name = db.Column(db.String(255))
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    failed_logins = db.Column(db.Integer, nullable=False, default=0)
    locked_until = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Every session remembers the version it was opened with; advancing it (logout, password
    # change, deactivation) ends every session of this user (tracker.auth.views.load_user).
    session_version = db.Column(db.Integer, nullable=False, default=1, server_default="1")

    units = db.relationship("Unit", secondary=user_units, lazy="selectin", order_by="Unit.name")

    def set_password(self, password: str) -> None:
        if self.password_hash is not None:
            self.end_sessions()  # a changed password ends the sessions opened with the old one
        self.password_hash = generate_password_hash(password)

    def end_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def unit_ids(self) -> set[int]:
        return {u.id for u in self.units}

    @property
    def display(self) -> str:
        return self.name or self.email


class Notification(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    message = db.Column(db.Text, nullable=False)
    link = db.Column(db.String(255))
    # The daily check may run on many workers; one key per (user, thing, day) keeps it idempotent.
    dedupe_key = db.Column(db.String(255), unique=True)
    # The task a notification asks for ("review:12", "plan-decision:3"): when the task is done,
    # every unread notification about it is marked read (tracker.followup.service.task_done).
    topic = db.Column(db.String(100), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime)
    emailed_at = db.Column(db.DateTime)


class AuditLog(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    user_label = db.Column(db.String(255))
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), index=True)
    entity = db.Column(db.String(30), nullable=False)
    entity_id = db.Column(db.Integer)
    event = db.Column(db.String(30), nullable=False)
    before = db.Column(db.JSON)
    after = db.Column(db.JSON)

    user = db.relationship("User")

    __table_args__ = (db.Index("ix_audit_log_entity", "entity", "entity_id"),)


class ExportJob(db.Model):
    id = db.Column(db.String(36), primary_key=True)
    kind = db.Column(db.String(20), nullable=False)  # period | unit
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"))
    status = db.Column(db.String(10), nullable=False, default="queued")
    progress = db.Column(db.Integer, nullable=False, default=0)
    message = db.Column(db.String(255))
    file_path = db.Column(db.String(255))
    # The address the export was asked from: evidence links become full URLs with it when
    # PUBLIC_BASE_URL is not set (a worker has no request to read it from).
    base_url = db.Column(db.String(255))
    error = db.Column(db.Text)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)

    period = db.relationship("Period")
    unit = db.relationship("Unit")


class DataGeneration(db.Model):
    """One row whose value grows after every committed change (tracker.web.cache): rendered
    pages are kept per generation, which every process and host reads from the database."""
    __tablename__ = "data_generation"
    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.BigInteger, nullable=False)


class ChangeCount(db.Model):
    """The city's change counts (``city``: anything a page shows; ``results``: what the recap
    shows), in shards (tracker.changes): every change adds one to a shard of its kind; the sums
    only grow."""
    __tablename__ = "change_count"
    kind = db.Column(db.String(10), primary_key=True)
    shard = db.Column(db.Integer, primary_key=True, autoincrement=False)
    value = db.Column(db.BigInteger, nullable=False)


class HomePage(db.Model):
    """A home page's tasks (tracker.home.kept) as JSON, for one role and scope, computed on
    ``day`` (deadlines are judged by it) under the city's change count ``count``."""
    __tablename__ = "home_page"
    key = db.Column(db.String(64), primary_key=True)
    count = db.Column(db.BigInteger, nullable=False)
    day = db.Column(db.Date, nullable=False)
    body = db.Column(db.Text, nullable=False)


class RecapPage(db.Model):
    """A period recap's figures (tracker.results.recap_kept) as JSON, for one period,
    aggregation and scope, computed under the city's ``results`` count."""
    __tablename__ = "recap_page"
    key = db.Column(db.String(64), primary_key=True)
    count = db.Column(db.BigInteger, nullable=False)
    body = db.Column(db.Text, nullable=False)


class PageStore(db.Model):
    """Rendered pages shared by every process and host (tracker.web.cache): a page rendered by
    one gunicorn worker is reused by the others until the data generation moves on."""
    __tablename__ = "page_store"
    key = db.Column(db.String(64), primary_key=True)
    generation = db.Column(db.BigInteger, nullable=False, index=True)
    expires_at = db.Column(db.DateTime, nullable=False)
    body = db.Column(db.LargeBinary, nullable=False)  # zlib-compressed HTML


class LoginThrottle(db.Model):
    """Attempts per (e-mail, client address), kept for every worker (tracker.auth.throttle)."""
    __tablename__ = "login_throttle"
    key = db.Column(db.String(64), primary_key=True)  # sha256 of the e-mail and the address
    attempts = db.Column(db.Integer, nullable=False)
    blocked_until = db.Column(db.DateTime)
    last_at = db.Column(db.DateTime, nullable=False)


class RateCounter(db.Model):
    """Requests counted per (who, fixed window), shared by every worker and host
    (tracker.web.ratelimit): the public questionnaire per client address and device, the API
    per token. ``key`` is a hash, never the address or token itself."""
    __tablename__ = "rate_counter"
    key = db.Column(db.String(64), primary_key=True)
    slot = db.Column(db.BigInteger, primary_key=True)  # seconds since the epoch // window length
    hits = db.Column(db.Integer, nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)


class ApiToken(db.Model):
    """A user's token for the JSON API: it acts as that user (role and units). Only a hash of
    the token is kept; ``prefix`` (its first characters) names it on screens."""
    __tablename__ = "api_token"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime)
    expires_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)

    user = db.relationship("User")
