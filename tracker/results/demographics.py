"""Respondents' profile of a period, per unit and for the city, from respondent-level data:
the responses of each unit's counting result (an import or an accepted submission) in the
period and its parts. One grouped query per attribute, whatever the number of respondents."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..domain import demographics as D
from ..domain import periods as P
from ..domain import rollup
from ..extensions import db
from ..models import ImportBatch, Period, Response, UnitResult
from .service import ACTIVE


@dataclass
class Profile:
    respondents: int
    by_attribute: dict[str, list[D.Share]] = field(default_factory=dict)  # attribute -> shares

    @property
    def empty(self) -> bool:
        return self.respondents == 0


def _counts(code: str, attribute: str, unit_ids: set[int] | None):
    """[(unit_id, written value, respondents)] for the period and its sub-periods."""
    ref = P.parse_period(code)
    codes = [ref.code] + [d.code for d in rollup.descendants(ref)]
    r = Response.__table__
    t = UnitResult.__table__
    column = r.c[attribute]
    q = (select(r.c.unit_id, column, func.count())
         .select_from(r.join(t, (t.c.batch_id == r.c.batch_id) & (t.c.unit_id == r.c.unit_id))
                      .join(ImportBatch, ImportBatch.id == t.c.batch_id)
                      .join(Period, Period.id == t.c.period_id))
         .where(Period.code.in_(codes), *ACTIVE)
         .group_by(r.c.unit_id, column))
    if unit_ids is not None:
        q = q.where(r.c.unit_id.in_(unit_ids or {-1}))
    return db.session.execute(q).all()


def profiles(code: str, unit_ids: set[int] | None = None) -> tuple[Profile, dict[int, Profile]]:
    """(the city's profile, {unit_id: profile}) for the period; empty profiles when no unit has
    respondent-level data."""
    per_unit: dict[int, dict[str, list]] = {}
    city: dict[str, list] = {}
    totals: dict[int, int] = {}
    for attribute, _ in D.ATTRIBUTES:
        for unit_id, value, n in _counts(code, attribute, unit_ids):
            per_unit.setdefault(unit_id, {}).setdefault(attribute, []).append((value, n))
            city.setdefault(attribute, []).append((value, n))
            if attribute == "age":
                totals[unit_id] = totals.get(unit_id, 0) + n
    units = {uid: Profile(totals.get(uid, 0), {a: D.distribution(a, rows) for a, rows in attrs.items()})
             for uid, attrs in per_unit.items()}
    whole = Profile(sum(totals.values()), {a: D.distribution(a, rows) for a, rows in city.items()})
    return whole, units
