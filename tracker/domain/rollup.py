"""How a unit's result for a period is obtained from what was surveyed (CONTRACT "Periods").

A unit may be surveyed per quarter, per semester or per year, and may change frequency within a
year (Pontianak 2023: DPMPTSP per quarter, the library per semester and then per quarter). The
rule, applied per unit:

- a period the unit has its own result for uses it ("survei sendiri");
- otherwise a semester is the mean of the unit's quarters in it, and a year the mean of its
  semesters (each obtained by this same rule): element NRRs are averaged (so the IKM is the mean
  of the parts' IKM), respondents are summed (``scoring.combine_periods``);
- a quarter has only its own result.

So every unit with a result in a period, however obtained, is in that period's city figures.
Worked example (DOMAIN.md): DPMPTSP Pontianak, Triwulan I 92,57 and Triwulan II 99,43 give
Semester I 96,00 with 248 + 260 = 508 respondents.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from . import scoring
from .periods import ROMAN, PeriodRef, parse_period

OWN = "own"
MEAN = "mean"
OWN_LABEL = "survei sendiri"


def children(ref: PeriodRef) -> list[PeriodRef]:
    """The periods one level below: a year's semesters, a semester's quarters."""
    if ref.kind == "year":
        return ref.semesters()
    if ref.kind == "semester":
        first = (ref.number - 1) * 2 + 1
        return [PeriodRef(ref.year, "quarter", first), PeriodRef(ref.year, "quarter", first + 1)]
    return []


def descendants(ref: PeriodRef) -> list[PeriodRef]:
    out = []
    for child in children(ref):
        out.append(child)
        out.extend(descendants(child))
    return out


def ancestors(ref: PeriodRef) -> list[PeriodRef]:
    """The semester and year a quarter belongs to; the year of a semester."""
    if ref.kind == "quarter":
        return [PeriodRef(ref.year, "semester", (ref.number + 1) // 2), PeriodRef(ref.year, "year", 0)]
    if ref.kind == "semester":
        return [PeriodRef(ref.year, "year", 0)]
    return []


@dataclass(frozen=True)
class Rolled:
    """A unit's result for ``code`` and how it was obtained."""
    code: str
    result: scoring.UnitResult
    how: str  # OWN | MEAN
    parts: tuple["Rolled", ...] = field(default=())  # the sub-periods averaged (MEAN only)

    @property
    def sources(self) -> tuple[str, ...]:
        """Codes of the periods the unit was actually surveyed in behind this figure."""
        if self.how == OWN:
            return (self.code,)
        return tuple(code for part in self.parts for code in part.sources)

    @property
    def label(self) -> str:
        """How the figure was obtained, in the reports' words: "survei sendiri",
        "rata-rata TW I-II", "rata-rata Semester I-II (Semester II: rata-rata TW III-IV)"."""
        if self.how == OWN:
            return OWN_LABEL
        text = _parts_label([parse_period(p.code) for p in self.parts])
        inner = [f"{_short(parse_period(p.code))}: {p.label}" for p in self.parts if p.how != OWN]
        return f"{text} ({'; '.join(inner)})" if inner else text


def _short(ref: PeriodRef) -> str:
    return f"{'TW' if ref.kind == 'quarter' else 'Semester'} {ROMAN[ref.number]}"


def _parts_label(refs: list[PeriodRef]) -> str:
    word = "TW" if refs[0].kind == "quarter" else "Semester"
    numbers = [r.number for r in refs]
    if len(numbers) == 1:
        return f"dari {word} {ROMAN[numbers[0]]} saja"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"rata-rata {word} {ROMAN[numbers[0]]}-{ROMAN[numbers[-1]]}"
    return f"rata-rata {word} " + ", ".join(ROMAN[n] for n in numbers)


def roll(ref: PeriodRef, own: Mapping[str, scoring.UnitResult]) -> Rolled | None:
    """One unit's result for ``ref`` from its own results by period code, or None when the unit
    has nothing in ``ref``."""
    if ref.code in own:
        return Rolled(ref.code, own[ref.code], OWN)
    parts = tuple(r for r in (roll(child, own) for child in children(ref)) if r is not None)
    if not parts:
        return None
    combined = scoring.combine_periods([p.result for p in parts])
    return Rolled(ref.code, combined, MEAN, parts)


def roll_city(ref: PeriodRef, own_by_unit: Mapping[object, Mapping[str, scoring.UnitResult]]) -> dict:
    """{unit: Rolled} for every unit with a result in ``ref``, however obtained (a unit with
    nothing in ``ref`` or its parts is passed over without walking them)."""
    answering = {ref.code, *(d.code for d in descendants(ref))}
    out = {}
    for unit, own in own_by_unit.items():
        if answering.isdisjoint(own):
            continue
        rolled = roll(ref, own)
        if rolled is not None:
            out[unit] = rolled
    return out


def codes_with_results(own_codes) -> set[str]:
    """Every period code that has a result for somebody, given the codes of stored results:
    the codes themselves, the semesters of quarters, the years of semesters and quarters."""
    out = set()
    for code in own_codes:
        ref = parse_period(code)
        out.add(ref.code)
        out.update(a.code for a in ancestors(ref))
    return out
