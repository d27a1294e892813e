"""SKM scoring (Permenpan RB 14/2017): NRR, IKM, categories, priorities, aggregates.

Rules chosen where the regulation leaves room:
- Category: the converted IKM (25-100) is rounded half-up to 2 decimals, then
  D < 65.00 <= C <= 76.60 < B <= 88.30 < A. Rounding first closes the gaps between the
  regulation's intervals (76.60 / 76.61, 88.30 / 88.31): 76.604 is C, 76.605 is B, 88.305 is A,
  64.995 is C. Float noise never decides: a value is first rounded to 9 decimals, so an exact
  76.605 computed as 76.60499999999999 is still B. An element NRR is classified by NRR x 25
  (so the NRR gaps close the same way: NRR 3.0642 -> 76.605 -> B).
- Priority elements: the N lowest NRRs (default 3), lowest first; equal NRRs (compared after
  rounding to 9 decimals, so float noise never decides) are ordered by the element's place in
  the regulation's list (persyaratan first, sarpras last), which does not depend on numbering.
- City IKM: plain mean of the units' IKM by default ("mean of unit IKM"); the respondent-weighted
  mean is available and labelled "respondent-weighted mean of unit IKM".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping, Sequence

from .elements import CURRENT_KEYS, ELEMENTS

CATEGORY_NAMES = {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}

# (category, lower NRR, upper NRR, lower converted, upper converted), as the regulation prints it.
CATEGORY_INTERVALS = (
    ("A", 3.5324, 4.0000, 88.31, 100.00),
    ("B", 3.0644, 3.5320, 76.61, 88.30),
    ("C", 2.6000, 3.0640, 65.00, 76.60),
    ("D", 1.0000, 2.5996, 25.00, 64.99),
)

AGGREGATION_MEAN = "mean of unit IKM"
AGGREGATION_WEIGHTED = "respondent-weighted mean of unit IKM"
AGGREGATION_LABELS_ID = {
    AGGREGATION_MEAN: "rata-rata IKM unit",
    AGGREGATION_WEIGHTED: "rata-rata IKM unit tertimbang jumlah responden",
}

_ORDER = {key: i for i, key in enumerate(list(CURRENT_KEYS) + [k for k in ELEMENTS if k not in CURRENT_KEYS])}


def round_half_up(value: float, decimals: int = 2) -> float:
    """Round half away from zero, as reports print numbers. Float noise below 1e-9 is dropped
    first, so a value that is exactly x.xx5 on paper rounds up even when the float arithmetic
    produced x.xx4999999999."""
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(round(value, 9))).quantize(q, rounding=ROUND_HALF_UP))


def nrr(total: float, answers: int) -> float:
    """NRR of one element: the sum of its answers divided by the number of answers given."""
    if answers <= 0:
        raise ValueError("answers must be positive")
    return total / answers


def weights(element_count: int) -> float:
    return 1.0 / element_count


def weighted_nrrs(nrrs: Mapping[str, float]) -> dict[str, float]:
    """NRR tertimbang: each NRR times 1/N for the N elements surveyed."""
    w = weights(len(nrrs))
    return {key: value * w for key, value in nrrs.items()}


def ikm_unit(nrrs: Mapping[str, float]) -> float:
    """IKM on the 1-4 scale: the sum of the weighted NRRs."""
    if not nrrs:
        raise ValueError("no elements")
    return sum(nrrs.values()) / len(nrrs)


def ikm(nrrs: Mapping[str, float]) -> float:
    """Converted IKM (25-100) = 25 x the mean of the element NRRs."""
    return ikm_unit(nrrs) * 25.0


def category(converted: float) -> str:
    """Mutu pelayanan A-D of a value on the 25-100 scale (see module rule)."""
    value = round_half_up(converted, 2)
    if value < 65.00:
        return "D"
    if value <= 76.60:
        return "C"
    if value <= 88.30:
        return "B"
    return "A"


def nrr_category(value: float) -> str:
    return category(value * 25.0)


def category_name(code: str) -> str:
    return CATEGORY_NAMES[code]


def priority_elements(nrrs: Mapping[str, float], count: int = 3) -> list[str]:
    """The ``count`` lowest elements, lowest first, ties by regulation order."""
    ranked = sorted(nrrs, key=lambda k: (round(nrrs[k], 9), _ORDER.get(k, 99)))
    return ranked[:count]


def krejcie_morgan(population: int, chi2: float = 3.841, p: float = 0.5, d: float = 0.05) -> int:
    """Minimum sample for a population served (Krejcie & Morgan), rounded up."""
    if population <= 0:
        return 0
    s = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return math.ceil(round(s, 9))


@dataclass
class UnitResult:
    """One unit's result for one period, by element key."""

    unit: str
    nrrs: dict[str, float]
    respondents: int | None = None
    sums: dict[str, float] | None = None
    answers: dict[str, int] | None = None
    group: str | None = None

    @property
    def ikm(self) -> float:
        return ikm(self.nrrs)

    @property
    def ikm_unit(self) -> float:
        return ikm_unit(self.nrrs)

    @property
    def category(self) -> str:
        return category(self.ikm)

    @property
    def weighted(self) -> dict[str, float]:
        return weighted_nrrs(self.nrrs)

    def priorities(self, count: int = 3) -> list[str]:
        return priority_elements(self.nrrs, count)


