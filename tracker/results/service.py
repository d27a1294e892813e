"""Loading stored results into domain objects (one place, so every screen, export and command
computes the same numbers)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import Text, case, cast, func, select

from .. import jsontext
from ..domain import periods as P
from ..domain import rollup, scoring
from ..extensions import core_rows, db
from ..models import ElementScore, ImportBatch, Period, Unit, UnitResult


class ResultFigures:
    """The figures of ``self.result`` (a ``scoring.UnitResult``) that screens print."""

    @property
    def ikm(self):
        return self.result.ikm

    @property
    def category(self):
        return self.result.category

    @property
    def respondents(self):
        return self.result.respondents

    @property
    def priorities(self):
        return self.result.priorities()


@dataclass
class UnitView(ResultFigures):
    """A unit's result in a period, as screens and exports show it."""
    unit: Unit
    result: scoring.UnitResult
    rows: list[StoredResult] = field(default_factory=list)  # the unit's own results behind it
    flags: list[dict] = field(default_factory=list)
    method: str | None = None
    code: str | None = None  # the period this figure is for
    how: str = rollup.OWN  # rollup.OWN (the unit's own survey) | rollup.MEAN (mean of parts)
    source: str = rollup.OWN_LABEL  # how it was obtained, in words ("rata-rata TW I-II")
    parts: list["UnitView"] = field(default_factory=list)  # the sub-periods averaged

    @property
    def part_by_code(self) -> dict[str, "UnitView"]:
        return {p.code: p for p in self.parts}

    @property
    def survey_start(self):
        """The unit's own fieldwork window: from the earliest start of the stored results
        behind this figure to the latest end (None when no file gave it)."""
        days = [r.survey_start for r in self.rows if r.survey_start is not None]
        return min(days) if days else None

    @property
    def survey_end(self):
        days = [r.survey_end for r in self.rows if r.survey_end is not None]
        return max(days) if days else None


def get_period(code: str) -> Period | None:
    return Period.query.filter_by(code=P.parse_period(code).code).first()


def ensure_period(code: str, numbering: str | None = None) -> Period:
    ref = P.parse_period(code)
    period = Period.query.filter_by(code=ref.code).first()
    if period is None:
        from ..domain.elements import CURRENT_KEYS, numbering_keys
        keys = list(numbering_keys(numbering)) if numbering else list(CURRENT_KEYS)
        period = Period(code=ref.code, kind=ref.kind, year=ref.year, number=ref.number,
                        start_date=ref.start, end_date=ref.end,
                        element_keys=[k for k in CURRENT_KEYS if k in keys] + [k for k in keys if k not in CURRENT_KEYS],
                        numbering=numbering)
        db.session.add(period)
        db.session.flush()
    elif numbering and not period.numbering:
        period.numbering = numbering
    return period


class StoredElement(NamedTuple):
    """One stored element score (a row of ``element_score``, or an item of its result's
    ``scores_kept``; a tuple: a city's results are thousands of them)."""
    element: str
    total: float | None
    answers: int | None
    nrr: float


def kept_scores(scores) -> str:
    """A result's ``scores_kept``: its [element, total, answers, nrr] items as JSON (plain
    numbers: values parsed by pandas may be numpy's)."""
    return json.dumps([[str(k), None if t is None else float(t), None if a is None else int(a), float(n)]
                       for k, t, a, n in scores])


@dataclass
class StoredResult:
    """One stored unit result of an active batch, read as plain columns.

    It has the attributes of the ``UnitResult`` model that screens and exports read; ``unit``
    and ``period`` are the (few, shared) ORM objects. Loading a city's results this way instead
    of as ORM objects with their element scores is what keeps the recap, the dashboard and the
    annex cheap: a year of 300 units is 600 results and 5,400 element scores.
    """
    id: int
    batch_id: int
    period_id: int
    unit_id: int
    source_row: int | None
    respondents: int | None
    method: str | None
    population: int | None
    reported_ikm: float | None
    ikm: float
    category: str
    family: str
    flags: list
    survey_start: object
    survey_end: object
    unit: Unit
    period: Period
    elements: list[StoredElement] = field(default_factory=list)

    @property
    def nrrs(self) -> dict[str, float]:
        return {e.element: e.nrr for e in self.elements}


# A unit's result counts when its batch is the period's active one and no later result of the
# same unit and period (an import or an accepted submission) has taken its place.
ACTIVE = (ImportBatch.status == "active", UnitResult.__table__.c.superseded_at.is_(None))


