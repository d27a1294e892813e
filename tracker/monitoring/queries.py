"""What the monitoring screen shows, read with a fixed number of set-based queries whatever
the number of units, actions and periods. Every figure comes from ``followup.status`` (the
same reader as ``rtl status``) and the domain rules; nothing here decides a rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Text, bindparam, cast, exists

from ..domain import digest
from ..domain import periods as P
from ..domain import realisation as R
from ..domain.numbers import format_id
from ..extensions import core_rows, db
from ..followup.status import PeriodStatus, UnitStatus, city_effect, period_status, stored_codes, unit_effects
from ..models import Action, Period, Plan, Unit

SORTS = {
    "realisasi": ("realisasi terendah", lambda r: (r.u.status.realisation is None, r.u.status.realisation or 0,
                                                   r.u.unit.name.lower())),
    "terlambat": ("paling banyak terlambat", lambda r: (-r.u.status.late_reports, -r.u.status.late_long,
                                                        -r.u.status.unfinished_after_schedule,
                                                        r.u.unit.name.lower())),
    "pembaruan": ("pembaruan terlama", lambda r: (r.last_update is not None, r.last_update or date.min,
                                                  r.u.unit.name.lower())),
    "nama": ("nama unit", lambda r: r.u.unit.name.lower()),
}

FINDINGS = {
    "late": ("Terlambat melapor", lambda u: u.status.late_reports > 0),
    "late_long": ("Terlambat lebih dari 30 hari", lambda u: u.status.late_long > 0),
    "unfinished": ("Belum selesai setelah jadwal", lambda u: u.status.unfinished_after_schedule > 0),
    "unscheduled": ("Ada kegiatan belum dijadwalkan", lambda u: u.status.unscheduled > 0),
    "no_owner": ("Ada kegiatan tanpa penanggung jawab", lambda u: u.status.no_owner > 0),
    "pending": ("Menunggu verifikasi", lambda u: u.status.awaiting_verification > 0),
    "no_plan": ("Belum memiliki RTL yang diterima", lambda u: u.has_results and u.plan_status != "accepted"),
}

# Cell states of the units x quarters grid, worst first (a unit's cell shows the worst of its
# actions planned in that quarter).
CELL_ORDER = ("late", "rejected_open", "pending", "due", "verified")
LIST_LIMIT = 300  # rows shown of the late and unfinished lists (both are counted in full)

CELL_WORDS = {"late": "terlambat melapor", "pending": "menunggu verifikasi",
              "due": "belum jatuh tempo", "verified": "terverifikasi", "rejected_open": "ditolak"}


@dataclass
class ListedAction:
    """An action's columns for the late and unfinished lists (no ORM object per action)."""
    id: int
    plan: Plan
    element: str
    text: str
    owner: str | None
    quarters: list


@dataclass
class Row:
    u: UnitStatus
    cells: dict = field(default_factory=dict)  # quarter code -> (state, n actions)
    trend: list = field(default_factory=list)  # [(period code, realisation)], same kind, oldest first
    last_update: date | None = None

    @property
    def spark(self) -> tuple[int, str, str] | None:
        """(width, polyline points, description) of the trend sparkline, or None below two
        points (0-100 drawn on a 24 px high box)."""
        if len(self.trend) < 2:
            return None
        points = " ".join(f"{2 + i * 12},{22 - (v or 0) * 0.2:.1f}" for i, (_, v) in enumerate(self.trend))
        words = ", ".join(f"{c} {'-' if v is None else format_id(v, 1) + '%'}" for c, v in self.trend)
        return 4 + (len(self.trend) - 1) * 12, points, words

    @property
    def band(self):
        return R.band(self.u.status.realisation) if self.u.plan_status == "accepted" else None


@dataclass
class Monitoring:
    code: str | None
    codes: list[str]
    st: PeriodStatus | None
    rows: list[Row]
    quarters: list[str]
    tiles: dict
    groups: list[str]
    parents: list[Unit]
    trend: list  # [(code, realisation, units)] same kind as the period
    effect: object
    contradictions: list
    late_rows: list  # the first LIST_LIMIT of late_total (action, late quarters)
    unfinished_rows: list  # the first LIST_LIMIT of unfinished_total
    late_total: int
    unfinished_total: int
    shown_realisation: float | None
    group_trend: list = field(default_factory=list)  # [(code, {group: realisation})] same kind


