"""The `skm summary` JSON (CONTRACT.md)."""
from __future__ import annotations

from ..domain import periods as P
from ..domain import scoring
from ..followup.rates import realisation_previous
from .service import coverage, unit_views


def build_summary(code: str, weighted: bool = False) -> dict:
    ref = P.parse_period(code)
    views = unit_views(ref.code)
    previous = realisation_previous(ref.code)
    city = None
    if views:
        recap = scoring.city_recap([v.result for v in views], weighted=weighted)
        city = {"ikm": round(recap.ikm, 3), "category": recap.category,
                "respondents": recap.respondents, "units": recap.units,
                "aggregation": recap.aggregation,
                "elements": {k: round(v, 3) for k, v in recap.elements.items()}}
        cov = coverage(ref.code)
        if cov is not None:
            city["coverage"] = {"units": cov.units, "of": cov.of, "year": cov.year}
    units = []
    for v in views:
        prev = previous.get(v.unit.id)
        units.append({
            "unit": v.unit.name,
            "respondents": v.respondents,
            "ikm": round(v.ikm, 4),
            "category": v.category,
            "elements": {k: round(x, 4) for k, x in v.result.nrrs.items()},
            "priorities": v.priorities,
            "realisation_previous": None if prev is None else round(prev, 2),
            "source": v.source,
            "surveyed_in": [r.period.code for r in v.rows],
            "flags": [f["message"] for f in v.flags],
        })
    return {"period": ref.code, "city": city, "units": units}
