"""Realisation rates read from the database through the one domain definition
(tracker.domain.realisation). Screens, exports, dashboards and `skm summary` all call this."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import periods as P
from ..domain import realisation as R
from ..extensions import core_rows, db
from ..models import Action, Period, Plan, Unit


def entries_of(action: Action) -> list[R.Entry]:
    return entries_from(action.entries)


def entries_from(entries) -> list[R.Entry]:
    """Progress entries (ORM objects or plain rows with the same columns) as the rules see them."""
    return [R.Entry(quarter=e.quarter, percent=e.percent, status=e.status,
                    submitted_at=e.submitted_at, id=e.id) for e in entries]


def action_state(action: Action) -> R.ActionState:
    return R.action_state(entries_of(action), action.not_actionable)


@dataclass
class PlanRate:
    plan: Plan
    realisation: float | None
    completion: float | None
    actions: int
    outcomes: dict[str, int] = field(default_factory=dict)


def plan_rate(plan: Plan) -> PlanRate:
    states = [action_state(a) for a in plan.actions]
    outcomes = {k: 0 for k in R.OUTCOMES}
    for s in states:
        outcomes[s.outcome] += 1
    return PlanRate(plan=plan, realisation=R.unit_realisation(states),
                    completion=R.completion_rate(states), actions=len(states), outcomes=outcomes)


def load_plans(period_ids, unit_ids=None) -> list[Plan]:
    q = (Plan.query.filter(Plan.period_id.in_(list(period_ids) or [-1]))
         .options(selectinload(Plan.actions).selectinload(Action.entries),
                  selectinload(Plan.unit), selectinload(Plan.period)))
    if unit_ids is not None:
        q = q.filter(Plan.unit_id.in_(unit_ids or {-1}))
    return q.all()


def counts_toward_realisation(plan: Plan) -> bool:
    """Only an accepted plan has a realisation rate: a draft, submitted or returned plan is not
    yet the unit's commitment, and its actions cannot carry progress."""
    return plan.status == "accepted"


def rates_by_unit(period: Period | None, unit_ids=None) -> dict[int, PlanRate]:
    if period is None:
        return {}
    return {p.unit_id: plan_rate(p) for p in load_plans([period.id], unit_ids)
            if counts_toward_realisation(p)}


def previous_period(code: str) -> Period | None:
    prev = P.parse_period(code).previous()
    return Period.query.filter_by(code=prev.code).first()


def realisation_previous(code: str, unit_ids=None) -> dict[int, float | None]:
    """Each unit's realisation of the RTL that answered the previous period of the same kind
    (for a year without plans of its own, the mean of its semesters' or quarters' plans)."""
    from .status import accepted_realisation
    return accepted_realisation(P.parse_period(code).previous().code, unit_ids)


def group_rates(rates: dict[int, PlanRate], groups: dict[int, str | None]) -> dict[str, float | None]:
    by_group: dict[str, list[float | None]] = {}
    for uid, r in rates.items():
        by_group.setdefault(groups.get(uid) or "Lainnya", []).append(r.realisation)
    return {g: R.mean_rate(v) for g, v in sorted(by_group.items())}


def city_rate(rates: dict[int, PlanRate]) -> float | None:
    return R.mean_rate(r.realisation for r in rates.values())




# --- overdue and trends (same domain rules; used by the follow-up screens) -----------------

def action_overdue(action: Action, today=None) -> list[str]:
    """Planned quarters of an accepted plan's action the unit is late reporting on: the deadline
    (quarter end + the period's grace days) passed with no report for the quarter other than
    rejected ones (CONTRACT ``late_reports``). Actions marked impossible are never late."""
    from datetime import date
    plan = action.plan
    if action.not_actionable or plan is None or plan.status != "accepted":
        return []
    grace = plan.period.progress_grace_days if plan.period is not None else 15
    return R.overdue_quarters(list(action.quarters or []), entries_of(action), today or date.today(),
                              grace)


def overdue_actions(plans, today=None) -> list[tuple[Action, list[str]]]:
    out = []
    for plan in plans:
        for a in plan.actions:
            late = action_overdue(a, today)
            if late:
                out.append((a, late))
    return out


def periods_with_plans() -> list[Period]:
    with_plans = db.select(Plan.period_id)
    periods = Period.query.filter(Period.id.in_(with_plans)).all()  # one query, ids never sent
    return sorted(periods, key=lambda p: (p.start_date, p.end_date))


@dataclass
class UnitRate:
    """A unit's realisation for one period, without the ORM objects behind it."""
    unit_id: int
    unit_name: str
    group: str | None
    realisation: float | None
    completion: float | None
    actions: int


def period_rates(period_ids, unit_ids=None) -> dict[int, dict[int, UnitRate]]:
    """{period_id: {unit_id: UnitRate}} for many periods at once (trends, dashboards).

    One query of one row per plan: each plan keeps its realisation, completion and action
    count on its row (followup/state.py), computed from its actions' stored state through the
    domain rule ``realisation.rates_from_latest``; tests hold them equal to ``plan_rate``.
    """
    period_ids = list(period_ids)
    if not period_ids:
        return {}
    accepted = [Plan.period_id.in_(period_ids), Plan.status == "accepted"]
    if unit_ids is not None:
        accepted.append(Plan.unit_id.in_(unit_ids or {-1}))
    # Each plan keeps its rates on its row (followup/state.py, from its actions' state through
    # realisation.rates_from_latest): one row per unit and period, not every action.
    p = Plan.__table__
    rows = core_rows(
        select(p.c.period_id, p.c.unit_id, Unit.name, Unit.group, p.c.state_realisation,
               p.c.state_completion, p.c.state_actions)
        .join(Unit, Unit.id == p.c.unit_id).where(*accepted)).all()
    out: dict[int, dict[int, UnitRate]] = {}
    for period_id, unit_id, name, group, realisation, completion, n in rows:
        out.setdefault(period_id, {})[unit_id] = UnitRate(unit_id, name, group, realisation,
                                                           completion, n or 0)
    return out


def trend(unit_ids=None, periods=None, by_period=None) -> list[tuple[Period, float | None, float | None, int]]:
    """(period, mean realisation, mean completion, plans) for every period that has accepted
    plans, oldest first. Pass ``periods`` and ``by_period`` (period_rates) to reuse a load."""
    if periods is None:
        periods = periods_with_plans()
    if by_period is None:
        by_period = period_rates([p.id for p in periods], unit_ids)
    out = []
    for period in periods:
        rates = by_period.get(period.id)
        if not rates:
            continue
        out.append((period, R.mean_rate(r.realisation for r in rates.values()),
                    R.mean_rate(r.completion for r in rates.values()), len(rates)))
    return out


def group_means(rates: dict[int, "UnitRate | PlanRate"], groups: dict[int, str | None] | None = None) -> dict[str, float | None]:
    """Mean realisation per unit group (units without a group under 'Lainnya')."""
    by_group: dict[str, list[float | None]] = {}
    for uid, r in rates.items():
        group = groups.get(uid) if groups is not None else r.group
        by_group.setdefault(group or "Lainnya", []).append(r.realisation)
    return {g: R.mean_rate(v) for g, v in sorted(by_group.items())}