def _plan_periods() -> tuple[list[str], str | None]:
    """(the periods with plans and the years whose semesters or quarters have plans, newest
    first; the latest period with accepted plans, or None), from one query of the periods, each
    with whether it has plans and accepted ones (two seeks of ix_plan_period_status each, not a
    grouping of every plan of the city)."""
    p, per = Plan.__table__, Period.__table__

    def having(*conditions):
        return exists().where(p.c.period_id == per.c.id, *conditions)
    rows = core_rows(
        db.select(per.c.code, per.c.year, per.c.kind, per.c.end_date, having(p.c.status == "accepted"))
        .where(having())).all()
    codes = sorted({c for code, year, *_ in rows for c in (code, str(year))}, key=_newest, reverse=True)
    breadth = {"year": 2, "semester": 1, "quarter": 0}  # at one end date, the broadest period
    accepted = [(end, breadth.get(kind, 0), code) for code, _, kind, end, any_accepted in rows if any_accepted]
    return codes, (max(accepted)[2] if accepted else None)


def monitoring_codes() -> list[str]:
    """Periods with plans, and the years whose semesters or quarters have plans, newest first."""
    return _plan_periods()[0]


def _newest(code: str):
    ref = P.parse_period(code)
    return (ref.end, ref.kind == "year")


def default_code(codes: list[str]) -> str | None:
    """The latest period with accepted plans (never a period one unit happened to start)."""
    return _plan_periods()[1] or (codes[0] if codes else None)


def monitoring_choice() -> tuple[list[str], str | None]:
    """(``monitoring_codes()``, ``default_code`` of them) from one query."""
    codes, latest = _plan_periods()
    return codes, latest or (codes[0] if codes else None)


def _grid(st: PeriodStatus, as_of: date) -> tuple[list[str], dict]:
    """Each unit's planned quarters, each with its worst state and number of actions, from its
    accepted plans' digests (domain.digest.quarter_states_from_digest on the day)."""
    quarters: set = set()
    cells: dict[int, dict[str, tuple[str, int]]] = {}
    rank = {state: i for i, state in enumerate(CELL_ORDER)}
    for u in st.units:
        if u.plan_status != "accepted":
            continue
        own: dict[str, list] = {}  # quarter -> [worst state's rank, actions]
        for plan in u.plans:
            if plan.status != "accepted":
                continue
            for q, states in digest.quarter_states_from_digest(u.digests[plan.id], as_of).items():
                cell = own.setdefault(q, [len(CELL_ORDER), 0])
                cell[0] = min([cell[0]] + [rank[state] for state in states])
                cell[1] += sum(states.values())
        quarters.update(own)
        cells[u.unit.id] = {q: (CELL_ORDER[worst], n) for q, (worst, n) in own.items() if n}
    return [q.code for q in sorted(P.parse_quarter(q) for q in quarters)], cells


def _trends(ref: P.PeriodRef) -> tuple[dict[int, list], list, list]:
    """Each unit's realisation over the periods of the same kind as ``ref`` up to it, the
    city's, and each group's: a year is the unit's year plan, else the mean of its
    semester/quarter plans (the gathering rule); semester, quarter and year points are never
    mixed. One query of one row per accepted plan (each plan keeps its realisation on its row,
    followup/state.py, equal to ``rates.period_rates``: tested)."""
    p, per = Plan.__table__, Period.__table__
    rows = core_rows(
        db.select(per.c.code, p.c.unit_id, Unit.group, p.c.state_realisation)
        .join(per, per.c.id == p.c.period_id).join(Unit, Unit.id == p.c.unit_id)
        .where(p.c.status == "accepted", per.c.end_date <= ref.end)).all()
    refs = {code: P.parse_period(code) for code in {r[0] for r in rows}}
    per_code: dict[str, dict[int, float | None]] = {}
    groups: dict[int, str | None] = {}
    parts: dict[str, dict[int, list]] = {}  # year -> unit -> its semester/quarter realisations
    for code, uid, group, value in rows:
        groups[uid] = group
        kind = refs[code].kind
        if kind == ref.kind:
            per_code.setdefault(code, {})[uid] = value
        if ref.kind == "year" and kind != "year":
            parts.setdefault(str(refs[code].year), {}).setdefault(uid, []).append(value)
    for year, units in parts.items():
        own = per_code.setdefault(year, {})
        for uid, values in units.items():
            if uid not in own:
                own[uid] = R.mean_rate(values)
    same = sorted(per_code, key=lambda c: P.parse_period(c).end)
    unit_trend: dict[int, list] = {}
    for code in same:
        for uid, value in per_code[code].items():
            unit_trend.setdefault(uid, []).append((code, value))
    city = [(code, R.mean_rate(per_code[code].values()), len(per_code[code])) for code in same]
    by_group = []
    for code in same:
        values: dict[str, list] = {}
        for uid, value in per_code[code].items():
            values.setdefault(groups.get(uid) or "Lainnya", []).append(value)
        by_group.append((code, {g: R.mean_rate(v) for g, v in values.items()}))
    return unit_trend, city, by_group


