"""The monitoring screen's trends (monitoring.queries._trends): each unit's realisation over the
periods of the same kind as the one shown, up to it; a year is the unit's year plan, else the
mean of its semester and quarter plans; the city's and each group's means; accepted plans only."""
import pytest
from sqlalchemy import insert

from tracker.domain import periods as P
from tracker.domain import realisation as R
from tracker.extensions import db
from tracker.followup import rates
from tracker.models import Plan, Unit
from tracker.monitoring.queries import _trends
from tracker.results.service import ensure_period

PLANS = [  # unit, period, status, realisation
    ("A", "2023-S1", "accepted", 50.0), ("B", "2023-S1", "accepted", 100.0),
    ("C", "2023-S1", "submitted", 10.0),  # not accepted: in no trend
    ("A", "2023-S2", "accepted", 70.0), ("B", "2023", "accepted", 80.0),
    ("B", "2023-S2", "accepted", 0.0),  # B's year has its own plan: this part does not count for it
    ("A", "2024-Q1", "accepted", 20.0), ("A", "2024-S1", "accepted", 90.0),
    ("B", "2024-S1", "accepted", None),  # accepted, nothing countable yet
    ("A", "2024-S2", "accepted", 10.0),  # after the period shown
]


@pytest.fixture
def plans(app):
    units = {}
    for name, group in (("A", "UPT"), ("B", None), ("C", "UPT")):
        unit = Unit(name=f"Unit {name}", name_key=f"unit {name.lower()}", group=group)
        db.session.add(unit)
        units[name] = unit
    periods = {code: ensure_period(code) for code in {c for _, c, _, _ in PLANS}}
    db.session.flush()
    db.session.execute(insert(Plan.__table__), [
        {"unit_id": units[u].id, "period_id": periods[c].id, "status": s, "source": "web", "version": 1,
         "state_realisation": r, "created_at": periods[c].start_date} for u, c, s, r in PLANS])
    db.session.commit()
    return {name: unit.id for name, unit in units.items()}


def test_semester_trend_has_the_semesters_up_to_the_period(plans):
    a, b = plans["A"], plans["B"]
    units, city, groups = _trends(P.parse_period("2024-S1"))
    assert units[a] == [("2023-S1", 50.0), ("2023-S2", 70.0), ("2024-S1", 90.0)]
    assert units[b] == [("2023-S1", 100.0), ("2023-S2", 0.0), ("2024-S1", None)]
    assert plans["C"] not in units
    assert city == [("2023-S1", 75.0, 2), ("2023-S2", 35.0, 2), ("2024-S1", R.mean_rate([90.0, None]), 2)]
    assert groups[0] == ("2023-S1", {"UPT": 50.0, "Lainnya": 100.0})


def test_year_trend_takes_the_year_plan_else_the_mean_of_the_parts(plans):
    units, city, _ = _trends(P.parse_period("2023"))
    assert units[plans["A"]] == [("2023", 60.0)]  # mean of its two semesters
    assert units[plans["B"]] == [("2023", 80.0)]  # its own year plan
    assert city == [("2023", 70.0, 2)]


def test_quarter_trend_has_quarters_only(plans):
    units, city, _ = _trends(P.parse_period("2024-Q1"))
    assert units == {plans["A"]: [("2024-Q1", 20.0)]}
    assert city == [("2024-Q1", 20.0, 1)]


def test_trend_points_are_the_bulk_rates(plans):
    """Every point of a same-kind trend is the realisation rates.period_rates gives."""
    periods = rates.periods_with_plans()
    bulk = rates.period_rates([p.id for p in periods])
    by_code = {p.code: {uid: r.realisation for uid, r in bulk.get(p.id, {}).items()} for p in periods}
    units, _, _ = _trends(P.parse_period("2024-S2"))
    for uid, points in units.items():
        for code, value in points:
            assert by_code[code][uid] == value