def result_from_sums(unit: str, sums: Mapping[str, float], answers: Mapping[str, int] | int,
                     respondents: int | None = None, group: str | None = None) -> UnitResult:
    """Build a result from element sums S and the number of answers per element."""
    counts = {k: answers for k in sums} if isinstance(answers, int) else dict(answers)
    nrrs = {k: nrr(sums[k], counts[k]) for k in sums}
    if respondents is None and isinstance(answers, int):
        respondents = answers
    return UnitResult(unit=unit, nrrs=nrrs, respondents=respondents, sums=dict(sums),
                      answers=counts, group=group)


def result_from_responses(unit: str, rows: Iterable[Mapping[str, int | None]],
                          keys: Sequence[str], group: str | None = None) -> UnitResult:
    """Aggregate respondent answers; an unanswered element does not count in its NRR.
    An answer outside 1-4 raises ValueError (it would give an NRR outside 1-4)."""
    sums = {k: 0 for k in keys}
    counts = {k: 0 for k in keys}
    respondents = 0
    for row in rows:
        respondents += 1
        for k in keys:
            v = row.get(k)
            if v is not None:
                if isinstance(v, bool) or not 1 <= v <= 4:
                    raise ValueError(f"answer {v!r} for {k} is outside 1-4")
                sums[k] += v
                counts[k] += 1
    missing = [k for k in keys if counts[k] == 0]
    if missing:
        raise ValueError(f"no answers for {', '.join(missing)}")
    return UnitResult(unit=unit, nrrs={k: sums[k] / counts[k] for k in keys},
                      respondents=respondents, sums=sums, answers=counts, group=group)


def combine_periods(results: Sequence[UnitResult]) -> UnitResult:
    """A year's result from its semesters: plain mean of element NRRs (hence of IKM), sum of
    respondents. Elements surveyed in only some sub-periods are averaged over those."""
    if not results:
        raise ValueError("nothing to combine")
    nrrs = mean_elements(results)
    resp = [r.respondents for r in results if r.respondents is not None]
    return UnitResult(unit=results[0].unit, nrrs=nrrs, respondents=sum(resp) if resp else None,
                      group=results[0].group)


def change_pct(before: float, after: float) -> float:
    """(after - before) / before x 100."""
    return (after - before) / before * 100.0


def trend_word(pct: float) -> str:
    """Naik / Turun / Stagnan; Stagnan is a change of exactly 0.00 after rounding."""
    r = round_half_up(pct, 2)
    if r > 0:
        return "Naik"
    if r < 0:
        return "Turun"
    return "Stagnan"


@dataclass
class CityRecap:
    ikm: float
    category: str
    respondents: int
    units: int
    aggregation: str
    elements: dict[str, float]
    category_counts: dict[str, int] = field(default_factory=dict)
    above_mean: int = 0
    below_mean: int = 0


def city_ikm(results: Sequence[UnitResult], weighted: bool = False) -> float:
    if not results:
        raise ValueError("no units")
    if weighted:
        total = sum(r.respondents or 0 for r in results)
        if total == 0:
            raise ValueError("no respondents to weight by")
        return sum(r.ikm * (r.respondents or 0) for r in results) / total
    return sum(r.ikm for r in results) / len(results)


def city_elements(results: Sequence[UnitResult]) -> dict[str, float]:
    """Plain mean of the units' element NRRs (Surakarta Tabel 3.3)."""
    return mean_elements(results)


def mean_elements(results: Sequence[UnitResult]) -> dict[str, float]:
    """Plain mean per element over the results that have the element."""
    keys: list[str] = []
    for r in results:
        keys += [k for k in r.nrrs if k not in keys]
    out = {}
    for k in keys:
        values = [r.nrrs[k] for r in results if k in r.nrrs]
        out[k] = sum(values) / len(values)
    return out


def category_counts(results: Sequence[UnitResult]) -> dict[str, int]:
    counts = {c: 0 for c in CATEGORY_NAMES}
    for r in results:
        counts[r.category] += 1
    return counts


def above_below(results: Sequence[UnitResult], mean: float) -> tuple[int, int]:
    """Units strictly above the city mean, and the rest (at or below it). A unit equal to the
    mean up to float noise (1e-9) counts as not above."""
    above = sum(1 for r in results if round(r.ikm - mean, 9) > 0)
    return above, len(results) - above


def top(results: Sequence[UnitResult], n: int = 10) -> list[UnitResult]:
    """The n highest IKMs; equal IKMs (to 9 decimals) in unit-name order (case-insensitive)."""
    return sorted(results, key=lambda r: (-round(r.ikm, 9), r.unit.lower()))[:n]


def bottom(results: Sequence[UnitResult], n: int = 10) -> list[UnitResult]:
    """The n lowest IKMs; equal IKMs (to 9 decimals) in unit-name order (case-insensitive)."""
    return sorted(results, key=lambda r: (round(r.ikm, 9), r.unit.lower()))[:n]


def city_recap(results: Sequence[UnitResult], weighted: bool = False) -> CityRecap:
    value = city_ikm(results, weighted)
    above, below = above_below(results, value)
    return CityRecap(
        ikm=value,
        category=category(value),
        respondents=sum(r.respondents or 0 for r in results),
        units=len(results),
        aggregation=AGGREGATION_WEIGHTED if weighted else AGGREGATION_MEAN,
        elements=city_elements(results),
        category_counts=category_counts(results),
        above_mean=above,
        below_mean=below,
    )


def elements_lowest_first(values: Mapping[str, float]) -> list[tuple[str, float]]:
    return [(k, values[k]) for k in priority_elements(values, len(values))]