def in_periods(codes):
    """Results of the periods ``codes``, by their ids looked up first (one small query): given
    the ids, SQLite reads the results through the index on (period_id, batch_id). Joined to the
    period and filtered on its code, or given the ids as a subquery, it may instead walk every
    result of every import batch, which grows with the city's history."""
    ids = db.session.execute(select(Period.id).where(Period.code.in_(list(codes)))).scalars().all()
    return UnitResult.__table__.c.period_id.in_(ids or [-1])


_RESULT_COLUMNS = ("id", "batch_id", "period_id", "unit_id", "source_row", "respondents", "method",
                   "population", "reported_ikm", "ikm", "category", "family", "flags",
                   "survey_start", "survey_end")


def stored_results(period_ids: list[int], unit_ids: set[int] | None = None,
                   periods: dict[int, Period] | None = None) -> list[StoredResult]:
    """Results of the active scores/responses batches of the given periods: three queries
    (results with the element scores kept on their rows, and the units and periods they name;
    ``periods``, the Period rows of ``period_ids`` when the caller has them, saves the last),
    whatever the size; one more, of element_score, only for results stored before their scores
    were kept on their rows."""
    period_ids = list(period_ids)
    if not period_ids:
        return []
    t = UnitResult.__table__
    active = [t.c.period_id.in_(period_ids), *ACTIVE]
    if unit_ids is not None:
        active.append(t.c.unit_id.in_(unit_ids or {-1}))
    # flags as text, decoded here: most are "[]", and the driver's JSON decoding of every row
    # cost more than the rest of the row.
    columns = [cast(t.c[name], Text).label(name) if name == "flags" else t.c[name] for name in _RESULT_COLUMNS]
    # Ordered here by id, not by the database: asked to order by id, SQLite walks every result
    # in id order instead of reading the periods' results through their index.
    query = (select(*columns, t.c.scores_kept)
             .join(ImportBatch, ImportBatch.id == t.c.batch_id).where(*active))
    rows = sorted(core_rows(query), key=itemgetter(0))
    if not rows:
        return []
    # Units and periods by a subquery, not by sending every id as a parameter.
    named = query.order_by(None)
    units = {u.id: u for u in Unit.query.filter(Unit.id.in_(named.with_only_columns(t.c.unit_id))).all()}
    if periods is None:
        periods = {p.id: p for p in Period.query.filter(Period.id.in_(named.with_only_columns(t.c.period_id))).all()}
    results, unkept = {}, False
    make = StoredElement._make
    flags_at = _RESULT_COLUMNS.index("flags")
    for *values, kept in rows:
        text = values[flags_at]
        values[flags_at] = [] if text is None or text == "[]" else jsontext.loads(text)
        row = results[values[0]] = StoredResult(*values, unit=units[values[3]], period=periods[values[2]])
        if kept is None:
            unkept = True
        else:
            row.elements = [make(item) for item in jsontext.loads(kept)]
    if unkept:
        for row in _unkept_scores(named):
            results[row[0]].elements.append(make(row[1:]))
    return list(results.values())


def _unkept_scores(results):
    """(result id, element, total, answers, nrr) of the results selected by ``results`` (a
    select of ``unit_result``) that were stored before their scores were kept on their row,
    from element_score, in its order: one query, by a subquery (no id list)."""
    t, e = UnitResult.__table__, ElementScore.__table__
    return core_rows(select(e.c.result_id, e.c.element, e.c.total, e.c.answers, e.c.nrr)
                     .where(e.c.result_id.in_(results.with_only_columns(t.c.id).order_by(None)
                                              .where(t.c.scores_kept.is_(None))))
                     .order_by(e.c.id))


def _to_domain(row: StoredResult) -> scoring.UnitResult:
    sums = {e.element: e.total for e in row.elements if e.total is not None} or None
    answers = {e.element: e.answers for e in row.elements if e.answers is not None} or None
    return scoring.UnitResult(unit=row.unit.name, nrrs=row.nrrs, respondents=row.respondents,
                              sums=sums, answers=answers, group=row.unit.group)


def display_numbering(ref: P.PeriodRef, period: Period | None = None) -> str:
    """The numbering U-codes are shown with: the period's, else its semesters', else the
    questionnaire numbering (the regulation's sample questionnaire)."""
    if period is None:
        period = get_period(ref.code)
    if period is not None and period.numbering:
        return period.numbering
    for sub in sub_periods(ref):
        if sub.numbering:
            return sub.numbering
    return "questionnaire"


