"""The follow-up status of the plans answering a period (CONTRACT ``rtl status``), read from the
database through the domain rules (``realisation.plan_status`` / ``gather_statuses``). The
monitoring screen and the command both call ``period_status``, so they cannot disagree.

For a year, a unit with no plan of its own gathers the plans answering the year's semesters or
quarters: realisation, claimed and completion are the means of those plans' figures, counts
are their sums (Pontianak: 80% and 67% give 73,5%).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm.attributes import set_committed_value

from ..domain import digest
from ..domain import periods as P
from ..domain import effect
from ..domain import realisation as R
from ..domain import rollup
from .. import jsontext
from ..extensions import core_rows, db
from ..models import Period, Plan, Unit

WIB = ZoneInfo("Asia/Jakarta")
AGGREGATION = "mean of unit realisation"
AGGREGATION_ID = "rata-rata realisasi unit yang RTL-nya diterima"
NO_PLAN_RULE = ("Unit yang memiliki hasil dan unsur prioritas tetapi belum memiliki RTL yang "
                "diterima tidak dihitung dalam realisasi kota; unit itu dicantumkan tersendiri.")
_STATUS_ORDER = ("accepted", "submitted", "returned", "draft")


def today_wib() -> date:
    return datetime.now(WIB).date()


@dataclass
class UnitStatus:
    unit: Unit
    plan_status: str | None
    status: R.Status
    plans: list[Plan] = field(default_factory=list)  # the plans behind the figures
    has_results: bool = False
    nrr: dict = field(default_factory=dict)  # element -> NRR in the period
    nrr_next: dict = field(default_factory=dict)  # element -> NRR in the next period of its kind
    digests: dict = field(default_factory=dict)  # plan id -> its status digest (domain.digest)
    updated: dict = field(default_factory=dict)  # plan id -> last report sent or reviewed (if any)

    @property
    def gathered(self) -> bool:
        return any(p.period.code != self.period_code for p in self.plans)

    period_code: str = ""

    @property
    def how(self) -> str:
        """How the figures were obtained, in words."""
        if not self.plans:
            return "belum ada RTL"
        if not self.gathered:
            return "RTL periode ini"
        labels = ", ".join(P.parse_period(p.period.code).label for p in self.plans)
        return f"rata-rata realisasi RTL {labels}"


@dataclass
class PeriodStatus:
    code: str
    as_of: date
    units: list[UnitStatus]
    realisation: float | None
    completion: float | None
    units_with_results: int
    without_accepted_plan: list[UnitStatus]

    @property
    def with_accepted_plan(self) -> list[UnitStatus]:
        return [u for u in self.units if u.plan_status == "accepted"]


def _facts(plan_ids: list[int]) -> dict[int, list[R.ActionFacts]]:
    """Each plan's actions as the status rules see them, from the state kept on each row (for
    plans whose digest or lateness dates were never kept)."""
    from .state import action_facts
    out: dict[int, list[R.ActionFacts]] = {pid: [] for pid in plan_ids}
    db.session.flush()
    for plan_id, facts in action_facts(db.session.connection(), plan_ids):
        out[plan_id].append(facts)
    return out


def _digests(plans, texts: dict[int, str | None] | None = None) -> dict[int, dict]:
    """{plan id: status digest} as each plan keeps it (followup/state.py): one row per plan,
    or ``texts`` when the plans' query read them already. A plan without one (written around
    the ORM and not refreshed) gets it computed here from its actions."""
    plans = list(plans)
    if texts is None:
        p = Plan.__table__
        texts = dict(core_rows(select(p.c.id, cast(p.c.state_digest, Text))
                               .where(p.c.id.in_([plan.id for plan in plans]))).all())
    out = {}
    for plan in plans:
        kept = jsontext.loads(texts.get(plan.id) or "null")
        if kept is not None and kept.get("v") == digest.VERSION:
            out[plan.id] = kept
    missing = [plan for plan in plans if plan.id not in out]
    if missing:
        facts = _facts([plan.id for plan in missing])
        out.update({plan.id: digest.plan_digest(facts[plan.id], plan.period.progress_grace_days)
                    for plan in missing})
    return out


@lru_cache(maxsize=4096)
def stored_codes(text: str | None) -> tuple:
    """A stored JSON list of quarter codes as a tuple (None, 'null' and '[]' give ())."""
    return tuple(jsontext.loads(text) or ()) if text else ()


def _plans_for(ref: P.PeriodRef, unit_ids=None) -> dict[int, list[Plan]]:
    """{unit_id: plans answering ``ref``}: the unit's own plan for it, else (for a year) the
    plans answering its semesters and quarters."""
    return _plans_for_many([ref], unit_ids)[ref.code]


def _answering(ref: P.PeriodRef) -> list[str]:
    return [ref.code] + ([d.code for d in rollup.descendants(ref)] if ref.kind == "year" else [])


def _plans_for_many(refs: list[P.PeriodRef], unit_ids=None, digests: dict | None = None,
                    updated: dict | None = None) -> dict[str, dict[int, list[Plan]]]:
    """``_plans_for`` of several periods with one query: {code: {unit_id: plans}}. With
    ``digests``, the same query fills it with each plan's kept digest (JSON text), and
    ``updated`` with the time of its last report sent or reviewed (followup/state.py)."""
    codes = {c for ref in refs for c in _answering(ref)}
    q = Plan.query.join(Period, Period.id == Plan.period_id).filter(Period.code.in_(codes))
    if unit_ids is not None:
        q = q.filter(Plan.unit_id.in_(unit_ids or {-1}))
    if digests is None:
        plans = q.all()
    else:
        p = Plan.__table__
        rows = q.add_columns(cast(p.c.state_digest, Text), p.c.state_updated_at).all()
        plans = [plan for plan, _, _ in rows]
        digests.update({plan.id: text for plan, text, _ in rows})
        if updated is not None:
            updated.update({plan.id: when for plan, _, when in rows if when is not None})
    _load_missing(plans, q)
    return _by_period(refs, plans)


def _load_missing(plans: list[Plan], q) -> None:
    """Each plan's unit and period, each read at most once: those already in the session (a
    page that loaded the period's results has every unit with a result) are not read again;
    the rest come in one query each, selected by the plans' query (no id list). They are set
    on the plans as loaded, so nothing is lazily loaded later, one by one."""
    identity = db.session.identity_map
    for model, column, relation in ((Unit, Plan.unit_id, "unit"), (Period, Plan.period_id, "period")):
        wanted = {getattr(plan, column.key) for plan in plans}
        found = {}
        for key in wanted:
            obj = identity.get(db.session.identity_key(model, key))
            if obj is not None:
                state = sa_inspect(obj)
                if not (state.expired or state.expired_attributes):
                    found[key] = obj
        if len(found) < len(wanted):
            found.update({obj.id: obj for obj in
                          model.query.filter(model.id.in_(q.with_entities(column).order_by(None))).all()})
        for plan in plans:
            set_committed_value(plan, relation, found.get(getattr(plan, column.key)))


def _by_period(refs, plans) -> dict[str, dict[int, list[Plan]]]:
    out = {}
    for ref in refs:
        wanted = set(_answering(ref))
        by_unit: dict[int, list[Plan]] = {}
        for plan in plans:
            if plan.period.code in wanted:
                by_unit.setdefault(plan.unit_id, []).append(plan)
        out[ref.code] = {uid: _own_or_parts(ps, ref.code, lambda p: p.period.code,
                                            lambda p: (p.period.start_date, p.period.end_date))
                         for uid, ps in by_unit.items()}
    return out


def _own_or_parts(plans: list, code: str, code_of, span_of) -> list:
    """One unit's plans answering period ``code``: its own plan for it, else (a year) the plans
    answering its parts, in time order."""
    own = [p for p in plans if code_of(p) == code]
    return own or sorted(plans, key=span_of)


def _gathered_status(plans) -> str:
    """The status shown for plans gathered for a year: the furthest along of them."""
    return next(s for s in _STATUS_ORDER if any(p.status == s for p in plans))


@dataclass
class PlanFigures:
    """The plans answering a period for one unit and their status figures."""
    plans: list[Plan]
    status: R.Status
    plan_status: str | None
    gathered: bool = False  # the figures of the plans answering the period's parts
    digests: dict = field(default_factory=dict)  # plan id -> its status digest (domain.digest)
    updated: dict = field(default_factory=dict)  # plan id -> last report sent or reviewed (if any)

    @property
    def accepted(self) -> bool:
        return self.plan_status == "accepted"


def plan_figures(ref: P.PeriodRef, as_of: date | None = None, unit_ids=None) -> dict[int, PlanFigures]:
    """{unit_id: PlanFigures} for every unit with a plan answering ``ref`` (a year gathers its
    parts' plans when the unit has none of its own)."""
    return plan_figures_many([ref], as_of, unit_ids)[ref.code]


def plan_figures_many(refs: list[P.PeriodRef], as_of: date | None = None,
                      unit_ids=None) -> dict[str, dict[int, PlanFigures]]:
    """``plan_figures`` of several periods (a unit page shows this one and the one before)
    with one query for their plans and one for their actions: {code: {unit_id: PlanFigures}}."""
    as_of = as_of or today_wib()
    texts: dict[int, str | None] = {}
    updated: dict = {}
    plans_by_code = _plans_for_many(refs, unit_ids, texts, updated)
    # Each plan's status on the day from the digest it keeps (domain.digest: equal to
    # plan_status over its actions on any day), read with the plans instead of every action.
    digests = _digests({p.id: p for by_unit in plans_by_code.values()
                        for plans in by_unit.values() for p in plans}.values(), texts)
    result = {}
    for ref in refs:
        out = {}
        for uid, plans in plans_by_code[ref.code].items():
            statuses = [(digest.status_from_digest(digests[p.id], as_of, accepted=p.status == "accepted"),
                         p.status == "accepted") for p in plans]
            own = {p.id: digests[p.id] for p in plans}
            when = {p.id: updated[p.id] for p in plans if p.id in updated}
            if len(plans) == 1 and plans[0].period.code == ref.code:
                out[uid] = PlanFigures(plans, statuses[0][0], plans[0].status, digests=own, updated=when)
            else:
                out[uid] = PlanFigures(plans, R.gather_statuses(statuses), _gathered_status(plans),
                                       gathered=True, digests=own, updated=when)
        result[ref.code] = out
    return result


@dataclass
class UnitLateness:
    """One unit's lateness counts for a period, from its plans' kept dates (what the inspector's
    home lists); the same numbers as ``period_status`` gives (tested)."""
    unit_id: int
    unit_name: str
    plan_status: str | None
    late_reports: int = 0
    late_long: int = 0
    unfinished_after_schedule: int = 0


def lateness_counts(code: str, as_of: date | None = None) -> dict[int, UnitLateness]:
    """{unit_id: UnitLateness} for every unit with a plan answering ``code`` (a year gathers its
    parts' plans when the unit has none of its own; counts are sums over accepted plans, as
    ``gather_statuses`` sums them). One query of one row per plan, no action read; a plan whose
    dates were never kept (written before they were) is judged from its actions."""
    ref = P.parse_period(code)
    as_of = as_of or today_wib()
    codes = [ref.code] + ([d.code for d in rollup.descendants(ref)] if ref.kind == "year" else [])
    p, per = Plan.__table__, Period.__table__
    rows = core_rows(
        select(p.c.id, p.c.unit_id, Unit.name, p.c.status, per.c.code, per.c.start_date, per.c.end_date,
               per.c.progress_grace_days, cast(p.c.state_late_from, Text).label("late_from"),
               cast(p.c.state_unfinished_from, Text).label("unfinished_from"))
        .join(per, per.c.id == p.c.period_id).join(Unit, Unit.id == p.c.unit_id)
        .where(per.c.code.in_(codes))).all()
    judge = R.LatenessOn(as_of)
    # Plans never given their dates (written before they were kept) are judged from their actions.
    missing = [r.id for r in rows if r.status == "accepted" and r.late_from in (None, "null")]
    computed = {}
    if missing:
        facts = _facts(missing)
        grace = {r.id: r.progress_grace_days for r in rows}
        for pid in missing:
            dates = R.lateness_dates(facts[pid], grace[pid])
            computed[pid] = judge(dates.late_from, dates.unfinished_from)
    judged: dict = {}  # (late_from, unfinished_from) as stored -> the three counts on the day

    def counts(plan_id: int, late_from: str | None, unfinished_from: str | None) -> tuple[int, int, int]:
        found = computed.get(plan_id) or judged.get((late_from, unfinished_from))
        if found is None:
            found = judged[(late_from, unfinished_from)] = judge(stored_codes(late_from), stored_codes(unfinished_from))
        return found

    out = {}
    if ref.kind != "year":
        # A unit has at most one plan per period (uq_plan_unit_period): nothing to gather.
        for plan_id, unit_id, name, status, *_, late_from, unfinished_from in rows:
            u = out[unit_id] = UnitLateness(unit_id, name, status)
            if status == "accepted":
                u.late_reports, u.late_long, u.unfinished_after_schedule = counts(plan_id, late_from, unfinished_from)
        return out
    by_unit: dict[int, list] = {}
    for r in rows:
        by_unit.setdefault(r.unit_id, []).append(r)
    for uid, plans in by_unit.items():
        plans = _own_or_parts(plans, ref.code, lambda r: r.code, lambda r: (r.start_date, r.end_date))
        own = plans[0].code == ref.code
        u = UnitLateness(uid, plans[0].name, plans[0].status if own else _gathered_status(plans))
        for r in plans:
            if r.status != "accepted":
                continue  # lateness is judged only on an accepted plan
            late, long_, unfinished = counts(r.id, r.late_from, r.unfinished_from)
            u.late_reports += late
            u.late_long += long_
            u.unfinished_after_schedule += unfinished
        out[uid] = u
    return out


def accepted_realisation(code: str, unit_ids=None) -> dict[int, float | None]:
    """Each unit's realisation of the plans answering ``code`` (accepted only): what
    "Realisasi Tindak Lanjut Periode Sebelumnya" prints for the next period."""
    figures = plan_figures(P.parse_period(code), unit_ids=unit_ids)
    return {uid: f.status.realisation for uid, f in figures.items() if f.accepted}


def period_status(code: str, as_of: date | None = None, unit_ids=None, loaded=None,
                  figures: dict[int, PlanFigures] | None = None) -> PeriodStatus:
    """``loaded``: results already loaded by ``views_for_codes`` for the period and the next one
    (pages that show several periods load them once); ``figures``: ``plan_figures`` of the
    period for the same units and day, when the caller has them already."""
    from ..results.service import nrrs_for_codes
    ref = P.parse_period(code)
    as_of = as_of or today_wib()
    if loaded is not None and ref.code in loaded and ref.next().code in loaded:
        scores = {c: {v.unit.id: v.result.nrrs for v in loaded[c]} for c in (ref.code, ref.next().code)}
        unit_of = {v.unit.id: v.unit for c in scores for v in loaded[c]}
    else:
        # The scores only (the effect of follow-up), not every view of the period.
        scores, unit_of = nrrs_for_codes([ref.code, ref.next().code], unit_ids)
    now, after = scores[ref.code], scores[ref.next().code]
    if figures is None:
        figures = plan_figures(ref, as_of, unit_ids)
    units = {uid: unit_of[uid] for uid in now}
    units.update({f.plans[0].unit_id: f.plans[0].unit for f in figures.values()})
    out = []
    for uid, unit in units.items():
        f = figures.get(uid) or PlanFigures([], R.Status(parts=0), None)
        out.append(UnitStatus(unit=unit, plan_status=f.plan_status, status=f.status, plans=f.plans,
                              has_results=uid in now, nrr=dict(now.get(uid, {})),
                              nrr_next=dict(after.get(uid, {})), period_code=ref.code,
                              digests=f.digests, updated=f.updated))
    out.sort(key=lambda u: u.unit.name.lower())
    accepted = [u for u in out if u.plan_status == "accepted"]
    realisation, completion = R.city_status(u.status for u in accepted)
    without = [u for u in out if u.has_results and u.plan_status != "accepted"]
    return PeriodStatus(code=ref.code, as_of=as_of, units=out, realisation=realisation,
                        completion=completion, units_with_results=len(now),
                        without_accepted_plan=without)


def unit_effects(u: UnitStatus) -> list[effect.ElementEffect]:
    """Before/after NRR of each element the unit's plans acted on, beside its realisation."""
    return effect.unit_effects(u.status.elements, u.nrr, u.nrr_next)


def city_effect(st: PeriodStatus) -> effect.CityEffect:
    """Change of followed-up elements against the others, over units with an accepted plan."""
    return effect.city_effect(
        (u.status.elements.keys(), u.nrr, u.nrr_next,
         {k: e["realisation"] for k, e in u.status.elements.items()})
        for u in st.units if u.plan_status == "accepted")


def _pct(value):
    return None if value is None else round(float(value), 4)


def _nrr(value):
    return None if value is None else round(float(value), 4)


def status_json(st: PeriodStatus) -> dict:
    """The CONTRACT.md ``rtl status`` document (with a few extra keys, which it allows)."""
    units = []
    for u in st.units:
        s = u.status
        accepted = u.plan_status == "accepted"
        units.append({
            "unit": u.unit.name,
            "plan_status": u.plan_status,
            "actions": s.actions,
            "realisation": _pct(s.realisation) if accepted else None,
            "claimed": _pct(s.claimed) if accepted else None,
            "completion": _pct(s.completion) if accepted else None,
            "late_reports": s.late_reports,
            "unfinished_after_schedule": s.unfinished_after_schedule,
            "unscheduled": s.unscheduled,
            "awaiting_verification": s.awaiting_verification,
            "late_over_30_days": s.late_long,
            "without_owner": s.no_owner,
            "elements": [{"element": key, "actions": e["actions"],
                          "realisation": _pct(e["realisation"]) if accepted else None,
                          "nrr": _nrr(u.nrr.get(key)), "nrr_next": _nrr(u.nrr_next.get(key))}
                         for key, e in s.elements.items()],
            "plans": [p.period.code for p in u.plans],
            "obtained": u.how,
            "has_results": u.has_results,
        })
    return {
        "period": st.code,
        "as_of": st.as_of.isoformat(),
        "city": {"realisation": _pct(st.realisation), "completion": _pct(st.completion),
                 "units_with_results": st.units_with_results,
                 "units_with_accepted_plan": len(st.with_accepted_plan),
                 "aggregation": AGGREGATION,
                 "units_without_accepted_plan": [u.unit.name for u in st.without_accepted_plan],
                 "rule": NO_PLAN_RULE},
        "units": units,
    }
