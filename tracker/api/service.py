"""What the API's views read, restricted to a user's units (tracker.scope). The results and the
follow-up status are the documents of ``skm summary`` and ``rtl status`` (built by the same
functions); lists are read with a fixed number of queries whatever the number of units, plans
and actions."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import Text, cast, select

from ..domain import periods as P
from ..domain import rollup
from ..extensions import core_rows, db
from ..models import Action, ImportBatch, Period, Plan, ProgressEntry, Unit, UnitResult
from ..models.followup import PLAN_ACCEPTED
from ..scope import can_edit_unit, can_see_unit, scope_units, visible_unit_ids


class NotFound(LookupError):
    """Nothing the user may see answers the request (the view says 404 with this message)."""


def period_code(code: str) -> str:
    try:
        return P.parse_period(code).code
    except P.BadPeriod as exc:
        raise NotFound(str(exc)) from None


# --------------------------------------------------------------------------- lists

def units(user) -> list[dict]:
    u = Unit.__table__
    q = select(u.c.id, u.c.name, u.c.group, u.c.parent_id, u.c.is_city).order_by(u.c.name, u.c.id)
    ids = visible_unit_ids(user)
    if ids is not None:
        q = q.where(u.c.id.in_(ids or {-1}))
    return [{"id": r.id, "name": r.name, "group": r.group, "parent_id": r.parent_id,
             "is_city": bool(r.is_city)} for r in core_rows(q)]


def periods() -> list[dict]:
    """Stored periods, and the semesters and years that results or plans roll up into, newest
    first; the same for every user (periods are not a unit's)."""
    from ..results.service import ACTIVE
    per = Period.__table__
    stored = {r.code: r for r in core_rows(
        select(per.c.id, per.c.code, per.c.numbering, cast(per.c.element_keys, Text).label("keys"),
               per.c.plan_deadline, per.c.progress_grace_days))}
    own = [code for (code,) in core_rows(
        select(per.c.code).join(UnitResult, UnitResult.period_id == per.c.id)
        .join(ImportBatch, ImportBatch.id == UnitResult.batch_id).where(*ACTIVE).distinct())]
    with_results = rollup.codes_with_results(own)
    planned = [code for (code,) in core_rows(
        select(per.c.code).join(Plan, Plan.period_id == per.c.id).distinct())]
    with_plans = set(planned) | {str(P.parse_period(c).year) for c in planned}
    out = []
    for code in set(stored) | with_results | with_plans:
        ref = P.parse_period(code)
        row = stored.get(code)
        out.append({"code": ref.code, "kind": ref.kind, "label": ref.label,
                    "start_date": ref.start, "end_date": ref.end,
                    "has_results": code in with_results, "has_plans": code in with_plans,
                    "stored": row is not None,
                    "numbering": row.numbering if row else None,
                    "element_keys": json.loads(row.keys) if row and row.keys else None,
                    "plan_deadline": row.plan_deadline if row else None,
                    "progress_grace_days": row.progress_grace_days if row else None})
    out.sort(key=lambda p: (p["end_date"], p["kind"] == "year", p["code"]), reverse=True)
    return out


# --------------------------------------------------------------------------- documents

def results(code: str, user) -> dict:
    """``skm summary`` of the period: city figures over every unit (as the recap page shows
    them to everyone), unit rows only for the user's units, each with its ``unit_id``."""
    from ..results.summary import build_summary
    code = period_code(code)
    doc = build_summary(code)
    if doc["city"] is None:
        raise NotFound(f"Periode {code} belum memiliki hasil.")
    names = {row["unit"] for row in doc["units"]}
    ids = dict(core_rows(select(Unit.__table__.c.name, Unit.__table__.c.id)
                         .where(Unit.__table__.c.name.in_(names or {""}))).all())
    visible = visible_unit_ids(user)
    doc["units"] = [{"unit_id": ids[row["unit"]], **row} for row in doc["units"]
                    if visible is None or ids[row["unit"]] in visible]
    return doc


def status(code: str, user, as_of: date | None = None) -> dict:
    """``rtl status`` of the period. City figures are the city's; units and the names of units
    without an accepted plan are only the user's."""
    from ..followup.status import period_status, status_json
    code = period_code(code)
    st = period_status(code, as_of)
    if not st.units:
        raise NotFound(f"Periode {code} belum memiliki hasil SKM maupun RTL.")
    doc = status_json(st)
    visible = visible_unit_ids(user)
    doc["units"] = [{"unit_id": u.unit.id, **row} for u, row in zip(st.units, doc["units"])
                    if visible is None or u.unit.id in visible]
    if visible is not None:
        doc["city"]["units_without_accepted_plan"] = [
            u.unit.name for u in st.without_accepted_plan if u.unit.id in visible]
    return doc


# --------------------------------------------------------------------------- plans and actions

def _codes(text: str | None) -> list[str]:
    from ..followup.status import stored_codes as decoded  # cached per distinct list
    return list(decoded(text))


def _action_row(r) -> dict:
    return {"id": r.id, "element": r.element, "text": r.text, "quarters": _codes(r.quarters),
            "owner": r.owner, "target": r.target, "not_actionable": bool(r.not_actionable),
            "status": r.state_outcome or "belum",
            "realisation": float(r.state_percent) if r.state_percent is not None else 0.0,
            "claimed": float(r.state_claimed) if r.state_claimed is not None else None,
            "reported_quarters": _codes(r.state_reported), "verified_quarters": _codes(r.state_verified),
            "awaiting_verification": bool(r.state_pending), "carried_from_id": r.carried_from_id,
            "version": r.version}


def _action_columns():
    a = Action.__table__
    return (a.c.id, a.c.plan_id, a.c.element, a.c.text, cast(a.c.quarters, Text).label("quarters"),
            a.c.owner, a.c.target, a.c.not_actionable, a.c.state_outcome, a.c.state_percent,
            a.c.state_claimed, cast(a.c.state_reported, Text).label("state_reported"),
            cast(a.c.state_verified, Text).label("state_verified"), a.c.state_pending,
            a.c.carried_from_id, a.c.version)


def plans(code: str, user) -> dict:
    """The plans answering the period, of the user's units, with their actions and each
    action's kept state: a unit's own plan for the period, else (for a year) the plans answering
    its semesters and quarters, as ``rtl status`` gathers them. Two queries whatever the number
    of plans and actions."""
    ref = P.parse_period(period_code(code))
    codes = [ref.code] + ([d.code for d in rollup.descendants(ref)] if ref.kind == "year" else [])
    p, u, per = Plan.__table__, Unit.__table__, Period.__table__
    q = (select(p.c.id, p.c.unit_id, u.c.name, per.c.code, p.c.status, p.c.state_realisation,
                p.c.state_completion, p.c.version)
         .join(u, u.c.id == p.c.unit_id).join(per, per.c.id == p.c.period_id)
         .where(per.c.code.in_(codes))
         .order_by(u.c.name, u.c.id, per.c.start_date, per.c.end_date, p.c.id))
    rows = core_rows(scope_units(q, p.c.unit_id, user)).all()
    own = {r.unit_id for r in rows if r.code == ref.code}
    rows = [r for r in rows if r.code == ref.code or r.unit_id not in own]
    by_plan: dict[int, list] = {r.id: [] for r in rows}
    if rows:
        a = Action.__table__
        for r in core_rows(select(*_action_columns()).where(a.c.plan_id.in_(list(by_plan)))
                           .order_by(a.c.id)):
            by_plan[r.plan_id].append(_action_row(r))
    out = []
    for r in rows:
        accepted = r.status == PLAN_ACCEPTED
        out.append({"id": r.id, "unit_id": r.unit_id, "unit": r.name, "period": r.code, "status": r.status,
                    "realisation": _round(r.state_realisation) if accepted else None,
                    "completion": _round(r.state_completion) if accepted else None,
                    "version": r.version, "actions": by_plan[r.id]})
    return {"period": ref.code, "plans": out}


def _round(value):
    return None if value is None else round(float(value), 4)


def visible_action(action_id: int, user) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or not can_see_unit(action.plan.unit_id, user):
        raise NotFound("Kegiatan tidak ditemukan.")
    return action


def action_detail(action: Action, user) -> dict:
    from ..followup.plans import progress_quarters
    a = Action.__table__
    row = core_rows(select(*_action_columns()).where(a.c.id == action.id)).one()
    plan = action.plan
    entries = (ProgressEntry.query.filter_by(action_id=action.id)
               .order_by(ProgressEntry.submitted_at, ProgressEntry.id).all())
    return {**_action_row(row), "plan_id": plan.id, "plan_status": plan.status,
            "unit_id": plan.unit_id, "unit": plan.unit.name, "period": plan.period.code,
            "reportable_quarters": progress_quarters(action),
            "can_report": (can_edit_unit(plan.unit_id, user) and plan.status == PLAN_ACCEPTED
                           and not action.not_actionable),
            "reports": [entry_dict(e) for e in entries]}


def _utc(moment: datetime | None) -> datetime | None:
    """Stored times are naive UTC; the API says so (RFC 3339 needs the offset)."""
    return None if moment is None else moment.replace(tzinfo=timezone.utc)


def entry_dict(e: ProgressEntry) -> dict:
    return {"id": e.id, "action_id": e.action_id, "quarter": e.quarter, "percent": float(e.percent),
            "narrative": e.narrative, "evidence_link": e.evidence_link,
            "evidence_file": e.evidence_name if e.evidence_path else None, "status": e.status,
            "submitted_at": _utc(e.submitted_at), "reviewed_at": _utc(e.reviewed_at),
            "review_comment": e.review_comment, "supersedes_id": e.supersedes_id,
            "source": e.source, "version": e.version}
