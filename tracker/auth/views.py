"""Login and logout. Repeated failures from one client address on one account wait, longer
each time (tracker.auth.throttle, counted in the database for every worker)."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, login_manager
from ..models import User
from ..models._base import utcnow
from ..web.cache import KEEP_SECONDS, GenerationKept
from . import throttle
from .forms import LoginForm

bp = Blueprint("auth", __name__)


# user id -> the user with its units, detached: every committed ORM change advances the
# generation (tracker.web.cache), so a snapshot of the current generation is the row as the
# database has it, in any process. A process that dies between a commit and the counter's
# advance leaves the counter behind: a snapshot is read again after SNAPSHOT_SECONDS anyway (a
# deactivated user is refused within a minute even then).
_snapshots = GenerationKept()
SNAPSHOT_SECONDS = KEEP_SECONDS


def _detached_copy(user: User) -> User:
    """A copy of the loaded user and its units that belongs to no session (copied without a
    query by an unbound session, then let go)."""
    holder = Session()
    try:
        return holder.merge(user, load=False)
    finally:
        holder.expunge_all()


def _current_row(user_id: int) -> User | None:
    """The user, attached to this request's session. While nothing has changed since another
    request of this process read it, the snapshot kept then is merged in without a query:
    a page served from the page store then costs one query (the generation) instead of three."""
    kept = _snapshots.kept(user_id)
    if kept is not None:
        return db.session.merge(kept, load=False)
    user = db.session.get(User, user_id)  # its units come with it (selectin)
    if user is not None:
        _snapshots.keep(user_id, _detached_copy(user))
    return user


_unread = GenerationKept()  # user id -> unread notifications


def unread_notifications(user) -> int:
    """The user's unread notifications (the badge on every page), counted once per data
    generation and process: a notification written or read is an ORM change, which advances
    the generation."""
    from ..models import Notification
    return _unread.get(user.id, lambda: Notification.query.filter_by(user_id=user.id, read_at=None).count())


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, while the session is still one of theirs: a session opened before
    the user's last logout, password change or deactivation is no longer accepted."""
    user = _current_row(int(user_id))
    if user is None or not user.active or session.get("sv") != user.session_version:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = "Silakan masuk terlebih dahulu."


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


# A hash of a random password, checked when the e-mail is unknown (equal work, equal time).
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        key = throttle.key_for(email, request.remote_addr)
        now = utcnow()
        attempts, blocked_until = throttle.take_number(key, now)
        max_failures = current_app.config["LOGIN_MAX_FAILURES"]
        if blocked_until is not None and blocked_until > now or attempts > max_failures:
            if blocked_until is None or blocked_until <= now:
                blocked_until = throttle.block(key, attempts, now, max_failures,
                                               current_app.config["LOGIN_MAX_DELAY_SECONDS"])
            wait = max(1, int((blocked_until - now).total_seconds()))
            flash(f"Terlalu banyak percobaan masuk yang gagal dari alamat ini. Coba lagi dalam "
                  f"{wait} detik.", "error")
            return render_template("auth/login.html", form=form), 429
        user = User.query.filter(db.func.lower(User.email) == email).first()
        # The same hash work for an unknown address, so time does not tell which e-mails exist.
        valid = (user.check_password(form.password.data) if user is not None
                 else check_password_hash(_DUMMY_HASH, form.password.data))
        if user is not None and user.active and valid:
            throttle.clear(key)
            login_user(user)
            session["sv"] = user.session_version
            # A new CSRF secret for the signed-in session: tokens seen before login stop working.
            session.pop("csrf_token", None)
            g.pop("csrf_token", None)  # Flask-WTF keeps this request's token in g as well
            generate_csrf()
            return redirect(_safe_next(request.args.get("next")))
        flash("Email atau kata sandi salah.", "error")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        current_user.end_sessions()  # logging out ends every session of this user
        db.session.commit()
    logout_user()
    flash("Anda telah keluar.", "info")
    return redirect(url_for("auth.login"))
