"""Public, read-only results: no login. Shows only what the city publishes anyway: per period the
city IKM (with its aggregation named) and each unit's IKM and category. No contacts, flags,
plans or evidence."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..domain import periods as P
from ..domain import scoring
from ..results import service

bp = Blueprint("public", __name__, url_prefix="/hasil")


def _periods():
    """(code, label, recap, views) for every period with results, newest first (a year before
    its semesters)."""
    from ..reports.dashboard_data import all_period_results
    results = all_period_results()  # one batch for every period
    kinds = {"year": 0, "semester": 1, "quarter": 2}
    codes = sorted(results, key=lambda c: (-P.parse_period(c).year, kinds[P.parse_period(c).kind],
                                           P.parse_period(c).number))
    return [(code, P.parse_period(code).label, scoring.city_recap(results[code]),
             sorted(results[code], key=lambda r: r.unit.lower()), _coverage(code, results))
            for code in codes]


def _coverage(code: str, results) -> tuple[int, int] | None:
    """(units, units with a result in the year) for a semester or quarter: such a figure covers
    the units surveyed in it and is never the city's figure for the year."""
    ref = P.parse_period(code)
    if ref.kind == "year":
        return None
    return len(results.get(code, ())), len(results.get(str(ref.year), ()))


@bp.route("/")
def index():
    periods = _periods()
    return render_template("public/index.html", periods=periods,
                           aggregation=scoring.AGGREGATION_LABELS_ID[scoring.AGGREGATION_MEAN])


@bp.route("/<code>")
def period(code):
    try:
        ref = P.parse_period(code)
    except P.BadPeriod:
        abort(404)
    views = service.unit_views(ref.code)
    if not views:
        abort(404)
    recap = scoring.city_recap([v.result for v in views])
    return render_template("public/period.html", code=ref.code, label=ref.label, recap=recap,
                           views=views, coverage=service.coverage(ref.code),
                           aggregation=scoring.AGGREGATION_LABELS_ID[recap.aggregation])
