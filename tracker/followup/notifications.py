"""Notifications of the follow-up workflow: who is told, and marking a task's notifications read
when the task is done (``task_done``)."""
from __future__ import annotations

from flask import url_for

from ..extensions import db
from ..models import Action, Notification, Plan, User, user_units
from ..models._base import utcnow
from .workflow import _atomic


def admins() -> list[User]:
    return User.query.filter_by(role="admin", active=True).all()


def inspectors() -> list[User]:
    return User.query.filter_by(role="inspector", active=True).all()


def managers_of(unit_id: int) -> list[User]:
    return (User.query.join(user_units, user_units.c.user_id == User.id)
            .filter(user_units.c.unit_id == unit_id, User.role == "manager", User.active.is_(True)).all())


def notify(users, message: str, link: str | None = None, topic: str | None = None) -> None:
    for u in users:
        db.session.add(Notification(user_id=u.id, message=message[:2000], link=link, topic=topic))


def task_done(*topics: str) -> None:
    """The tasks named by ``topics`` are done: mark every unread notification about them read,
    so badges count only what is still open."""
    if topics:
        (Notification.query.filter(Notification.topic.in_(topics), Notification.read_at.is_(None))
         .update({Notification.read_at: utcnow()}, synchronize_session=False))


def link(endpoint: str, **values) -> str | None:
    """The address a notification points at, or None outside a request (e.g. in a job)."""
    try:
        return url_for(endpoint, **values)
    except RuntimeError:
        return None


def _plan_link(plan: Plan) -> str | None:
    return link("followup.plan", code=plan.period.code, unit_id=plan.unit_id)


def _action_link(action: Action) -> str | None:
    return link("followup.action", action_id=action.id)


def _review_link() -> str | None:
    return link("followup.review_queue")


@_atomic
def mark_read(user, notification_id: int | None = None) -> int:
    q = Notification.query.filter(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        q = q.filter(Notification.id == notification_id)
    n = 0
    for row in q.all():
        row.read_at = utcnow()
        n += 1
    return n