def build(code: str | None, as_of: date, group: str = "", parent: int | None = None,
          status_filter: str = "", finding: str = "", sort: str = "realisasi",
          codes: list[str] | None = None) -> Monitoring:
    codes = monitoring_codes() if codes is None else codes
    groups = sorted({g for (g,) in db.session.query(Unit.group).distinct() if g})
    parents = (Unit.query.filter(Unit.id.in_(db.session.query(Unit.parent_id).filter(Unit.parent_id.isnot(None))))
               .order_by(Unit.name).all())
    empty = Monitoring(code, codes, None, [], [], {}, groups, parents, [], None, [], [], [], 0, 0, None)
    if not code:
        return empty
    ref = P.parse_period(code)
    st = period_status(ref.code, as_of)
    quarters, cells = _grid(st, as_of)
    unit_trend, city_trend, group_trend = _trends(ref)
    rows = []
    for u in st.units:
        if group and (u.unit.group or "") != group:
            continue
        if parent and u.unit.id != parent and u.unit.parent_id != parent:
            continue
        if status_filter and (u.plan_status or "") != status_filter:
            continue
        if finding in FINDINGS and not FINDINGS[finding][1](u):
            continue
        # The last report sent or reviewed, kept on each plan's row (followup/state.py) and read
        # with the plans.
        rows.append(Row(u, cells.get(u.unit.id, {}), unit_trend.get(u.unit.id, []),
                        max(u.updated.values()).date() if u.updated else None))
    rows.sort(key=SORTS.get(sort, SORTS["realisasi"])[1])
    shown = [r.u for r in rows]
    # Both lists are counted in full but only their first LIST_LIMIT rows are shown: the texts
    # are read for those actions only, in the lists' order (first late quarter, then unit name;
    # unit name, then action), the same order as sorting every listed action.
    late = [(aid, q, u.unit.name.lower()) for u in shown for aid, q in u.status.late.items()]
    late.sort(key=lambda t: (t[1][0], t[2]))
    unfinished = sorted((u.unit.name.lower(), aid) for u in shown for aid in u.status.unfinished)
    late_shown, unfinished_shown = late[:LIST_LIMIT], unfinished[:LIST_LIMIT]
    ids = {aid for aid, _, _ in late_shown} | {aid for _, aid in unfinished_shown}
    plans = {p.id: p for u in shown for p in u.plans}
    a = Action.__table__
    actions = {}
    if ids:
        # At most two lists' worth of ids, whatever the size of the city, written into the
        # statement as numbers: on PostgreSQL, hundreds of bound parameters cost more than the
        # rows they select.
        listed = bindparam("listed", sorted(ids), expanding=True, literal_execute=True)
        for aid, plan_id, element, text, owner, schedule in core_rows(
                db.select(a.c.id, a.c.plan_id, a.c.element, a.c.text, a.c.owner, cast(a.c.quarters, Text))
                .where(a.c.id.in_(listed))):
            if plan_id in plans:
                actions[aid] = ListedAction(aid, plans[plan_id], element, text, owner, list(stored_codes(schedule)))
    late_rows = [(actions[aid], q) for aid, q, _ in late_shown if aid in actions]
    unfinished_rows = [actions[aid] for _, aid in unfinished_shown if aid in actions]
    pending_ids = {aid for u in shown for aid in u.status.pending_ids}
    tiles = {
        "queue": sum(u.status.awaiting_verification for u in shown),
        "late": sum(u.status.late_reports for u in shown),
        "late_long": sum(u.status.late_long for u in shown),
        "unfinished": sum(u.status.unfinished_after_schedule for u in shown),
        "unscheduled": sum(u.status.unscheduled for u in shown),
        "no_owner": sum(u.status.no_owner for u in shown),
        "no_plan": sum(1 for u in shown if u.has_results and u.plan_status != "accepted"),
        "pending_actions": len(pending_ids),
    }
    contradictions = [(u, e) for u in shown if u.plan_status == "accepted"
                      for e in unit_effects(u) if e.contradiction]
    return Monitoring(ref.code, codes, st, rows, quarters, tiles, groups, parents, city_trend,
                      city_effect(st), contradictions, late_rows, unfinished_rows, len(late), len(unfinished),
                      R.mean_rate(u.status.realisation for u in shown if u.plan_status == "accepted"),
                      [(c, g) for c, g in group_trend if not group or group in g])
