"""Respondents' profile of a period, per unit and for the city, from respondent-level data:
the respondent blocks of each unit's counting result (an import or an accepted submission) in
the period and its parts, whose value counts were kept when they were stored: one query, one
row per unit and batch, whatever the number of respondents."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..domain import demographics as D
from ..domain import periods as P
from ..domain import rollup
from ..extensions import db
from ..models import ImportBatch, Period, ResponseBlock, UnitResult
from .service import ACTIVE


@dataclass
class Profile:
    respondents: int
    by_attribute: dict[str, list[D.Share]] = field(default_factory=dict)  # attribute -> shares

    @property
    def empty(self) -> bool:
        return self.respondents == 0


def _blocks(code: str, unit_ids: set[int] | None):
    """[(unit_id, profile)] of the respondent blocks behind each unit's counting result in the
    period and its sub-periods (one query: one row per unit and batch)."""
    ref = P.parse_period(code)
    codes = [ref.code] + [d.code for d in rollup.descendants(ref)]
    b = ResponseBlock.__table__
    t = UnitResult.__table__
    q = (select(b.c.unit_id, b.c.profile)
         .select_from(b.join(t, (t.c.batch_id == b.c.batch_id) & (t.c.unit_id == b.c.unit_id))
                      .join(ImportBatch, ImportBatch.id == t.c.batch_id)
                      .join(Period, Period.id == t.c.period_id))
         .where(Period.code.in_(codes), *ACTIVE))
    if unit_ids is not None:
        q = q.where(b.c.unit_id.in_(unit_ids or {-1}))
    return db.session.execute(q).all()


def profiles(code: str, unit_ids: set[int] | None = None) -> tuple[Profile, dict[int, Profile]]:
    """(the city's profile, {unit_id: profile}) for the period; empty profiles when no unit has
    respondent-level data."""
    per_unit: dict[int, dict[str, list]] = {}
    city: dict[str, list] = {}
    totals: dict[int, int] = {}
    for unit_id, profile in _blocks(code, unit_ids):
        for attribute, _ in D.ATTRIBUTES:
            pairs = [(value or None, n) for value, n in profile.get(attribute, [])]
            per_unit.setdefault(unit_id, {}).setdefault(attribute, []).extend(pairs)
            city.setdefault(attribute, []).extend(pairs)
        totals[unit_id] = totals.get(unit_id, 0) + sum(n for _, n in profile.get("age", []))
    units = {uid: Profile(totals.get(uid, 0), {a: D.distribution(a, rows) for a, rows in attrs.items()})
             for uid, attrs in per_unit.items()}
    whole = Profile(sum(totals.values()), {a: D.distribution(a, rows) for a, rows in city.items()})
    return whole, units
