"""Daily deadline check: in-app notifications (and email when SMTP is configured) for plans,
quarterly progress and reporting rounds that are due soon or overdue.

Safe to run on many workers at once: every notification has a dedupe key, so a second run
creates nothing new. With Redis, `schedule_daily` keeps one scheduled run queued (fixed job id);
without Redis, `flask --app wsgi skm check-deadlines` runs the same check (e.g. from cron).
"""
from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

log = logging.getLogger(__name__)

DUE_WINDOW_DAYS = 7
DAILY_JOB_ID = "skm-daily-deadline-check"


def _link(endpoint, **values) -> str | None:
    """A link for the notification when an app context can build it (the daily job)."""
    from flask import url_for
    try:
        return url_for(endpoint, **values)
    except RuntimeError:
        return None


def _notify(user, message, link, key, topic=None) -> bool:
    from tracker.extensions import db
    from tracker.models import Notification

    if Notification.query.filter_by(dedupe_key=key).first() is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Notification(user_id=user.id, message=message, link=link, dedupe_key=key,
                                        topic=topic))
    except IntegrityError:  # another worker created it first
        return False
    return True


def check_deadlines(today: date | None = None) -> int:
    """Create notifications for what is due or overdue on ``today``; returns how many."""
    from flask import current_app

    from tracker.domain import realisation as R
    from tracker.extensions import db
    from tracker.followup.rates import entries_of
    from tracker.models import Action, Plan, Period, User, UnitResult, ImportBatch

    today = today or date.today()
    created = 0
    managers_by_unit: dict[int, list] = {}
    for user in User.query.filter_by(role="manager", active=True).all():
        for unit in user.units:
            managers_by_unit.setdefault(unit.id, []).append(user)
    inspectors = User.query.filter_by(role="inspector", active=True).all()

    periods = Period.query.filter_by(status="open").all()
    for period in periods:
        # Plan submission deadline: every unit with results in the period should have submitted.
        if period.plan_deadline:
            days_left = (period.plan_deadline - today).days
            if days_left <= DUE_WINDOW_DAYS:
                plans = {p.unit_id: p for p in Plan.query.filter_by(period_id=period.id).all()}
                unit_ids = {uid for (uid,) in db.session.query(UnitResult.unit_id)
                            .join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
                            .filter(UnitResult.period_id == period.id, ImportBatch.status == "active")}
                unit_ids |= set(plans)
                for uid in unit_ids:
                    plan = plans.get(uid)
                    if plan is not None and plan.status in ("submitted", "accepted"):
                        continue
                    state = "overdue" if days_left < 0 else "due"
                    text = (f"RTL periode {period.code} terlambat (tenggat {period.plan_deadline:%d-%m-%Y})."
                            if state == "overdue" else
                            f"RTL periode {period.code} harus diajukan paling lambat {period.plan_deadline:%d-%m-%Y}.")
                    for user in managers_by_unit.get(uid, []):
                        created += _notify(user, text, _link("followup.plan", code=period.code, unit_id=uid),
                                           f"plan:{period.id}:{uid}:{state}:{user.id}",
                                           topic=f"plan-write:{period.id}:{uid}")
        # Quarterly progress deadlines of accepted plans.
        plans = (Plan.query.filter_by(period_id=period.id, status="accepted")
                 .options(selectinload(Plan.actions).selectinload(Action.entries), selectinload(Plan.unit)).all())
        for plan in plans:
            for action in plan.actions:
                if action.not_actionable:
                    continue
                entries = entries_of(action)
                for q in R.due_quarters(action.quarters, entries, today, period.progress_grace_days, DUE_WINDOW_DAYS):
                    for user in managers_by_unit.get(plan.unit_id, []):
                        created += _notify(user, f"Laporan realisasi {q} untuk \"{action.text[:80]}\" "
                                                 f"({plan.unit.name}) jatuh tempo segera.",
                                           _link("followup.action", action_id=action.id),
                                           f"due:{action.id}:{q}:{user.id}", topic=f"report:{action.id}:{q}")
                for q in R.overdue_quarters(action.quarters, entries, today, period.progress_grace_days):
                    text = (f"Realisasi {q} untuk \"{action.text[:80]}\" ({plan.unit.name}) terlambat: "
                            f"belum ada laporan.")
                    for user in managers_by_unit.get(plan.unit_id, []) + inspectors:
                        created += _notify(user, text, _link("followup.action", action_id=action.id),
                                           f"overdue:{action.id}:{q}:{user.id}", topic=f"report:{action.id}:{q}")
    # Reporting rounds: three days before the deadline and on it, to units that have not reported.
    from tracker.reporting.service import check_round_deadlines
    created += check_round_deadlines(today, lambda user, text, link, key, topic:
                                     _notify(user, text, link, key, topic=topic))
    db.session.commit()
    # Rate-limit windows that ended (the questionnaire's and the API's counters).
    from tracker.models._base import utcnow
    from tracker.web.ratelimit import prune
    prune(utcnow())
    if current_app.config.get("SMTP_HOST"):
        send_pending_email()
    return created


def send_pending_email() -> int:
    """Email notifications not yet emailed (only when SMTP settings are given)."""
    from flask import current_app

    from tracker.extensions import db
    from tracker.models import Notification
    from tracker.models._base import utcnow

    cfg = current_app.config
    pending = Notification.query.filter(Notification.emailed_at.is_(None)).limit(500).all()
    if not pending:
        return 0
    sent = 0
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
        if cfg.get("SMTP_USER"):
            smtp.starttls()
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"] or "")
        for n in pending:
            msg = EmailMessage()
            msg["Subject"] = "Pengingat tindak lanjut SKM"
            msg["From"] = cfg["SMTP_FROM"]
            msg["To"] = _email_of(n.user_id)
            msg.set_content(n.message)
            smtp.send_message(msg)
            n.emailed_at = utcnow()
            sent += 1
    db.session.commit()
    return sent


def _email_of(user_id):
    from tracker.extensions import db
    from tracker.models import User
    return db.session.get(User, user_id).email


def daily_deadline_job():
    """RQ job: run the check in an app context, then queue tomorrow's run."""
    from jobs.context import app_context
    with app_context() as app:
        try:
            count = check_deadlines()
            log.info("deadline check created %s notifications", count)
        finally:
            schedule_daily(app)
    return count


def schedule_daily(app, at: time = time(1, 0)) -> str | None:
    """Keep exactly one scheduled daily run queued (fixed job id). Needs `rq worker --with-scheduler`."""
    from jobs.queue import get_queue

    queue = get_queue(app)
    if queue is None:
        return None
    now = datetime.utcnow()
    run_at = datetime.combine(now.date(), at)
    if run_at <= now:
        run_at += timedelta(days=1)
    job = queue.enqueue_at(run_at, "jobs.reminders.daily_deadline_job", job_id=DAILY_JOB_ID)
    return job.id
