"""Follow-up (RTL) workflow: plans, actions, progress, verification, carry-over, catalogue,
evidence files and notifications. Views stay thin and call these functions; each public
function that changes data is one transaction (commit on success, rollback on any error) and
writes its audit rows in that same transaction.

Plan state machine (tracker.models.followup):

    draft --submit--> submitted --accept--> accepted
                         |
                         +--return--> returned --submit--> submitted

Actions are written while the plan is ``draft`` or ``returned``; progress is logged only on
``accepted`` plans. No action stays unscheduled: a plan is not submitted while an action has no
quarter, and the only change allowed on an accepted plan's action is giving an unscheduled one
its quarters (``schedule_action``: the unit's manager or the admin, audited). Progress entries
are never overwritten: an inspector verifies or rejects a ``submitted`` entry, and a rejected
entry is answered by a new entry with ``supersedes_id``. A report under review (``submitted``)
cannot be edited: the ORM refuses any change to it but the review itself, and its action is
neither changed nor deleted while it waits (:class:`ReportLocked`, HTTP 409).

Optimistic locking: every form carries the row's ``version``; a mismatch (or SQLAlchemy's own
version check at flush) raises :class:`StaleError` and nothing is changed.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
import re
import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

from flask import current_app, url_for
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..audit import record
from ..domain import elements as el
from ..domain import periods as P
from ..domain import realisation as R
from ..extensions import db
from ..models import (Action, CatalogueAction, Notification, Period, Plan, ProgressEntry, Unit,
                      User, user_units)
from ..models._base import utcnow
from ..models.followup import (PLAN_ACCEPTED, PLAN_DRAFT, PLAN_RETURNED, PLAN_STATUS_LABELS,
                               PLAN_SUBMITTED)
from . import rates

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


# --------------------------------------------------------------------------- priorities

def derived_priorities(unit: Unit, period_code: str) -> list[str]:
    """The three lowest elements of the unit's result (scoring.priority_elements)."""
    from ..results.service import unit_views
    views = unit_views(period_code, {unit.id})
    return list(views[0].priorities) if views else []


def effective_priorities(plan: Plan | None, derived: list[str]) -> list[str]:
    if plan is not None and plan.override_elements:
        return list(plan.override_elements)
    return list(derived)


def period_elements(period: Period | None) -> list[str]:
    keys = list(period.element_keys) if period is not None and period.element_keys else list(el.CURRENT_KEYS)
    return [k for k in keys if k in el.ELEMENTS]


def plan_window(period_code: str) -> list[str]:
    """Quarter codes offered for planning: the quarter the period ends in and the next four."""
    return [q.code for q in P.parse_period(period_code).plan_quarters()]


def quarter_choices(plan: Plan, action: Action | None = None) -> list[str]:
    codes = set(plan_window(plan.period.code))
    if action is not None:
        codes |= set(action.quarters or [])
    return [q.code for q in sorted(P.parse_quarter(c) for c in codes)]


def progress_quarters(action: Action) -> list[str]:
    """Quarters progress can be reported for: the planned ones (the window if unscheduled)."""
    codes = list(action.quarters or []) or plan_window(action.plan.period.code)
    return [q.code for q in sorted({P.parse_quarter(c) for c in codes})]


# --------------------------------------------------------------------------- plans

def get_plan(unit_id: int, period: Period | None) -> Plan | None:
    if period is None:
        return None
    from sqlalchemy.orm import selectinload
    return (Plan.query.filter_by(unit_id=unit_id, period_id=period.id)
            .options(selectinload(Plan.actions).selectinload(Action.entries)).first())


def _new_plan(unit: Unit, period_code: str, user) -> Plan:
    from ..results.service import ensure_period
    period = ensure_period(period_code)
    if get_plan(unit.id, period) is not None:
        raise WorkflowError(f"RTL {unit.name} untuk periode {period.code} sudah ada.")
    plan = Plan(unit_id=unit.id, period_id=period.id, status=PLAN_DRAFT, source="web")
    db.session.add(plan)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise WorkflowError(f"RTL {unit.name} untuk periode {period.code} baru saja dibuat oleh "
                            "pengguna lain; muat ulang halaman.") from None
    carried = carry_over(plan, user)
    record("plan", plan.id, "create", unit_id=unit.id, user=user,
           after=dict(plan_dict(plan), carried_actions=[a.id for a in carried]))
    return plan


@_atomic
def create_plan(unit: Unit, period_code: str, user) -> Plan:
    return _new_plan(unit, period_code, user)


