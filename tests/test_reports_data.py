"""Helpers for the report/export tests (plans, synthetic cities) and the chart-data tests: each
dashboard chart's numbers equal the domain module's."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from tracker.domain import scoring
from tests.helpers import QueryCounter
from tracker.extensions import db

ELEMENT_COLS = [f"s_u{i}" for i in range(1, 10)]


# ---------------------------------------------------------------------------------------------
# helpers (imported by the other test_reports_* / test_exports_* files)


def add_plans(code: str, unit_names=None, limit: int = 6, formula_text: bool = False):
    """Plans answering ``code`` for some units: two actions each, progress entries with evidence.
    Returns {unit_id: expected realisation} computed by hand from the entries."""
    from tests.factories import ActionFactory, PlanFactory, ReportFactory
    from tracker.models import Unit
    from tracker.results.service import ensure_period
    period = ensure_period(code)
    q = Unit.query.order_by(Unit.name)
    units = [u for u in q.all() if unit_names is None or u.name in unit_names][:limit]
    expected = {}
    t0 = datetime(2022, 1, 10)
    for i, unit in enumerate(units):
        plan = PlanFactory(unit=unit, period=period)
        text = "=HYPERLINK(\"http://evil\")" if formula_text and i == 0 else "Evaluasi SOP pelayanan"
        a = ActionFactory(plan=plan, element="waktu", text=text, quarters=["2021-TW4", "2022-TW1"],
                          owner="Sub Bagian Umpeg")
        b = ActionFactory(plan=plan, element="sarpras", text="Perbaikan sarana dan prasarana pelayanan",
                          quarters=["2022-TW2"], owner="Kabid")
        pa = 25.0 * (i % 5)
        ReportFactory(action=a, quarter="2022-TW1", percent=pa, narrative="dikerjakan", status="verified",
                      evidence_link=f"https://bukti.example/{unit.id}", submitted_at=t0 + timedelta(days=i))
        # unverified progress: shown, never counted
        ReportFactory(action=b, quarter="2022-TW2", percent=100.0, narrative="klaim", status="submitted",
                      evidence_name="foto.jpg", submitted_at=t0 + timedelta(days=i))
        expected[unit.id] = (pa + 0.0) / 2
    db.session.commit()
    return expected


def synthetic_csv(n: int, seed: int, prefix: str = "Unit Sintetis") -> bytes:
    rnd = random.Random(seed)
    groups = ["Perangkat Daerah", "UPT", "UPT Puskesmas", "Kecamatan", "Kelurahan", "BUMD", "SMP Negeri"]
    lines = ["unit,respondents," + ",".join(ELEMENT_COLS) + ",unit_group,method,contact,phone"]
    for i in range(n):
        resp = rnd.randint(50, 400)
        sums = [rnd.randint(int(resp * 2.7), int(resp * 3.9)) for _ in ELEMENT_COLS]
        lines.append(f"{prefix} {i + 1:03d},{resp}," + ",".join(map(str, sums)) +
                     f",{groups[i % len(groups)]},Online,Narahubung {i},0812{i:07d}")
    return ("\n".join(lines) + "\n").encode()


def load_synthetic(n: int, codes=("2021-S1", "2021-S2")):
    from tracker.imports.service import import_scores
    for k, code in enumerate(codes):
        import_scores(synthetic_csv(n, seed=k + 1), f"sintetis-{code}.csv", code, "questionnaire",
                      user="test")


# ---------------------------------------------------------------------------------------------
# chart data equals the domain


def _views(code):
    from tracker.results.service import unit_views
    return unit_views(code)


def test_city_trend_equals_summary(loaded):
    from tracker.reports import dashboard_data as dd
    from tracker.results.summary import build_summary
    data = dd.city_trend()
    codes = [r[0] for r in data.rows]
    assert codes == ["2021-S1", "2021-S2", "2021"]
    for row in data.rows:
        assert round(row[2], 3) == build_summary(row[0])["city"]["ikm"]
        assert row[3] == build_summary(row[0])["city"]["category"]
    assert "rata-rata IKM unit" in data.note


def test_category_and_above_below_equal_domain(loaded):
    from tracker.reports import dashboard_data as dd
    for code in ("2021-S1", "2021-S2", "2021"):
        results = [v.result for v in _views(code)]
        counts = scoring.category_counts(results)
        data = dd.categories(code)
        assert {r[0]: r[2] for r in data.rows} == counts
        assert sum(r[3] for r in data.rows) == pytest.approx(100.0)
        recap = scoring.city_recap(results)
        ab = dd.above_below(code)
        assert [r[1] for r in ab.rows] == [recap.above_mean, recap.below_mean]
        assert ab.extra["mean"] == recap.ikm


def test_changes_equal_domain(loaded):
    from tracker.reports import dashboard_data as dd
    s1 = {v.unit.id: v.ikm for v in _views("2021-S1")}
    s2 = {v.unit.id: v.ikm for v in _views("2021-S2")}
    expected = {"Naik": 0, "Turun": 0, "Stagnan": 0}
    for uid in s1.keys() & s2.keys():
        expected[scoring.trend_word(scoring.change_pct(s1[uid], s2[uid]))] += 1
    for code in ("2021", "2021-S2"):
        data = dd.changes(code)
        assert {r[0]: r[1] for r in data.rows} == expected
    assert dd.changes("2021-S1").extra["pair"] is None


def test_elements_lowest_first_equal_domain(loaded):
    from tracker.reports import dashboard_data as dd
    from tracker.results.summary import build_summary
    city = build_summary("2021")["city"]["elements"]
    data = dd.elements("2021")
    values = [r[3] for r in data.rows]
    assert values == sorted(values)
    assert {r[1]: round(r[3], 3) for r in data.rows} == city
    # U-codes shown with the period's numbering (questionnaire: U8 = Sarpras, U9 = Pengaduan)
    codes = {r[1]: r[0] for r in data.rows}
    assert codes["sarpras"] == "U8" and codes["pengaduan"] == "U9"


def test_realisation_trend_equals_rates(loaded):
    from tracker.followup import rates
    from tracker.reports import dashboard_data as dd
    from tracker.results.service import get_period
    expected = add_plans("2021")
    period = get_period("2021")
    by_unit = rates.rates_by_unit(period)
    data = dd.realisation()
    assert data.extra["codes"] == ["2021"]
    assert data.extra["city"] == [rates.city_rate(by_unit)]
    groups = {uid: r.plan.unit.group for uid, r in by_unit.items()}
    assert data.extra["group_rows"] == [rates.group_rates(by_unit, groups)]
    for uid, entry in data.extra["units"].items():
        assert entry["values"]["2021"] == by_unit[uid].realisation == expected[uid]
    # a manager's scope: only their units
    some = set(list(expected)[:2])
    mine = dd.realisation(some)
    assert set(mine.extra["units"]) == some


def test_batched_period_results_equal_unit_views(loaded):
    """The trend charts' one-batch loader gives exactly unit_views' results for every period."""
    from tracker.reports import dashboard_data as dd
    load_synthetic(5, codes=("2022-S1",))
    results = dd.all_period_results()
    assert set(results) == {"2021-S1", "2021-S2", "2021", "2022-S1", "2022"}
    for code, batch in results.items():
        views = _views(code)
        expected = sorted((v.result.unit, v.result.respondents, sorted(v.result.nrrs.items()))
                          for v in views)
        got = sorted((r.unit, r.respondents, sorted(r.nrrs.items())) for r in batch)
        assert got == expected, code


def test_trend_queries_do_not_grow_with_periods(loaded):
    from tracker.reports import dashboard_data as dd
    add_plans("2021")

    def count():
        with QueryCounter() as q:
            dd.city_trend()
            dd.realisation()
        return q.count

    before = count()
    load_synthetic(8, codes=("2022-S1", "2022-S2", "2023-S1"))
    add_plans("2022")
    add_plans("2022-S1")
    assert count() == before