def has_results(code: str) -> bool:
    """True when some unit has a result for the period, its own or rolled up from its parts."""
    ref = P.parse_period(code)
    codes = [ref.code] + [d.code for d in rollup.descendants(ref)]
    ids = [p.id for p in Period.query.filter(Period.code.in_(codes)).all()]
    return bool(ids) and (db.session.query(UnitResult.id)
                          .join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
                          .filter(UnitResult.period_id.in_(ids), *ACTIVE)
                          .first() is not None)


def sub_periods(ref: P.PeriodRef) -> list[Period]:
    codes = [s.code for s in ref.semesters()]
    found = {p.code: p for p in Period.query.filter(Period.code.in_(codes)).all()} if codes else {}
    return [found[c] for c in codes if c in found]


def semester_view(row: StoredResult, result: scoring.UnitResult | None = None) -> UnitView:
    """The view of one stored row (the unit's own result for that row's period); ``result``,
    the row's domain result when the caller built it already."""
    return UnitView(unit=row.unit, result=_to_domain(row) if result is None else result, rows=[row], flags=list(row.flags or []),
                    method=row.method, code=row.period.code)


def view_of(rolled: rollup.Rolled, unit: Unit, stored: dict[str, StoredResult]) -> UnitView:
    """A UnitView from a rolled result of the rows ``stored`` (the unit's own period codes to
    rows; an OWN result is the domain result of its row)."""
    if rolled.how == rollup.OWN:
        return semester_view(stored[rolled.code], rolled.result)
    rows = [stored[code] for code in rolled.sources]
    flags = [dict(f, period=r.period.code) for r in rows for f in (r.flags or [])]
    methods = sorted({r.method for r in rows if r.method})
    return UnitView(unit=unit, result=rolled.result, rows=rows, flags=flags,
                    method=" / ".join(methods) or None, code=rolled.code, how=rolled.how,
                    source=rolled.label,
                    parts=[view_of(p, unit, stored) for p in rolled.parts])


def views_from_rows(codes, rows: list[StoredResult]) -> dict[str, list[UnitView]]:
    """{code: unit views} for the given period codes from already loaded stored rows, by the
    roll-up rule (``domain.rollup``), each list in unit name order."""
    by_unit: dict[int, dict[str, StoredResult]] = {}
    for r in rows:
        by_unit.setdefault(r.unit_id, {})[r.period.code] = r
    domain = {uid: {code: _to_domain(r) for code, r in own.items()} for uid, own in by_unit.items()}
    out: dict[str, list[UnitView]] = {}
    for code in codes:
        ref = P.parse_period(code)
        views = [view_of(rolled, next(iter(by_unit[uid].values())).unit, by_unit[uid])
                 for uid, rolled in rollup.roll_city(ref, domain).items()]
        out[ref.code] = sorted(views, key=lambda v: v.unit.name.lower())
    return out


def unit_views(code: str, unit_ids: set[int] | None = None) -> list[UnitView]:
    """Per-unit results for a period code: each unit's own result for the period, else its
    parts rolled up (a semester from its quarters, a year from its semesters), per unit."""
    ref = P.parse_period(code)
    return views_for_codes([ref.code], unit_ids)[ref.code]


def views_for_codes(codes, unit_ids: set[int] | None = None) -> dict[str, list[UnitView]]:
    """``unit_views`` for several period codes with one load of the stored rows they need."""
    refs = [P.parse_period(c) for c in codes]
    return views_from_rows([r.code for r in refs], _rows_for(refs, unit_ids))


def _rows_for(refs: list[P.PeriodRef], unit_ids: set[int] | None) -> list[StoredResult]:
    """The stored rows the periods ``refs`` are made of: their own and their parts'."""
    needed = {c.code for r in refs for c in [r, *rollup.descendants(r)]}
    periods = Period.query.filter(Period.code.in_(needed)).all()
    return stored_results([p.id for p in periods], unit_ids, {p.id: p for p in periods}) if periods else []