def carried_quarters(old: Action, window: list[str]) -> list[str]:
    """Quarters pre-filled for a carried action in the new plan's window (editable before the
    plan is submitted). As many quarters as the old action had left (its planned quarters
    without a verified report; at least one, at most the window), starting at the first window
    quarter after the old action's last planned quarter, else at the window's first quarter;
    when the window ends first, its last quarters."""
    if not window:
        return []
    planned = sorted({P.parse_quarter(q) for q in (old.quarters or [])})
    verified = {P.parse_quarter(q) for q in R.verified_quarters(rates.entries_of(old))}
    remaining = sum(1 for q in planned if q not in verified)
    count = min(max(remaining, 1), len(window))
    start = 0
    if planned:
        later = [i for i, code in enumerate(window) if P.parse_quarter(code) > planned[-1]]
        start = later[0] if later else 0
    start = min(start, len(window) - count)
    return list(window[start:start + count])


def carry_over(plan: Plan, user) -> list[Action]:
    """Copy the unfinished actions (realisation < 100, not marked impossible) of the unit's plan
    for the previous period into ``plan``, each pointing at its origin (carried_from_id) and
    rescheduled in the new plan's window (``carried_quarters``). The old action and its entries
    are left as they are: the chain keeps the history."""
    prev_period = rates.previous_period(plan.period.code)
    if prev_period is None:
        return []
    prev = get_plan(plan.unit_id, prev_period)
    if prev is None:
        return []
    window = plan_window(plan.period.code)
    carried = []
    for a in prev.actions:
        if a.not_actionable or rates.action_state(a).realisation >= 100:
            continue
        new = Action(element=a.element, text=a.text, owner=a.owner, target=a.target,
                     quarters=carried_quarters(a, window),
                     carried_from_id=a.id, created_by_id=getattr(user, "id", None))
        plan.actions.append(new)
        db.session.flush()
        record("action", new.id, "carry_over", unit_id=plan.unit_id, user=user,
               before={"from_action": a.id, "from_period": prev_period.code,
                       "realisation": rates.action_state(a).realisation},
               after=action_dict(new))
        carried.append(new)
    return carried


def has_carried_actions(plan: Plan) -> bool:
    ids = [a.id for a in plan.actions]
    return bool(ids) and db.session.query(Action.id).filter(Action.carried_from_id.in_(ids)).first() is not None


def _require_editable(plan: Plan) -> None:
    if plan.status not in EDITABLE:
        raise WorkflowError(f"RTL berstatus {PLAN_STATUS_LABELS[plan.status]} tidak dapat diubah; "
                            "kegiatan hanya dapat diubah saat berstatus Draf atau Dikembalikan.")


def pending_reports(action: Action) -> list[ProgressEntry]:
    """The action's reports waiting for the inspector, as stored (a report sent by someone else
    since the page was loaded counts)."""
    return (ProgressEntry.query.filter(ProgressEntry.action_id == action.id,
                                       ProgressEntry.status == R.SUBMITTED)
            .order_by(ProgressEntry.id).all())


def _require_no_pending(action: Action, verb: str) -> None:
    """A report under review cannot be edited: its action is neither changed nor deleted."""
    waiting = pending_reports(action)
    if waiting:
        quarters = ", ".join(dict.fromkeys(e.quarter for e in waiting))
        raise ReportLocked(f"Kegiatan ini memiliki laporan kemajuan yang sedang menunggu verifikasi "
                           f"Inspektorat (triwulan {quarters}); kegiatan tidak dapat {verb} sampai "
                           "laporan itu diperiksa.")


@dataclass
class ActionInput:
    element: str
    text: str
    quarters: list[str]
    owner: str | None
    target: str | None = None


def _validate_action(plan: Plan, data: ActionInput, action: Action | None = None) -> ActionInput:
    problems = []
    allowed_elements = set(period_elements(plan.period)) | ({action.element} if action else set())
    if data.element not in allowed_elements:
        problems.append("Unsur tidak dikenal untuk periode ini.")
    text = (data.text or "").strip()
    if not text:
        problems.append("Program/kegiatan wajib diisi (atau pilih dari katalog).")
    elif len(text) > MAX_ACTION_TEXT:
        problems.append(f"Program/kegiatan paling banyak {MAX_ACTION_TEXT} karakter.")
    allowed_q = set(quarter_choices(plan, action))
    bad = [q for q in data.quarters if q not in allowed_q]
    if bad:
        problems.append("Triwulan di luar jendela rencana: " + ", ".join(bad))
    owner = _clean(data.owner) or None
    if owner is None:
        problems.append("Penanggung jawab wajib diisi.")
    elif len(owner) > 255:
        problems.append("Penanggung jawab paling banyak 255 karakter.")
    target = _clean(data.target) or None
    if target and len(target) > 255:
        problems.append("Target paling banyak 255 karakter.")
    if problems:
        raise WorkflowError(" ".join(problems))
    quarters = [q.code for q in sorted({P.parse_quarter(q) for q in data.quarters})]
    return ActionInput(data.element, text, quarters, owner, target)


