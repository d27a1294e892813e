"""The readers that every page uses read what they need through an index, on SQLite as the
embedded default runs it: a full walk of unit_result or plan grows with the city's history
(every period ever imported, every plan ever written) while the page shows one period. The
plans are read with EXPLAIN QUERY PLAN from the statements the readers send."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from bench.dataset import build_city
from tests.conftest import make_app
from tests.helpers import QueryCounter
from tracker.extensions import db

CODES = [f"{year}-S{half}" for year in range(2020, 2025) for half in (1, 2)]
UNITS = 30
CITY_STATS = {
    "unit": {"sqlite_autoindex_unit_1": "300 1"},
    "period": {"sqlite_autoindex_period_1": "10 1"},
    "import_batch": {"ix_import_batch_period_id": "10 1"},
    "unit_result": {"ix_unit_result_unit_id": "3000 10", "ix_unit_result_batch_id": "3000 300",
                    "ix_unit_result_period_batch": "3000 300 300"},
    "plan": {"ix_plan_pending": "3000 1 1", "ix_plan_period_status": "3000 300 300",
             "ix_plan_period_id": "3000 300", "sqlite_autoindex_plan_1": "3000 10 1"},
}


@pytest.fixture(scope="module")
def city_app(tmp_path_factory):
    app = make_app("sqlite", tmp_path_factory.mktemp("plans"))
    with app.app_context():
        build_city(UNITS, CODES)
        # The planner's statistics of a city of 300 units with ten semesters behind it (what
        # ANALYZE gathers on the bench's data set), so that SQLite plans as it would there.
        db.session.execute(text("ANALYZE"))
        db.session.execute(text(f"DELETE FROM sqlite_stat1 WHERE tbl IN ({', '.join(repr(t) for t in CITY_STATS)})"))
        for table, indexes in CITY_STATS.items():
            for index, stat in indexes.items():
                db.session.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                                   {"t": table, "i": index, "s": stat})
        db.session.commit()
        db.engine.dispose()  # statistics are read when a connection opens
        yield app
        db.session.remove()
        db.engine.dispose()


def _plans(fn) -> list[tuple[str, list[str]]]:
    """(statement, its query plan lines) of each statement ``fn`` sends."""
    with QueryCounter() as sent:
        fn()
    raw = db.session.connection().connection.driver_connection
    return [(s, [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + s, p).fetchall()]) for s, p in sent.sent]


def _walks(plans, table: str) -> list[str]:
    return [f"{s[:80]!r}: {lines}" for s, lines in plans
            if any(line.startswith(f"SCAN {table}") and "COVERING INDEX" not in line for line in lines)]


@pytest.mark.parametrize("reader", ["stored_results", "nrrs_for_codes", "views_for_codes", "units_with_results",
                                    "units_with_results_named", "coverage"])
def test_results_of_a_period_are_read_by_its_index(city_app, reader):
    from tracker.models import Period
    from tracker.results import service
    ids = [p.id for p in Period.query.filter(Period.code.in_(["2024-S2"]))]
    calls = {"stored_results": lambda: service.stored_results(ids),
             "nrrs_for_codes": lambda: service.nrrs_for_codes(["2024-S2", "2024"]),
             "views_for_codes": lambda: service.views_for_codes(["2024-S2"]),
             "units_with_results": lambda: service.units_with_results("2024-S2"),
             "units_with_results_named": lambda: service.units_with_results_named("2024-S2"),
             "coverage": lambda: service.coverage("2024-S2")}
    plans = _plans(calls[reader])
    assert any("unit_result" in s for s, _ in plans)
    assert _walks(plans, "unit_result") == []


def test_results_come_in_id_order_without_the_database_ordering_them(city_app):
    """A later result of a unit and period replaces an earlier one, so the rows are taken in id
    order; the ordering is done in Python so that SQLite keeps reading by the period's index."""
    from tracker.models import Period
    from tracker.results import service
    ids = [p.id for p in Period.query.all()]
    rows = service.stored_results(ids)
    assert [r.id for r in rows] == sorted(r.id for r in rows) and len(rows) == UNITS * len(CODES)


def test_the_monitoring_period_choice_seeks_the_plan_index(city_app):
    from tracker.monitoring.queries import monitoring_choice
    plans = _plans(monitoring_choice)
    assert _walks(plans, "plan") == []
    assert any("ix_plan_period_status" in line for _, lines in plans for line in lines)
    codes, latest = monitoring_choice()
    assert latest == "2024-S2" and codes[:3] == ["2024", "2024-S2", "2024-S1"] and len(codes) == 15


def test_the_verification_queue_size_is_read_from_the_pending_index(city_app):
    from tracker.home.queries import inspector_tasks
    from tracker.followup.status import today_wib
    with city_app.test_request_context():
        plans = _plans(lambda: inspector_tasks(today_wib(), lambda *a, **k: "/", None))
    pending = [lines for s, lines in plans if "state_pending_count" in s]
    assert pending and all(any("ix_plan_pending" in line for line in lines) for lines in pending), pending
