"""The period recap (Tabel 3.1, 3.3, 3.4/3.5 and counts) built from the domain, for screens."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..domain import periods as P
from ..domain import scoring
from .service import UnitView, coverage, unit_views


@dataclass
class SemesterRow:
    unit: object
    s1: UnitView | None
    s2: UnitView | None
    year: UnitView | None
    change: float | None
    trend: str | None


@dataclass
class Recap:
    code: str
    label: str
    views: list[UnitView]
    city: scoring.CityRecap | None
    elements_lowest_first: list[tuple[str, float]] = field(default_factory=list)
    top: list[UnitView] = field(default_factory=list)
    bottom: list[UnitView] = field(default_factory=list)
    semester_rows: list[SemesterRow] = field(default_factory=list)
    semester_means: dict = field(default_factory=dict)
    trend_counts: dict = field(default_factory=dict)
    coverage: object = None  # for a quarter or semester: units covered of the year's units


def semester_rows(listed, year: int) -> list[SemesterRow]:
    """Tabel 3.1's rows of the listed year views: each with its semesters (its parts, own or
    rolled up) and the change between them."""
    s1_code, s2_code = f"{year}-S1", f"{year}-S2"
    rows = []
    for v in listed:
        parts = v.part_by_code
        a, b = parts.get(s1_code), parts.get(s2_code)
        change = trend = None
        if a and b:
            change = scoring.change_pct(a.ikm, b.ikm)
            trend = scoring.trend_word(change)
        rows.append(SemesterRow(v.unit, a, b, v, change, trend))
    return rows


def build_recap(code: str, unit_ids: set[int] | None = None, weighted: bool = False) -> Recap:
    """City figures always come from every unit; ``unit_ids`` only limits the listed rows."""
    ref = P.parse_period(code)
    views = unit_views(ref.code)
    city = scoring.city_recap([v.result for v in views], weighted) if views else None
    from .order import in_org_order
    listed = in_org_order([v for v in views if unit_ids is None or v.unit.id in unit_ids], lambda v: v.unit)
    recap = Recap(code=ref.code, label=ref.label, views=listed, city=city)
    if not views:
        return recap
    recap.coverage = coverage(ref.code)
    recap.elements_lowest_first = scoring.elements_lowest_first(city.elements)
    by_result = {id(v.result): v for v in views}
    recap.top = [by_result[id(r)] for r in scoring.top([v.result for v in views], 10)]
    recap.bottom = [by_result[id(r)] for r in scoring.bottom([v.result for v in views], 10)]
    s1_code, s2_code = f"{ref.year}-S1", f"{ref.year}-S2"
    if ref.kind == "year" and any(p.code in (s1_code, s2_code) for v in views for p in v.parts):
        # The year's views already hold their semesters (own or rolled up): no second load.
        s1, s2 = {}, {}
        for v in views:
            parts = v.part_by_code
            if s1_code in parts:
                s1[v.unit.id] = parts[s1_code]
            if s2_code in parts:
                s2[v.unit.id] = parts[s2_code]
        year = {v.unit.id: v for v in views}
        counts = {"Naik": 0, "Turun": 0, "Stagnan": 0}
        recap.semester_rows = semester_rows(listed, ref.year)
        for uid in year:
            a, b = s1.get(uid), s2.get(uid)
            if a and b:
                counts[scoring.trend_word(scoring.change_pct(a.ikm, b.ikm))] += 1
        recap.trend_counts = counts

        def mean(values):
            values = [x for x in values if x is not None]
            return sum(values) / len(values) if values else None

        recap.semester_means = {
            "s1": mean(v.ikm for v in s1.values()), "s2": mean(v.ikm for v in s2.values()),
            "year": city.ikm,
            "s1_resp": sum(v.respondents or 0 for v in s1.values()),
            "s2_resp": sum(v.respondents or 0 for v in s2.values()),
            "year_resp": city.respondents,
        }
    return recap