@_atomic
def add_action(plan: Plan, data: ActionInput, user) -> Action:
    _require_editable(plan)
    data = _validate_action(plan, data)
    action = Action(element=data.element, text=data.text, quarters=data.quarters,
                    owner=data.owner, target=data.target, created_by_id=getattr(user, "id", None))
    plan.actions.append(action)
    db.session.flush()
    grow_catalogue(data.element, data.text)
    record("action", action.id, "create", unit_id=plan.unit_id, user=user, after=action_dict(action))
    return action


@_atomic
def update_action(action: Action, version, data: ActionInput, user) -> Action:
    check_version(action, version)
    _require_no_pending(action, "diubah")
    _require_editable(action.plan)
    data = _validate_action(action.plan, data, action)
    before = action_dict(action)
    text_changed = data.text != action.text or data.element != action.element
    action.element, action.text, action.quarters = data.element, data.text, data.quarters
    action.owner, action.target = data.owner, data.target
    after = action_dict(action)
    if before == after:
        return action
    db.session.flush()
    if text_changed:
        grow_catalogue(data.element, data.text)
    record("action", action.id, "update", unit_id=action.plan.unit_id, user=user,
           before=before, after=after)
    return action


@_atomic
def delete_action(action: Action, version, user) -> None:
    check_version(action, version)
    _require_no_pending(action, "dihapus")
    _require_editable(action.plan)
    if action.entries:
        raise WorkflowError("Kegiatan yang sudah memiliki laporan kemajuan tidak dapat dihapus.")
    if db.session.query(Action.id).filter(Action.carried_from_id == action.id).first():
        raise WorkflowError("Kegiatan ini sudah dilanjutkan ke periode berikutnya; tidak dapat dihapus.")
    record("action", action.id, "delete", unit_id=action.plan.unit_id, user=user,
           before=action_dict(action))
    plan = action.plan
    plan.actions.remove(action)
    db.session.flush()


def is_unscheduled(action: Action) -> bool:
    """An action without any planned quarter ("belum dijadwalkan"): it can never be late, so a
    plan is not submitted with one and imported ones are listed until scheduled."""
    return not action.quarters


def unscheduled_of(plan: Plan) -> list[Action]:
    return [a for a in plan.actions if is_unscheduled(a)]


def _short(text: str, limit: int = 80) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def unscheduled_message(action: Action) -> str:
    name = el.ELEMENTS[action.element].short if action.element in el.ELEMENTS else action.element
    return (f"Kegiatan '{_short(action.text)}' (unsur {name}) belum dijadwalkan: pilih minimal "
            "satu triwulan.")


def uncovered_priorities(plan: Plan) -> list[str]:
    derived = derived_priorities(plan.unit, plan.period.code)
    covered = {a.element for a in plan.actions}
    return [k for k in effective_priorities(plan, derived) if k not in covered]


@_atomic
def submit_plan(plan: Plan, version, user) -> Plan:
    check_version(plan, version)
    if plan.status not in EDITABLE:
        raise WorkflowError(f"RTL berstatus {PLAN_STATUS_LABELS[plan.status]} tidak dapat diajukan.")
    if not plan.actions:
        raise WorkflowError("RTL belum berisi kegiatan; tambahkan paling sedikit satu kegiatan.")
    problems = []
    missing = uncovered_priorities(plan)
    if missing:
        problems.append("Setiap unsur prioritas memerlukan paling sedikit satu kegiatan. Belum ada "
                        "kegiatan untuk: " + ", ".join(el.ELEMENTS[k].name for k in missing) + ".")
    problems += [unscheduled_message(a) for a in unscheduled_of(plan)]
    if problems:
        raise WorkflowError(" ".join(problems))
    before = plan_dict(plan)
    plan.status = PLAN_SUBMITTED
    plan.submitted_at = utcnow()
    db.session.flush()
    record("plan", plan.id, "submit", unit_id=plan.unit_id, user=user, before=before, after=plan_dict(plan))
    notify(admins(), f"RTL {plan.unit.name} periode {plan.period.code} diajukan dan menunggu keputusan.",
           _plan_link(plan), topic=f"plan-decision:{plan.id}")
    task_done(f"plan-fix:{plan.id}", f"plan-write:{plan.period_id}:{plan.unit_id}")
    return plan


