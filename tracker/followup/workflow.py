"""Shared pieces of the follow-up workflow: errors, optimistic locking, one transaction per
change, and the dictionaries the audit trail records."""
from __future__ import annotations

from contextlib import contextmanager
import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Action, Plan, ProgressEntry
from ..models.followup import PLAN_DRAFT, PLAN_RETURNED



STALE_MESSAGE = ("Data telah diubah oleh pengguna lain. Muat ulang halaman untuk melihat "
                 "perubahan terbaru, lalu ulangi perubahan Anda.")
MAX_ACTION_TEXT = 2000
MAX_PRIORITIES = 3
EDITABLE = (PLAN_DRAFT, PLAN_RETURNED)


class WorkflowError(Exception):
    """A refused workflow step; the message is shown to the user (Bahasa Indonesia)."""

    status = 400

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class StaleError(WorkflowError):
    status = 409

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)


class ReportLocked(StaleError):
    """A report waiting for the inspector (``submitted``) is immutable until it is reviewed, and
    its action cannot be deleted meanwhile: a conflict with the current state (HTTP 409)."""

    def __init__(self, message: str):
        super().__init__(message)


# --------------------------------------------------------------------------- helpers

def check_version(obj, version) -> None:
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise StaleError() from None
    if obj is None or expected != obj.version:
        raise StaleError()


@contextmanager
def _conflicts_reported():
    """Roll back on any error, and say what a concurrent save means in the domain's words."""
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise StaleError() from None
    except IntegrityError:
        # e.g. the same catalogue phrase or plan saved at the same moment by someone else
        db.session.rollback()
        raise WorkflowError("Data yang sama baru saja disimpan oleh pengguna lain; muat ulang "
                            "halaman lalu ulangi.") from None
    except BaseException:
        db.session.rollback()
        raise


def _commit() -> None:
    with _conflicts_reported():
        db.session.commit()


def _atomic(fn):
    """Run ``fn`` as one transaction: roll back whatever it added when it raises."""
    def wrapped(*args, **kwargs):
        with _conflicts_reported():
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


def _bump_version(model, obj, expected: int) -> None:
    """Compare-and-set on a row we do not otherwise change (claims it against concurrent use)."""
    res = db.session.execute(db.update(model).where(model.id == obj.id, model.version == expected)
                             .values(version=expected + 1))
    if res.rowcount != 1:
        raise StaleError()
    db.session.expire(obj, ["version"])


def plan_dict(plan: Plan) -> dict:
    return {"unit_id": plan.unit_id, "period": plan.period.code if plan.period else None,
            "status": plan.status, "source": plan.source,
            "override_elements": plan.override_elements, "override_reason": plan.override_reason,
            "return_comment": plan.return_comment}


def action_dict(a: Action) -> dict:
    return {"element": a.element, "text": a.text, "quarters": list(a.quarters or []),
            "owner": a.owner, "target": a.target, "not_actionable": bool(a.not_actionable),
            "carried_from_id": a.carried_from_id}


def entry_dict(e: ProgressEntry) -> dict:
    return {"action_id": e.action_id, "quarter": e.quarter, "percent": e.percent,
            "narrative": e.narrative, "evidence_name": e.evidence_name,
            "evidence_link": e.evidence_link, "status": e.status,
            "review_comment": e.review_comment, "supersedes_id": e.supersedes_id}


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").strip())
