"""Plans (RTL) and their actions: priorities, creation and carry-over, scheduling, submission,
acceptance or return, priority overrides."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..domain import elements as el
from ..domain import periods as P
from ..domain import realisation as R
from ..extensions import db
from ..models import Action, Period, Plan, ProgressEntry, Unit
from ..models._base import utcnow
from ..models.followup import (PLAN_ACCEPTED, PLAN_DRAFT, PLAN_RETURNED, PLAN_STATUS_LABELS,
                               PLAN_SUBMITTED)
from . import rates
from .workflow import (EDITABLE, MAX_ACTION_TEXT, MAX_PRIORITIES, ReportLocked, WorkflowError,
                       _atomic, _clean, action_dict, check_version, plan_dict)
from .notifications import _plan_link, admins, managers_of, notify, task_done
from .catalogue import grow_from_plan


# --------------------------------------------------------------------------- priorities

def derived_priorities(unit: Unit, period_code: str) -> list[str]:
    """The three lowest elements of the unit's result (scoring.priority_elements); for the unit
    that stands for the city, the city's three lowest element means (Tabel 3.3)."""
    return list(derived_values(unit, period_code))


def derived_values(unit: Unit, period_code: str) -> dict[str, float]:
    """{element: NRR} of the derived priorities, lowest first (empty without results)."""
    from ..domain import scoring
    from ..results.service import unit_views
    if unit.is_city:
        views = unit_views(period_code)
        if not views:
            return {}
        means = scoring.city_elements([v.result for v in views])
        return dict(scoring.elements_lowest_first(means)[:3])
    views = unit_views(period_code, {unit.id})
    if not views:
        return {}
    return {k: views[0].result.nrrs[k] for k in views[0].priorities}


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
    record("action", action.id, "create", unit_id=plan.unit_id, user=user, after=action_dict(action))
    return action


@_atomic
def update_action(action: Action, version, data: ActionInput, user) -> Action:
    check_version(action, version)
    _require_no_pending(action, "diubah")
    _require_editable(action.plan)
    data = _validate_action(action.plan, data, action)
    before = action_dict(action)
    action.element, action.text, action.quarters = data.element, data.text, data.quarters
    action.owner, action.target = data.owner, data.target
    after = action_dict(action)
    if before == after:
        return action
    db.session.flush()
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
    grow_from_plan(plan)
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