class NotAllowed(WorkflowError):
    status = 403


def may_schedule(action: Action, user) -> bool:
    """Who sets the quarters of an accepted plan's unscheduled action: the admin, or a manager
    of the action's unit."""
    role = getattr(user, "role", None)
    return role == "admin" or (role == "manager" and action.plan.unit_id in (user.unit_ids or set()))


@_atomic
def schedule_action(action: Action, version, quarters: list[str], user) -> Action:
    """Set the quarters of an unscheduled action of an accepted (or imported) plan. Only the
    quarters change: the other fields of an accepted plan stay as agreed, and an action that
    already has quarters keeps them."""
    check_version(action, version)
    plan = action.plan
    if not may_schedule(action, user):
        raise NotAllowed("Hanya pengelola unit ini atau Bagian Organisasi yang dapat menjadwalkan "
                         "kegiatan ini.")
    if plan.status != PLAN_ACCEPTED:
        raise WorkflowError("Jadwal kegiatan RTL yang belum diterima diubah melalui halaman ubah "
                            "kegiatan.")
    if not is_unscheduled(action):
        raise WorkflowError("Kegiatan ini sudah dijadwalkan; jadwal RTL yang sudah diterima tidak "
                            "dapat diubah.")
    codes = list(dict.fromkeys(q for q in (quarters or []) if q))
    if not codes:
        raise WorkflowError(unscheduled_message(action))
    allowed = set(quarter_choices(plan, action))
    bad = [q for q in codes if q not in allowed]
    if bad:
        raise WorkflowError("Triwulan di luar jendela rencana: " + ", ".join(bad))
    before = action_dict(action)
    action.quarters = [q.code for q in sorted({P.parse_quarter(q) for q in codes})]
    db.session.flush()
    record("action", action.id, "schedule", unit_id=plan.unit_id, user=user,
           before=before, after=action_dict(action))
    return action


def unscheduled_actions(unit_ids: set[int] | None, action_id: int | None = None) -> list[Action]:
    """Unscheduled actions of accepted or imported plans of ``unit_ids`` (None: every unit),
    by unit name, period and action; ``action_id`` keeps that one action only."""
    from sqlalchemy import Text, cast, or_
    from sqlalchemy.orm import contains_eager
    q = (Action.query.join(Action.plan).join(Plan.unit).join(Plan.period)
         .filter(or_(Plan.status == PLAN_ACCEPTED, Plan.source == "import"))
         .filter(or_(Action.quarters.is_(None), cast(Action.quarters, Text).in_(["[]", "null"])))
         .options(contains_eager(Action.plan).contains_eager(Plan.unit),
                  contains_eager(Action.plan).contains_eager(Plan.period))
         .order_by(Unit.name, Period.start_date, Period.end_date, Action.id))
    if unit_ids is not None:
        q = q.filter(Plan.unit_id.in_(unit_ids or {-1}))
    if action_id is not None:
        q = q.filter(Action.id == action_id)
    return [a for a in q.all() if is_unscheduled(a)]


@_atomic
def accept_plan(plan: Plan, version, user) -> Plan:
    check_version(plan, version)
    if plan.status != PLAN_SUBMITTED:
        raise WorkflowError("Hanya RTL berstatus Diajukan yang dapat diterima.")
    before = plan_dict(plan)
    plan.status = PLAN_ACCEPTED
    plan.decided_at = utcnow()
    db.session.flush()
    record("plan", plan.id, "accept", unit_id=plan.unit_id, user=user, before=before, after=plan_dict(plan))
    notify(managers_of(plan.unit_id), f"RTL {plan.unit.name} periode {plan.period.code} diterima. "
           "Kemajuan kegiatan dapat mulai dilaporkan.", _plan_link(plan))
    task_done(f"plan-decision:{plan.id}")
    return plan


@_atomic
def return_plan(plan: Plan, version, comment: str, user) -> Plan:
    check_version(plan, version)
    if plan.status != PLAN_SUBMITTED:
        raise WorkflowError("Hanya RTL berstatus Diajukan yang dapat dikembalikan.")
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError("Catatan pengembalian wajib diisi.")
    before = plan_dict(plan)
    plan.status = PLAN_RETURNED
    plan.return_comment = comment
    plan.decided_at = utcnow()
    db.session.flush()
    record("plan", plan.id, "return", unit_id=plan.unit_id, user=user, before=before, after=plan_dict(plan))
    notify(managers_of(plan.unit_id), f"RTL {plan.unit.name} periode {plan.period.code} dikembalikan: "
           f"{comment}", _plan_link(plan), topic=f"plan-fix:{plan.id}")
    task_done(f"plan-decision:{plan.id}")
    return plan


