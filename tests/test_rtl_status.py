"""Periods that roll up and realisation across periods, through the CONTRACT.md commands
(`skm summary`, `rtl import`, `rtl import-progress`, `rtl status`) on SQLite and PostgreSQL,
with a Pontianak-style file set: semester files plus quarter files for the units surveyed per
quarter; and the monitoring screen held equal to `rtl status` on generated plans."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_user
from tests.helpers import snapshot
from tests.factories import ActionFactory, PlanFactory, ReportFactory
from tracker.extensions import db
from tracker.models import Action, AuditLog, ImportBatch, Plan, ProgressEntry, Unit

HEAD = "unit,respondents," + ",".join(f"u{i}" for i in range(1, 10)) + "\n"
A, DPM, LIB = "Dinas Kesehatan", "DPMPTSP", "Dinas Perpustakaan"


def line(unit, respondents, value):
    """A unit whose nine element values are all ``value`` (so its IKM is ``value``)."""
    return f"{unit},{respondents}," + ",".join(f'"{value}"' for _ in range(9)) + "\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def summary(runner, code):
    return json.loads(ok(runner.invoke(args=["skm", "summary", "--period", code])).output)


def status(runner, code, as_of="2024-12-31"):
    return json.loads(ok(runner.invoke(args=["rtl", "status", "--period", code, "--as-of", as_of])).output)


@pytest.fixture
def pontianak(app, runner, tmp_path):
    """A per semester; DPMPTSP per quarter; the library per semester, then per quarter."""
    files = {
        "2023-S1": line(A, 100, "80") + line(LIB, 90, "70"),
        "2023-S2": line(A, 120, "84"),
        "2023-Q1": line(DPM, 248, "92,57"),
        "2023-Q2": line(DPM, 260, "99,43"),
        "2023-Q3": line(DPM, 250, "90") + line(LIB, 40, "74"),
        "2023-Q4": line(DPM, 270, "94") + line(LIB, 50, "78"),
    }
    for code, body in files.items():
        path = write(tmp_path, f"{code}.csv", HEAD + body)
        ok(runner.invoke(args=["skm", "import-scores", path, "--period", code, "--numbering", "regulation"]))
    return app


def unit_row(doc, name):
    return next(u for u in doc["units"] if u["unit"] == name)


def test_units_surveyed_per_quarter_are_in_semester_year_and_city(pontianak, runner):
    s1 = summary(runner, "2023-S1")
    dpm = unit_row(s1, DPM)
    assert round(dpm["ikm"], 2) == 96.00 and dpm["respondents"] == 508
    assert dpm["source"] == "rata-rata TW I-II" and dpm["surveyed_in"] == ["2023-Q1", "2023-Q2"]
    assert unit_row(s1, A)["source"] == "survei sendiri"
    assert s1["city"]["units"] == 3
    s2 = summary(runner, "2023-S2")
    assert {u["unit"] for u in s2["units"]} == {A, DPM, LIB}
    assert unit_row(s2, LIB)["ikm"] == pytest.approx(76.0)
    year = summary(runner, "2023")
    assert year["city"]["units"] == 3
    expected = {A: (80 + 84) / 2, DPM: ((92.57 + 99.43) / 2 + (90 + 94) / 2) / 2, LIB: (70 + 76) / 2}
    for name, value in expected.items():
        assert unit_row(year, name)["ikm"] == pytest.approx(value, abs=1e-3)
    assert year["city"]["ikm"] == pytest.approx(sum(expected.values()) / 3, abs=1e-3)
    assert unit_row(year, LIB)["source"] == "rata-rata Semester I-II (Semester II: rata-rata TW III-IV)"
    assert unit_row(year, DPM)["respondents"] == 248 + 260 + 250 + 270
    assert "coverage" not in year["city"]
    q2 = summary(runner, "2023-Q2")
    assert q2["city"]["coverage"] == {"units": 1, "of": 3, "year": "2023"}


def test_screens_say_how_each_figure_was_obtained(pontianak, client):
    make_user("admin@kota.go.id", "admin")
    client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
    html = client.get("/periode/2023-S1").data.decode()
    assert "rata-rata TW I-II" in html and "survei sendiri" in html
    html = client.get("/periode/2023-Q2").data.decode()
    assert 'data-coverage="1/3"' in html and "Bukan IKM kota tahun 2023" in html
    dpm = Unit.query.filter_by(name=DPM).one()
    html = client.get(f"/periode/2023/unit/{dpm.id}").data.decode()
    assert "rata-rata Semester I-II (Semester I: rata-rata TW I-II; Semester II: rata-rata TW III-IV)" in html
    assert "Semester I 2023 (rata-rata TW I-II)" in html
    public = client.get("/hasil/").data.decode()
    assert "1 dari 3 unit tahun 2023" in public


RTL_HEAD = "unit,element,action,quarters,owner\n"
PROGRESS_HEAD = "unit,element,action,quarter,percent,status,narrative,evidence_link,comment\n"


@pytest.fixture
def semester_plans(pontianak, runner, tmp_path):
    """Unit A plans per semester: S1 two actions, S2 one action."""
    s1 = RTL_HEAD + (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3;2023-TW4,Kabid\n"
                     f"{A},Sarpras,Perbaikan ruang tunggu,2023-TW3,Sekretariat\n")
    s2 = RTL_HEAD + f"{A},Prilaku Pelaksana,Pelatihan service excellent,2024-TW1;2024-TW2,Umpeg\n"
    ok(runner.invoke(args=["rtl", "import", write(tmp_path, "s1.csv", s1), "--period", "2023-S1",
                           "--numbering", "regulation"]))
    ok(runner.invoke(args=["rtl", "import", write(tmp_path, "s2.csv", s2), "--period", "2023-S2",
                           "--numbering", "regulation"]))
    return pontianak


def test_year_realisation_is_the_mean_of_its_semesters(semester_plans, runner, tmp_path):
    s1 = PROGRESS_HEAD + (f"{A},Waktu Penyelesaian,Percepatan  layanan,2023-TW3,\"60,5\",verified,,,\n"
                          f"{A},waktu,percepatan layanan,2023-TW4,100,submitted,,,\n"
                          f"{A},U9,Perbaikan ruang tunggu,2023-TW3,99.5,verified,ok,https://bukti.test/a,\n")
    r = ok(runner.invoke(args=["rtl", "import-progress", write(tmp_path, "p1.csv", s1), "--period", "2023-S1"]))
    assert "3 laporan" in r.output
    s2 = PROGRESS_HEAD + (f"{A},Perilaku Pelaksana,Pelatihan service excellent,2024-TW1,67,verified,,,\n"
                          f"{A},Perilaku Pelaksana,Pelatihan service excellent,2024-TW1,90,rejected,,,bukti kurang\n")
    ok(runner.invoke(args=["rtl", "import-progress", write(tmp_path, "p2.csv", s2), "--period", "2023-S2"]))
    first = status(runner, "2023-S1", "2024-01-20")
    a = unit_row(first, A)
    assert a["plan_status"] == "accepted" and a["actions"] == 2
    assert a["realisation"] == pytest.approx((60.5 + 99.5) / 2)
    assert a["claimed"] == pytest.approx((100 + 99.5) / 2)
    assert a["awaiting_verification"] == 1 and a["late_reports"] == 0
    assert a["unfinished_after_schedule"] == 2  # TW4 + 15 days passed, nothing at 100% verified
    assert {e["element"]: e["nrr"] for e in a["elements"]} == {"waktu": 3.2, "sarpras": 3.2}
    assert {e["element"]: e["nrr_next"] for e in a["elements"]} == {"waktu": 3.36, "sarpras": 3.36}
    year = status(runner, "2023", "2024-12-31")
    a = unit_row(year, A)
    assert a["plans"] == ["2023-S1", "2023-S2"] and a["plan_status"] == "accepted"
    assert a["realisation"] == pytest.approx(((60.5 + 99.5) / 2 + 67) / 2)
    assert a["actions"] == 3 and a["awaiting_verification"] == 1
    assert a["late_reports"] == 1  # 2024-TW2 of the S2 action: no report
    assert year["city"]["units_with_results"] == 3
    assert year["city"]["units_with_accepted_plan"] == 1
    assert sorted(year["city"]["units_without_accepted_plan"]) == sorted([DPM, LIB])
    assert year["city"]["realisation"] == pytest.approx(a["realisation"])
    assert year["city"]["aggregation"] == "mean of unit realisation"
    # Imported reports are marked as imported and count like reports made in the app.
    assert {e.source for e in ProgressEntry.query} == {"import"}
    assert AuditLog.query.filter_by(entity="progress_entry", event="import").count() == 5
    assert ImportBatch.query.filter_by(kind="progress").count() == 2


@pytest.mark.parametrize("row, column, words", [
    (f"{A},Waktu Penyelesaian,Tidak ada kegiatan ini,2023-TW3,50,verified,,,", "action", "tidak ada dalam RTL"),
    (f"{A},Biaya,Percepatan layanan,2023-TW3,50,verified,,,", "action", "unsur Waktu Penyelesaian"),
    (f"{A},Kwalitas Pelyanan,Percepatan layanan,2023-TW3,50,verified,,,", "element", "tidak dikenali"),
    (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW5,50,verified,,,", "quarter", "2023-TW5"),
    (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,150,verified,,,", "percent", "0-100"),
    (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,lima,verified,,,", "percent", "0-100"),
    (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,50,selesai,,,", "status", "verified"),
    ("Unit Tak Dikenal,Waktu Penyelesaian,Percepatan layanan,2023-TW3,50,verified,,,", "unit", "tidak dikenal"),
    (f"{DPM},Waktu Penyelesaian,Percepatan layanan,2023-TW3,50,verified,,,", "unit", "tidak memiliki RTL"),
    (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,50,verified,,javascript:alert(1),", "evidence_link", "http"),
    (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,50,submitted,,,\n"
     f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,60,submitted,,,", "status", "menunggu verifikasi"),
])
def test_bad_progress_rows_are_refused_whole(semester_plans, runner, tmp_path, row, column, words):
    good = f"{A},Sarpras,Perbaikan ruang tunggu,2023-TW3,100,verified,,,\n"
    path = write(tmp_path, "bad.csv", PROGRESS_HEAD + good + row + "\n")
    before = snapshot()
    r = runner.invoke(args=["rtl", "import-progress", path, "--period", "2023-S1"])
    assert r.exit_code != 0
    assert re.search(rf"Baris [34], kolom '{column}'", r.output), r.output
    assert words in r.output
    assert snapshot() == before


def test_progress_needs_plans_of_the_period(pontianak, runner, tmp_path):
    path = write(tmp_path, "p.csv", PROGRESS_HEAD + f"{A},Waktu,X,2023-TW3,50,verified,,,\n")
    r = runner.invoke(args=["rtl", "import-progress", path, "--period", "2023-S1"])
    assert r.exit_code != 0 and "belum memiliki RTL" in r.output
    r = runner.invoke(args=["rtl", "import-progress", path, "--period", "2023-S9"])
    assert r.exit_code != 0
    header_only = write(tmp_path, "h.csv", "unit,element,action\n")
    r = runner.invoke(args=["rtl", "import-progress", header_only, "--period", "2023-S1"])
    assert r.exit_code != 0 and "kolom 'quarter'" in r.output


def test_status_command_bad_input(pontianak, runner):
    r = runner.invoke(args=["rtl", "status", "--period", "2023-S3"])
    assert r.exit_code != 0
    r = runner.invoke(args=["rtl", "status", "--period", "2023", "--as-of", "31-12-2023"])
    assert r.exit_code != 0 and "YYYY-MM-DD" in r.output
    r = runner.invoke(args=["rtl", "status", "--period", "2019"])
    assert r.exit_code != 0 and "belum memiliki" in r.output
    doc = status(runner, "2023-S1")
    assert unit_row(doc, A)["plan_status"] is None and unit_row(doc, A)["realisation"] is None


# --- the monitoring screen shows what `rtl status` says ------------------------------------

QUARTERS = ["2023-TW3", "2023-TW4", "2024-TW1", "2024-TW2"]
report = st.tuples(st.sampled_from(QUARTERS), st.sampled_from([0, 40, 75.5, 100]),
                   st.sampled_from(["verified", "submitted", "rejected"]))
action = st.tuples(st.lists(st.sampled_from(QUARTERS), unique=True, max_size=2),
                   st.lists(report, max_size=3), st.booleans())
plans = st.fixed_dictionaries({
    "2023-S1": st.one_of(st.none(), st.tuples(st.sampled_from(["accepted", "draft"]),
                                              st.lists(action, min_size=1, max_size=3))),
    "2023-S2": st.one_of(st.none(), st.tuples(st.sampled_from(["accepted", "submitted"]),
                                              st.lists(action, min_size=1, max_size=3))),
})


def _cell(html, unit_id, cls):
    row = re.search(rf'<tr data-unit="{unit_id}".*?</tr>', html, re.S).group(0)
    return re.search(rf'class="num {cls}[^"]*">\s*([^<]*?)\s*<', row).group(1)


def _value(html, unit_id, cls):
    row = re.search(rf'<tr data-unit="{unit_id}".*?</tr>', html, re.S).group(0)
    value = re.search(rf'data-value="([^"]*)" class="num {cls}[ "]', row).group(1)
    return float(value) if value else None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(by_period=plans)
def test_monitoring_agrees_with_rtl_status(pontianak, runner, client, by_period):
    from tracker.results.service import ensure_period
    db.session.rollback()
    for old in Plan.query.all():  # through the ORM (cascading), so no stale objects stay mapped
        db.session.delete(old)
    db.session.commit()
    unit = Unit.query.filter_by(name=A).one()
    t0 = datetime(2024, 1, 1)
    for code, spec in by_period.items():
        if spec is None:
            continue
        plan_status, actions = spec
        plan = PlanFactory(unit=unit, period=ensure_period(code), status=plan_status)
        for i, (quarters, reports, na) in enumerate(actions):
            a = ActionFactory(plan=plan, element=["waktu", "biaya", "sarpras"][i % 3], text=f"Kegiatan {i}",
                              quarters=quarters, not_actionable=na)
            waiting = set()
            for j, (q, pct, stt) in enumerate(reports):
                if stt == "submitted" and q in waiting:  # one waiting report per quarter (database rule)
                    stt = "rejected"
                if stt == "submitted":
                    waiting.add(q)
                ReportFactory(action=a, quarter=q, percent=pct, status=stt, narrative="x",
                              submitted_at=t0 + timedelta(minutes=j))
    if not User_exists():
        make_user("inspektur@kota.go.id", "inspector")
    client.post("/login", data={"email": "inspektur@kota.go.id", "password": "rahasia123"})
    from tracker.followup.status import today_wib
    for code in ("2023", "2023-S1", "2023-S2"):
        doc = status(runner, code, today_wib().isoformat())
        html = client.get(f"/rtl/pemantauan?period={code}").data.decode()
        for u in doc["units"]:
            uid = Unit.query.filter_by(name=u["unit"]).one().id
            for key, cls in (("late_reports", "late-reports"), ("unfinished_after_schedule", "unfinished"),
                             ("unscheduled", "unscheduled"), ("awaiting_verification", "awaiting"),
                             ("actions", "actions")):
                assert int(_cell(html, uid, cls)) == u[key], (code, u["unit"], key)
            for key, cls in (("realisation", "unit-realisation"), ("claimed", "unit-claimed")):
                shown = _value(html, uid, cls)
                assert (shown is None) == (u[key] is None), (code, key)
                if shown is not None:
                    assert shown == pytest.approx(u[key], abs=1e-3)
            assert re.search(rf'<tr data-unit="{uid}".*?data-status="{u["plan_status"] or ""}"', html, re.S)
        _lateness_agrees_with_status(code)


def _lateness_agrees_with_status(code):
    """The inspector's home counts each plan's kept lateness dates: on any day they give what
    period_status judges from the actions, and so does the fallback for plans without dates."""
    from datetime import date

    from tracker.followup.status import lateness_counts, period_status
    for day in (date(2023, 10, 1), date(2024, 2, 20), date(2024, 8, 1), date(2026, 1, 1)):
        st_ = period_status(code, day)
        expected = {u.unit.id: (u.plan_status, u.status.late_reports, u.status.late_long,
                                u.status.unfinished_after_schedule) for u in st_.units if u.plans}
        got = {uid: (c.plan_status, c.late_reports, c.late_long, c.unfinished_after_schedule)
               for uid, c in lateness_counts(code, day).items()}
        assert got == expected, (code, day)
    kept = {uid: c for uid, c in lateness_counts(code, date(2024, 8, 1)).items()}
    db.session.execute(Plan.__table__.update().values(state_late_from=None, state_unfinished_from=None))
    assert lateness_counts(code, date(2024, 8, 1)) == kept
    db.session.rollback()
    # Grace days decide the deadlines: changing them rewrites the period's plans' dates.
    from tracker.models import Period
    for period in Period.query.all():
        period.progress_grace_days = 75
    db.session.commit()
    for day in (date(2024, 2, 20), date(2024, 8, 1)):
        expected = {u.unit.id: (u.status.late_reports, u.status.unfinished_after_schedule)
                    for u in period_status(code, day).units if u.plans}
        assert {uid: (c.late_reports, c.unfinished_after_schedule)
                for uid, c in lateness_counts(code, day).items()} == expected
    for period in Period.query.all():
        period.progress_grace_days = 15
    db.session.commit()


def User_exists():
    from tracker.models import User
    return User.query.filter_by(email="inspektur@kota.go.id").first() is not None


def _sheet_rows(path, name):
    from openpyxl import load_workbook
    return [[c for c in row] for row in load_workbook(path, read_only=True)[name].iter_rows(values_only=True)]


def test_year_annex_gathers_semester_plans_and_shows_their_effect(semester_plans, runner, tmp_path):
    s1 = PROGRESS_HEAD + (f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,100,verified,,,\n"
                          f"{A},Sarpras,Perbaikan ruang tunggu,2023-TW3,60,verified,,,\n")
    ok(runner.invoke(args=["rtl", "import-progress", write(tmp_path, "p1.csv", s1), "--period", "2023-S1"]))
    out = str(tmp_path / "year.xlsx")
    ok(runner.invoke(args=["skm", "export-annex", "--period", "2023", "--out", out]))
    lampiran = _sheet_rows(out, "Lampiran 1")
    flat = [str(c) for row in lampiran for c in row if c is not None]
    assert "Percepatan layanan" in flat and "Pelatihan service excellent" in flat
    assert any("rata-rata realisasi RTL 2023-S1, 2023-S2" in c for c in flat)
    t32 = _sheet_rows(out, "Tabel 3.2")
    head = t32[3]
    row = next(r for r in t32 if r[1] == DPM)
    assert row[head.index("Nilai Diperoleh dari")] == "rata-rata Semester I-II (Semester I: rata-rata TW I-II; Semester II: rata-rata TW III-IV)"
    # The effect sheet of Semester I: NRR 3.2 in S1, 3.36 in S2 for unit A's elements.
    out = str(tmp_path / "s1.xlsx")
    ok(runner.invoke(args=["skm", "export-annex", "--period", "2023-S1", "--out", out]))
    effect = _sheet_rows(out, "Efek Tindak Lanjut")
    rows = [r for r in effect[4:] if r[1] == A]
    assert len(rows) == 2
    by_element = {r[2]: r for r in rows}
    waktu = next(r for k, r in by_element.items() if "Waktu" in k)
    assert waktu[4] == 100 and waktu[5] == pytest.approx(3.2) and waktu[6] == pytest.approx(3.36)
    assert waktu[7] == pytest.approx(0.16) and waktu[8] == "Naik"
    city = next(r for r in effect if r[1] == "Unsur dengan tindak lanjut")
    assert city[2] == 2 and city[3] == pytest.approx(0.16)
    other = next(r for r in effect if r[1] == "Unsur lainnya")
    assert other[2] == 7 and other[3] == pytest.approx(0.16)


def test_sample_year_annex_shows_every_plan_and_realisation(loaded, runner, sample_dir, tmp_path):
    ok(runner.invoke(args=["rtl", "import", str(sample_dir / "surakarta-2021-rtl.csv"), "--period", "2021",
                           "--numbering", "questionnaire"]))
    out = str(tmp_path / "2021.xlsx")
    ok(runner.invoke(args=["skm", "export-annex", "--period", "2021", "--out", out]))
    flat = [str(c) for row in _sheet_rows(out, "Lampiran 1") for c in row if c is not None]
    planned = {p.unit.name for p in Plan.query}
    with_results = {r[1] for r in _sheet_rows(out, "Tabel 3.2")[4:] if r[1]}
    blocks = flat.count("Belum ada Rencana Tindak Lanjut.")
    assert blocks == len(with_results - planned - {None})
    assert flat.count("Realisasi unit (rata-rata aksi, terverifikasi)") == len(planned & with_results)
    doc = status(runner, "2021", "2022-12-31")
    assert doc["city"]["units_with_accepted_plan"] == len(planned)
    assert sum(u["unscheduled"] for u in doc["units"]) == sum(1 for a in Action.query if not a.quarters)


def test_effect_on_unit_page_and_monitoring(semester_plans, runner, client, tmp_path):
    s1 = PROGRESS_HEAD + f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,100,verified,,,\n"
    ok(runner.invoke(args=["rtl", "import-progress", write(tmp_path, "p1.csv", s1), "--period", "2023-S1"]))
    make_user("inspektur@kota.go.id", "inspector")
    client.post("/login", data={"email": "inspektur@kota.go.id", "password": "rahasia123"})
    a = Unit.query.filter_by(name=A).one()
    html = client.get(f"/periode/2023-S2/unit/{a.id}").data.decode()
    assert "Efek RTL Semester I 2023: NRR Semester I 2023 dibanding Semester II 2023" in html
    assert f'/rtl/2023-S2/unit/{a.id}' in html
    assert "3,200" in html and "3,360" in html and "naik" in html
    html = client.get("/rtl/pemantauan?period=2023-S1").data.decode()
    assert 'id="effect"' in html and "Unsur dengan tindak lanjut" in html
    assert "2 naik, 0 turun" in html


def test_rtl_list_of_a_year_gathers_semester_plans(semester_plans, client):
    """A city that plans per semester: the year view never says 'belum ada' for those units."""
    make_user("admin@kota.go.id", "admin")
    client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
    html = client.get("/rtl/?period=2023").data.decode()
    a = Unit.query.filter_by(name=A).one()
    row = re.search(r"<tr>\s*<td>Dinas Kesehatan.*?</tr>", html, re.S).group(0)
    assert "belum ada" not in row
    assert f"/rtl/2023-S1/unit/{a.id}" in row and f"/rtl/2023-S2/unit/{a.id}" in row
    assert "rata-rata 2 RTL" in row
    # The default period is the latest with accepted plans.
    html = client.get("/rtl/").data.decode()
    assert re.search(r'<option value="2023-S2"\s+selected', html)


def test_progress_rows_match_unit_aliases_and_misspelt_elements(semester_plans, runner, tmp_path):
    from tracker.models import UnitAlias
    from tracker.models.survey import name_key
    a = Unit.query.filter_by(name=A).one()
    db.session.add(UnitAlias(unit_id=a.id, name="Dinkes Kota", name_key=name_key("Dinkes Kota")))
    db.session.commit()
    body = PROGRESS_HEAD + "dinkes  KOTA,Wktu Penyelesaian,Percepatan layanan,2023-TW3,40,verified,,,\n"
    ok(runner.invoke(args=["rtl", "import-progress", write(tmp_path, "p.csv", body), "--period", "2023-S1"]))
    assert unit_row(status(runner, "2023-S1"), A)["realisation"] == pytest.approx(20.0)


def test_a_year_plan_of_its_own_is_not_mixed_with_semester_plans(semester_plans, runner, tmp_path):
    year = RTL_HEAD + f"{A},Biaya,Sosialisasi tarif,2024-TW1,Kabid\n"
    ok(runner.invoke(args=["rtl", "import", write(tmp_path, "y.csv", year), "--period", "2023",
                           "--numbering", "regulation"]))
    row = unit_row(status(runner, "2023"), A)
    assert row["plans"] == ["2023"] and row["actions"] == 1
    assert [e["element"] for e in row["elements"]] == ["biaya"]


def test_plan_page_shows_the_previous_year_gathered_like_the_summary(semester_plans, runner, client, tmp_path):
    s1 = PROGRESS_HEAD + f"{A},Waktu Penyelesaian,Percepatan layanan,2023-TW3,80,verified,,,\n"
    ok(runner.invoke(args=["rtl", "import-progress", write(tmp_path, "p1.csv", s1), "--period", "2023-S1"]))
    make_user("admin@kota.go.id", "admin")
    client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
    a = Unit.query.filter_by(name=A).one()
    expected = unit_row(status(runner, "2023"), A)["realisation"]  # (40 + 0) / 2: S1 and S2 plans
    html = client.get(f"/rtl/2024/unit/{a.id}").data.decode()
    shown = re.search(r'id="previous-realisation">\s*([^<]+)<', html).group(1).strip()
    assert shown == f"{expected:.2f}".replace(".", ",") + "%"
    assert f"/rtl/2023-S1/unit/{a.id}" in html and f"/rtl/2023-S2/unit/{a.id}" in html