def nrrs_for_codes(codes, unit_ids: set[int] | None = None) -> tuple[dict[str, dict[int, dict]], dict[int, Unit]]:
    """({code: {unit id: element NRRs}}, {unit id: Unit}): each unit's NRRs for each period
    by the roll-up rule, exactly as ``views_for_codes`` gives them in its views' results, and
    the units with a result in any of them. For readers that need the scores only (the
    follow-up status: the effect of follow-up), without building every view."""
    refs = [P.parse_period(c) for c in codes]
    needed = {c.code for r in refs for c in [r, *rollup.descendants(r)]}
    t, per = UnitResult.__table__, Period.__table__
    # The period joined for its code and filtered on it (no lookup first): without an order
    # asked of the database, SQLite reads the periods' results through their index.
    active = [per.c.code.in_(needed), *ACTIVE]
    if unit_ids is not None:
        active.append(t.c.unit_id.in_(unit_ids or {-1}))
    results = (select(t.c.id, t.c.unit_id, per.c.code, t.c.respondents, t.c.scores_kept)
               .join(ImportBatch, ImportBatch.id == t.c.batch_id).join(per, per.c.id == t.c.period_id)
               .where(*active))
    rows = sorted(core_rows(results), key=itemgetter(0))  # by id, as stored_results
    own: dict[int, dict[str, scoring.UnitResult]] = {}
    unkept = {}
    for result_id, unit_id, code, respondents, kept in rows:
        # A later result of the same unit and period replaces an earlier one (ordered by id),
        # as in stored_results.
        nrrs = {} if kept is None else {item[0]: item[3] for item in jsontext.loads(kept)}
        own.setdefault(unit_id, {})[code] = scoring.UnitResult(unit="", nrrs=nrrs, respondents=respondents)
        if kept is None:
            unkept[result_id] = nrrs
    if unkept:
        for result_id, element, _, _, nrr in _unkept_scores(results):
            unkept[result_id][element] = nrr
    units: dict[int, Unit] = {u.id: u for u in Unit.query.filter(
        Unit.id.in_(results.with_only_columns(t.c.unit_id))).all()} if own else {}
    out = {ref.code: {uid: rolled.result.nrrs for uid, rolled in rollup.roll_city(ref, own).items()}
           for ref in refs}
    return out, units


@dataclass
class Coverage:
    """How many units a quarter's (or semester's) figure covers, against the units with a
    result in its year: a quarter is never the city's figure for the year."""
    units: int
    of: int
    year: str


def units_with_results(code: str) -> int:
    """How many units have a result for the period, their own or rolled up from its parts (the
    roll-up rule gives a unit a result exactly when it has one in the period or a sub-period),
    counted in one query without loading any result."""
    ref = P.parse_period(code)
    codes = [ref.code] + [d.code for d in rollup.descendants(ref)]
    return db.session.execute(
        select(func.count(func.distinct(UnitResult.unit_id)))
        .join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
        .where(in_periods(codes), *ACTIVE)).scalar() or 0


def units_with_results_named(code: str) -> dict[int, str]:
    """{unit id: name} of the units with a result for the period (as ``units_with_results``
    counts them), in one query without loading any result."""
    ref = P.parse_period(code)
    codes = [ref.code] + [d.code for d in rollup.descendants(ref)]
    return dict(core_rows(
        select(Unit.id, Unit.name).where(Unit.id.in_(
            select(UnitResult.unit_id).join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
            .where(in_periods(codes), *ACTIVE)))).all())


def coverage(code: str) -> Coverage | None:
    """Both counts in one query: the units with a result in the period (its own or its
    parts') and in its year (``units_with_results`` of each)."""
    ref = P.parse_period(code)
    if ref.kind == "year":
        return None
    year = P.parse_period(str(ref.year))
    inside = [ref.code] + [d.code for d in rollup.descendants(ref)]
    year_codes = [year.code] + [d.code for d in rollup.descendants(year)]
    units, of = db.session.execute(
        select(func.count(func.distinct(case((Period.code.in_(inside), UnitResult.unit_id), else_=None))),
               func.count(func.distinct(UnitResult.unit_id)))
        .join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
        .join(Period, Period.id == UnitResult.period_id)
        .where(in_periods(year_codes), *ACTIVE)).one()
    return Coverage(units or 0, of or 0, year.code)


def available_periods() -> list[Period]:
    """Stored periods plus years that can be aggregated from stored semesters, newest first."""
    return Period.query.order_by(Period.year.desc(), Period.kind, Period.number.desc()).all()


def period_codes_with_years() -> list[str]:
    """Codes of the periods with results: the stored periods, and the semesters and years their
    results roll up into."""
    own = [code for (code,) in db.session.query(Period.code).join(UnitResult, UnitResult.period_id == Period.id)
           .join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
           .filter(*ACTIVE).distinct()]
    codes = rollup.codes_with_results(own) | {p.code for p in available_periods()}
    return sorted(codes, key=_newest_first, reverse=True)


def _newest_first(code: str):
    ref = P.parse_period(code)
    return (ref.year, ref.kind == "year", ref.end, ref.kind == "semester")