@_atomic
def override_priorities(unit: Unit, period_code: str, plan: Plan | None, version, elements: list[str],
                        reason: str, user) -> Plan:
    """The admin records a justified choice of priority elements different from the derived ones."""
    from ..results.service import ensure_period
    period = plan.period if plan is not None else ensure_period(period_code)
    allowed = period_elements(period)
    elements = [k for k in dict.fromkeys(elements or [])]
    if not elements or len(elements) > MAX_PRIORITIES:
        raise WorkflowError(f"Pilih 1 sampai {MAX_PRIORITIES} unsur prioritas.")
    bad = [k for k in elements if k not in allowed]
    if bad:
        raise WorkflowError("Unsur tidak dikenal: " + ", ".join(bad))
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Alasan penetapan unsur prioritas wajib diisi.")
    if plan is None:
        plan = _new_plan(unit, period_code, user)
    else:
        check_version(plan, version)
    derived = derived_priorities(unit, period.code)
    elements = [k for k in allowed if k in elements]
    # keep the admin's order only as the catalogue order; priorities display lowest-first
    # when derivable: sort by the derived order first, the rest after.
    order = {k: i for i, k in enumerate(derived)}
    elements.sort(key=lambda k: (order.get(k, 99), allowed.index(k)))
    before = {"elements": plan.override_elements, "reason": plan.override_reason, "derived": derived}
    plan.override_elements = elements
    plan.override_reason = reason
    plan.override_by_id = getattr(user, "id", None)
    plan.override_at = utcnow()
    db.session.flush()
    record("plan", plan.id, "override", unit_id=plan.unit_id, user=user, before=before,
           after={"elements": elements, "reason": reason, "derived": derived})
    return plan


@_atomic
def clear_override(plan: Plan, version, reason: str, user) -> Plan:
    check_version(plan, version)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Alasan wajib diisi.")
    if not plan.override_elements:
        raise WorkflowError("Tidak ada penetapan unsur prioritas yang dapat dibatalkan.")
    before = {"elements": plan.override_elements, "reason": plan.override_reason}
    plan.override_elements = None
    plan.override_reason = None
    plan.override_by_id = getattr(user, "id", None)
    plan.override_at = utcnow()
    db.session.flush()
    record("plan", plan.id, "override_cleared", unit_id=plan.unit_id, user=user, before=before,
           after={"elements": None, "reason": reason})
    return plan


@_atomic
def set_not_actionable(action: Action, version, flag: bool, reason: str, user) -> Action:
    """Admin marks an action as impossible to follow up (SIPTL 'tidak dapat ditindaklanjuti')."""
    check_version(action, version)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Alasan wajib diisi.")
    if bool(action.not_actionable) == bool(flag):
        raise WorkflowError("Status kegiatan sudah demikian.")
    before = action_dict(action)
    action.not_actionable = bool(flag)
    db.session.flush()
    record("action", action.id, "not_actionable" if flag else "actionable", unit_id=action.plan.unit_id,
           user=user, before=before, after=dict(action_dict(action), reason=reason))
    return action


# --------------------------------------------------------------------------- progress

EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff(data: bytes) -> str | None:
    """The evidence kind the content really is (magic bytes), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


@dataclass
class Evidence:
    data: bytes
    name: str
    ext: str
    mime: str


def check_evidence(storage) -> Evidence | None:
    """Validate an uploaded evidence file by size, extension and content; None when no file."""
    if storage is None or not getattr(storage, "filename", None):
        return None
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    data = storage.stream.read(limit + 1)
    # The name is only shown and offered on download: keep its last path part and drop control
    # characters (a NUL cannot be stored on PostgreSQL and means nothing to a person).
    raw = "".join(ch for ch in (storage.filename or "") if ch.isprintable())
    name = os.path.basename(raw.replace("\\", "/")).strip()[:255] or "bukti"
    if len(data) > limit:
        raise WorkflowError(f"Berkas bukti terlalu besar (maksimal {limit // (1024 * 1024) or 1} MB).")
    if not data:
        raise WorkflowError("Berkas bukti kosong.")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EVIDENCE_TYPES:
        raise WorkflowError("Jenis berkas bukti tidak diizinkan; gunakan PDF, JPG, PNG, DOCX atau XLSX.")
    kind = sniff(data)
    if kind is None or (kind != ext and not (kind == "jpg" and ext == "jpeg")):
        raise WorkflowError("Isi berkas bukti tidak sesuai dengan jenisnya (." + ext + ").")
    return Evidence(data=data, name=name, ext=ext, mime=EVIDENCE_TYPES[ext])


def _store_evidence(ev: Evidence) -> str:
    """Write the file under UPLOAD_DIR with a random name; returns the relative path."""
    root = Path(current_app.config["UPLOAD_DIR"]) / "evidence"
    root.mkdir(parents=True, exist_ok=True)
    rel = f"evidence/{secrets.token_hex(16)}.{'jpg' if ev.ext == 'jpeg' else ev.ext}"
    path = Path(current_app.config["UPLOAD_DIR"]) / rel
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "xb") as fh:
        fh.write(ev.data)
    os.replace(tmp, path)
    return rel


def evidence_file(entry: ProgressEntry) -> Path | None:
    if not entry.evidence_path:
        return None
    root = (Path(current_app.config["UPLOAD_DIR"])).resolve()
    path = (root / entry.evidence_path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def check_link(link: str | None) -> str | None:
    link = (link or "").strip()
    if not link:
        return None
    if len(link) > 1000:
        raise WorkflowError("Tautan bukti paling banyak 1000 karakter.")
    parsed = urlparse(link)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in link):
        raise WorkflowError("Tautan bukti harus berupa alamat http:// atau https:// yang lengkap.")
    return link


@dataclass
class ProgressInput:
    quarter: str
    percent: float | None
    narrative: str
    file: object = None
    link: str | None = None
    keep_evidence: bool = False  # resubmission: keep the rejected entry's stored file


def log_progress(action: Action, data: ProgressInput, user, supersedes: ProgressEntry | None = None,
                 supersedes_version=None) -> ProgressEntry:
    plan = action.plan
    if plan.status != PLAN_ACCEPTED:
        raise WorkflowError("Kemajuan hanya dapat dilaporkan untuk RTL yang sudah diterima.")
    if action.not_actionable:
        raise WorkflowError("Kegiatan ini ditandai tidak dapat ditindaklanjuti.")
    if supersedes is not None:
        check_version(supersedes, supersedes_version)
        if supersedes.action_id != action.id or supersedes.status != R.REJECTED:
            raise WorkflowError("Hanya laporan yang ditolak yang dapat diajukan ulang.")
        if ProgressEntry.query.filter_by(supersedes_id=supersedes.id).first() is not None:
            raise WorkflowError("Laporan ini sudah diajukan ulang.")
    problems = []
    if data.quarter not in progress_quarters(action):
        problems.append("Triwulan tidak termasuk jadwal kegiatan.")
    if data.percent is None or not 0 <= float(data.percent) <= 100:
        problems.append("Persentase harus antara 0 dan 100.")
    narrative = (data.narrative or "").strip()
    if not narrative:
        problems.append("Uraian kegiatan wajib diisi.")
    if problems:
        raise WorkflowError(" ".join(problems))
    link = check_link(data.link)
    evidence = check_evidence(data.file)
    reused = None
    if (evidence is None and supersedes is not None and data.keep_evidence
            and supersedes.evidence_path and evidence_file(supersedes) is not None):
        # The stored file is immutable, so the new entry may point at it too: nothing is copied
        # or overwritten, and the old entry keeps its own reference.
        reused = supersedes
    if evidence is None and reused is None and link is None and float(data.percent) > 0:
        raise WorkflowError("Lampirkan bukti (berkas atau tautan) untuk kemajuan di atas 0%.")
    pending = [e for e in action.entries if e.quarter == data.quarter and e.status == R.SUBMITTED]
    if pending:
        raise WorkflowError(f"Masih ada laporan triwulan {data.quarter} yang menunggu verifikasi.")
    rel = _store_evidence(evidence) if evidence is not None else None
    stored_here = rel
    if reused is not None:
        rel = reused.evidence_path
    try:
        if supersedes is not None:
            _bump_version(ProgressEntry, supersedes, supersedes.version)
        entry = ProgressEntry(action_id=action.id, quarter=data.quarter, percent=float(data.percent),
                              narrative=narrative, evidence_link=link,
                              evidence_path=rel,
                              evidence_name=evidence.name if evidence else (reused.evidence_name if reused else None),
                              evidence_mime=evidence.mime if evidence else (reused.evidence_mime if reused else None),
                              status=R.SUBMITTED, submitted_by_id=getattr(user, "id", None),
                              submitted_at=utcnow(),
                              supersedes_id=supersedes.id if supersedes is not None else None)
        db.session.add(entry)
        db.session.flush()
        record("progress_entry", entry.id, "resubmit" if supersedes is not None else "create",
               unit_id=plan.unit_id, user=user, after=entry_dict(entry))
        notify(inspectors(), f"Laporan kemajuan baru: {plan.unit.name}, {action.text[:80]} "
               f"({data.quarter}, {float(data.percent):g}%).", _review_link(), topic=f"review:{entry.id}")
        task_done(f"report:{action.id}:{data.quarter}",
                  *([f"resubmit:{supersedes.id}"] if supersedes is not None else []))
        _commit()
    except BaseException:
        db.session.rollback()
        if stored_here:
            try:
                (Path(current_app.config["UPLOAD_DIR"]) / stored_here).unlink()
            except OSError:
                pass
        raise
    return entry


@_atomic
def review_entry(entry: ProgressEntry, version, decision: str, comment: str, user) -> ProgressEntry:
    check_version(entry, version)
    if entry.status != R.SUBMITTED:
        raise WorkflowError("Laporan ini sudah diperiksa.")
    comment = (comment or "").strip()
    if decision not in (R.VERIFIED, R.REJECTED):
        raise WorkflowError("Pilih verifikasi atau tolak.")
    if decision == R.REJECTED and not comment:
        raise WorkflowError("Alasan penolakan wajib diisi.")
    before = entry_dict(entry)
    entry.status = decision
    entry.review_comment = comment or None
    entry.reviewed_by_id = getattr(user, "id", None)
    entry.reviewed_at = utcnow()
    db.session.flush()
    action = entry.action
    record("progress_entry", entry.id, "verify" if decision == R.VERIFIED else "reject",
           unit_id=action.plan.unit_id, user=user, before=before, after=entry_dict(entry))
    word = "diverifikasi" if decision == R.VERIFIED else "ditolak"
    msg = f"Laporan kemajuan {action.text[:80]} ({entry.quarter}) {word}."
    if comment:
        msg += f" Catatan: {comment}"
    notify(managers_of(action.plan.unit_id), msg, _action_link(action),
           topic=f"resubmit:{entry.id}" if decision == R.REJECTED else None)
    task_done(f"review:{entry.id}")
    return entry


# Only the review may change a report waiting for the inspector: its status to verified or
# rejected, with the comment, the reviewer and the time.
REVIEW_FIELDS = frozenset({"status", "review_comment", "reviewed_by_id", "reviewed_by",
                           "reviewed_at", "version"})


def _refuse_changes_under_review(mapper, connection, target) -> None:
    """Before the ORM updates a progress entry whose stored status is ``submitted``: anything
    but the review step is refused (ReportLocked, the flush and its transaction roll back).
    Whatever path tries it (a form, a command, a future screen), the report stays as sent."""
    table = ProgressEntry.__table__
    stored = connection.execute(db.select(table.c.status).where(table.c.id == target.id)).scalar()
    if stored != R.SUBMITTED:
        return
    changed = {attr.key for attr in sa_inspect(target).attrs if attr.history.has_changes()}
    if not changed:
        return
    if changed <= REVIEW_FIELDS and "status" in changed and target.status in (R.VERIFIED, R.REJECTED):
        return
    raise ReportLocked(f"Laporan kemajuan #{target.id} ({target.quarter}) sedang menunggu verifikasi "
                       "Inspektorat dan tidak dapat diubah sampai diperiksa.")


if not event.contains(ProgressEntry, "before_update", _refuse_changes_under_review):
    event.listen(ProgressEntry, "before_update", _refuse_changes_under_review)


# --------------------------------------------------------------------------- history

def chain_of(action: Action) -> list[Action]:
    """The action's carry-over chain, oldest first (its origins, itself, its continuations)."""
    chain = [action]
    seen = {action.id}
    cur = action
    while cur.carried_from is not None and cur.carried_from.id not in seen:
        cur = cur.carried_from
        seen.add(cur.id)
        chain.insert(0, cur)
    cur = action
    while True:
        nxt = Action.query.filter(Action.carried_from_id == cur.id).order_by(Action.id).first()
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        chain.append(nxt)
        cur = nxt
    return chain


