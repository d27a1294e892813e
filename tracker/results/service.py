"""Loading stored results into domain objects (one place, so every screen, export and command
computes the same numbers)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..domain import periods as P
from ..domain import scoring
from ..extensions import db
from ..models import ElementScore, ImportBatch, Period, Unit, UnitResult


@dataclass
class UnitView:
    """A unit's result in a period, as screens and exports show it."""
    unit: Unit
    result: scoring.UnitResult
    rows: list[StoredResult] = field(default_factory=list)  # stored rows behind it (1, or 2 for a year)
    flags: list[dict] = field(default_factory=list)
    method: str | None = None

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
        from ..domain.elements import CURRENT_KEYS
        period = Period(code=ref.code, kind=ref.kind, year=ref.year, number=ref.number,
                        start_date=ref.start, end_date=ref.end, element_keys=list(CURRENT_KEYS),
                        numbering=numbering)
        db.session.add(period)
        db.session.flush()
    elif numbering and not period.numbering:
        period.numbering = numbering
    return period


@dataclass
class StoredElement:
    """One stored element score (a plain row of ``element_score``)."""
    element: str
    total: float | None
    answers: int | None
    nrr: float


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


_RESULT_COLUMNS = ("id", "batch_id", "period_id", "unit_id", "source_row", "respondents", "method",
                   "population", "reported_ikm", "ikm", "category", "family", "flags",
                   "survey_start", "survey_end")


def stored_results(period_ids: list[int], unit_ids: set[int] | None = None) -> list[StoredResult]:
    """Results of the active scores/responses batches of the given periods: three queries
    (results, their element scores, and the units and periods they name), whatever the size."""
    period_ids = list(period_ids)
    if not period_ids:
        return []
    t = UnitResult.__table__
    active = [t.c.period_id.in_(period_ids), ImportBatch.status == "active"]
    if unit_ids is not None:
        active.append(t.c.unit_id.in_(unit_ids or {-1}))
    query = (select(*(t.c[name] for name in _RESULT_COLUMNS))
             .join(ImportBatch, ImportBatch.id == t.c.batch_id).where(*active).order_by(t.c.id))
    rows = db.session.execute(query).all()
    if not rows:
        return []
    units = {u.id: u for u in Unit.query.filter(Unit.id.in_({r.unit_id for r in rows})).all()}
    periods = {p.id: p for p in Period.query.filter(Period.id.in_({r.period_id for r in rows})).all()}
    results = {r.id: StoredResult(*r, unit=units[r.unit_id], period=periods[r.period_id])
               for r in rows}
    e = ElementScore.__table__
    scores = (select(e.c.result_id, e.c.element, e.c.total, e.c.answers, e.c.nrr)
              .where(e.c.result_id.in_(query.with_only_columns(t.c.id).order_by(None)))
              .order_by(e.c.id))
    for result_id, element, total, answers, nrr in db.session.execute(scores):
        results[result_id].elements.append(StoredElement(element, total, answers, nrr))
    return list(results.values())


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


def has_own_results(period: Period) -> bool:
    return (db.session.query(UnitResult.id).join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
            .filter(UnitResult.period_id == period.id, ImportBatch.status == "active").first()
            is not None)


def sub_periods(ref: P.PeriodRef) -> list[Period]:
    codes = [s.code for s in ref.semesters()]
    found = {p.code: p for p in Period.query.filter(Period.code.in_(codes)).all()} if codes else {}
    return [found[c] for c in codes if c in found]


def semester_view(row: StoredResult) -> UnitView:
    """The view of one stored row (a semester inside a year's view)."""
    return UnitView(unit=row.unit, result=_to_domain(row), rows=[row], flags=list(row.flags or []),
                    method=row.method)


def unit_views(code: str, unit_ids: set[int] | None = None) -> list[UnitView]:
    """Per-unit results for a period code. A year with no results of its own aggregates its
    semesters (mean of element NRRs, sum of respondents)."""
    ref = P.parse_period(code)
    period = get_period(ref.code)
    if period is not None and has_own_results(period):
        rows = stored_results([period.id], unit_ids)
        return sorted((semester_view(r) for r in rows), key=lambda v: v.unit.name.lower())
    if ref.kind != "year":
        return []
    semesters = sub_periods(ref)
    if not semesters:
        return []
    rows = stored_results([p.id for p in semesters], unit_ids)
    by_unit: dict[int, list[StoredResult]] = {}
    order = {p.id: i for i, p in enumerate(semesters)}
    for r in sorted(rows, key=lambda r: order[r.period_id]):
        by_unit.setdefault(r.unit_id, []).append(r)
    views = []
    for parts in by_unit.values():
        combined = scoring.combine_periods([_to_domain(r) for r in parts])
        flags = [dict(f, period=r.period.code) for r in parts for f in (r.flags or [])]
        methods = sorted({r.method for r in parts if r.method})
        views.append(UnitView(unit=parts[0].unit, result=combined, rows=parts, flags=flags,
                              method=" / ".join(methods) or None))
    return sorted(views, key=lambda v: v.unit.name.lower())


def available_periods() -> list[Period]:
    """Stored periods plus years that can be aggregated from stored semesters, newest first."""
    return Period.query.order_by(Period.year.desc(), Period.kind, Period.number.desc()).all()


def period_codes_with_years() -> list[str]:
    codes = {p.code for p in available_periods()}
    for p in available_periods():
        if p.kind == "semester":
            codes.add(str(p.year))
    return sorted(codes, key=lambda c: (P.parse_period(c).year, P.parse_period(c).kind != "year",
                                        P.parse_period(c).number), reverse=True)