def superseded_ids(entries) -> set[int]:
    return {e.supersedes_id for e in entries if e.supersedes_id}


# --------------------------------------------------------------------------- catalogue

SEED_CATALOGUE: dict[str, list[str]] = {
    "persyaratan": [
        "Sosialisasi persyaratan pelayanan melalui media cetak dan media sosial",
        "Penyederhanaan persyaratan pelayanan",
        "Pemasangan papan informasi persyaratan pelayanan",
        "Evaluasi dan pembaruan standar pelayanan (persyaratan)",
    ],
    "prosedur": [
        "Evaluasi SOP pelayanan",
        "Penyusunan dan publikasi alur pelayanan",
        "Peningkatan sosialisasi registrasi online",
        "Pengembangan layanan berbasis aplikasi/online",
    ],
    "waktu": [
        "Penetapan dan publikasi standar waktu penyelesaian layanan",
        "Percepatan proses pelayanan melalui digitalisasi",
        "Peningkatan sosialisasi registrasi online",
        "Monitoring ketepatan waktu penyelesaian layanan",
    ],
    "biaya": [
        "Sosialisasi informasi biaya/tarif pelayanan",
        "Pemasangan informasi tarif di ruang pelayanan",
        "Penyediaan pembayaran non-tunai",
    ],
    "produk": [
        "Sosialisasi jenis dan spesifikasi produk pelayanan",
        "Evaluasi kesesuaian produk pelayanan dengan standar pelayanan",
        "Penyusunan standar pelayanan per jenis layanan",
    ],
    "kompetensi": [
        "Peningkatan kompetensi petugas melalui bimbingan teknis",
        "Memberikan pelatihan khusus terkait service excellent",
        "Pengiriman petugas dalam diklat teknis pelayanan",
    ],
    "perilaku": [
        "Memberikan pelatihan khusus terkait service excellent",
        "Penerapan budaya 5S (senyum, sapa, salam, sopan, santun)",
        "Pembinaan dan evaluasi perilaku petugas pelayanan",
    ],
    "pengaduan": [
        "Optimalisasi kanal pengaduan (kotak saran, media sosial, ULAS)",
        "Penyusunan SOP penanganan pengaduan",
        "Publikasi tindak lanjut pengaduan masyarakat",
    ],
    "sarpras": [
        "Perbaikan sarana dan prasarana pelayanan",
        "Penambahan fasilitas ruang tunggu pelayanan",
        "Penyediaan sarana bagi penyandang disabilitas dan kelompok rentan",
        "Pemeliharaan rutin sarana dan prasarana pelayanan",
    ],
}


def text_key(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").strip()).lower()[:255]


def ensure_catalogue() -> None:
    """Seed the catalogue once (idempotent)."""
    if db.session.query(CatalogueAction.id).filter(CatalogueAction.seeded.is_(True)).first():
        return
    try:
        existing = {(c.element, c.text_key) for c in CatalogueAction.query.all()}
        for element, phrases in SEED_CATALOGUE.items():
            for phrase in phrases:
                key = (element, text_key(phrase))
                if key in existing:
                    continue
                existing.add(key)
                db.session.add(CatalogueAction(element=element, text=phrase, text_key=key[1],
                                               uses=0, seeded=True))
        db.session.commit()
    except IntegrityError:  # seeded concurrently by another request
        db.session.rollback()


def grow_catalogue(element: str, text: str) -> None:
    """Count a use of a phrase (adding it to the catalogue the first time), in the caller's
    transaction."""
    key = text_key(text)
    if not key or element not in el.ELEMENTS:
        return
    row = CatalogueAction.query.filter_by(element=element, text_key=key).first()
    if row is None:
        pending = [o for o in db.session.new if isinstance(o, CatalogueAction)
                   and o.element == element and o.text_key == key]
        if pending:
            pending[0].uses += 1
            return
        db.session.add(CatalogueAction(element=element, text=(text or "").strip(), text_key=key,
                                       uses=1, seeded=False))
        db.session.flush()
    else:
        db.session.execute(db.update(CatalogueAction).where(CatalogueAction.id == row.id)
                           .values(uses=CatalogueAction.uses + 1))


def catalogue_for(elements, limit: int = 40) -> dict[str, list[CatalogueAction]]:
    elements = list(elements)
    rows = (CatalogueAction.query.filter(CatalogueAction.element.in_(elements or ["-"]))
            .order_by(CatalogueAction.uses.desc(), CatalogueAction.seeded.desc(), CatalogueAction.text)
            .all())
    out: dict[str, list[CatalogueAction]] = {k: [] for k in elements}
    for r in rows:
        if len(out[r.element]) < limit:
            out[r.element].append(r)
    return out


# --------------------------------------------------------------------------- notifications

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


def _plan_link(plan: Plan) -> str | None:
    try:
        return url_for("followup.plan", code=plan.period.code, unit_id=plan.unit_id)
    except RuntimeError:
        return None


def _action_link(action: Action) -> str | None:
    try:
        return url_for("followup.action", action_id=action.id)
    except RuntimeError:
        return None


def _review_link() -> str | None:
    try:
        return url_for("followup.review_queue")
    except RuntimeError:
        return None


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
