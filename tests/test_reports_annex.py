"""Annex workbooks: they open, their numbers equal `skm summary`, they print, they are safe."""
from __future__ import annotations

import re

import openpyxl
import pytest

from tests.helpers import QueryCounter
from tests.test_reports_data import add_plans, load_synthetic
from tracker.extensions import db

SHEETS = ["Tabel 3.1", "Tabel 3.2", "Tabel 3.3", "Tabel 3.4", "Tabel 3.5", "Efek Tindak Lanjut", "Lampiran 1", "Lampiran 2"]


def _rows(ws, first_row):
    """Data rows of a table sheet keyed by unit name (column B), until the mean row."""
    out = {}
    for row in ws.iter_rows(min_row=first_row, values_only=True):
        if not isinstance(row[0], (int, float)):
            break
        out[row[1]] = row
    return out


def test_period_workbook_numbers_equal_summary(loaded, tmp_path):
    from tracker.reports.annex import write_period_workbook
    from tracker.results.summary import build_summary
    expected_real = add_plans("2020")  # previous period's RTL -> realisation_previous of 2021
    out = tmp_path / "annex.xlsx"
    seen = []
    write_period_workbook("2021", out, lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS

    summary = build_summary("2021")
    s1, s2 = build_summary("2021-S1"), build_summary("2021-S2")
    by_name = {u["unit"]: u for u in summary["units"]}

    # Tabel 3.2: IKM, category, respondents, previous realisation; city row
    t32 = _rows(wb["Tabel 3.2"], 5)
    assert set(t32) == set(by_name)
    for name, row in t32.items():
        u = by_name[name]
        assert round(row[2], 4) == u["ikm"]
        assert row[3] == u["category"]
        assert row[4] == u["respondents"]
        assert row[8] == u["realisation_previous"]
    assert sorted(v for v in expected_real.values()) == sorted(
        u["realisation_previous"] for u in summary["units"] if u["realisation_previous"] is not None)
    ws = wb["Tabel 3.2"]
    mean_row = 5 + len(t32)
    assert round(ws.cell(mean_row, 3).value, 3) == summary["city"]["ikm"]
    assert ws.cell(mean_row, 4).value == summary["city"]["category"]
    assert ws.cell(mean_row, 5).value == summary["city"]["respondents"]
    assert "rata-rata IKM unit" in ws.cell(mean_row, 1).value
    # priorities lowest first, as U-codes of the period's numbering
    from tracker.domain.elements import u_code
    for name, row in t32.items():
        codes = [u_code(k, "questionnaire") for k in by_name[name]["priorities"]]
        assert re.findall(r"\bU\d\b", row[6]) == codes

    # Tabel 3.1: S1 / S2 / year columns equal each period's summary
    t31 = _rows(wb["Tabel 3.1"], 6)
    parts = [(2, {u["unit"]: u for u in s1["units"]}), (5, {u["unit"]: u for u in s2["units"]}),
             (8, by_name)]
    for name, row in t31.items():
        for col, units in parts:
            if name in units:
                assert row[col] == units[name]["respondents"]
                assert round(row[col + 1], 4) == units[name]["ikm"]
                assert row[col + 2] == units[name]["category"]
            else:
                assert row[col + 1] is None
    ws = wb["Tabel 3.1"]
    mean_row = 6 + len(t31)
    assert round(ws.cell(mean_row, 4).value, 3) == s1["city"]["ikm"]
    assert round(ws.cell(mean_row, 7).value, 3) == s2["city"]["ikm"]
    assert round(ws.cell(mean_row, 10).value, 3) == summary["city"]["ikm"]
    assert ws.cell(mean_row, 3).value == s1["city"]["respondents"]
    words = [row[12] for row in t31.values() if row[12]]
    assert ws.cell(mean_row + 1, 1).value == (
        f"Perubahan Semester I 2021 ke Semester II 2021: Naik {words.count('Naik')}, "
        f"Turun {words.count('Turun')}, Stagnan {words.count('Stagnan')} unit.")

    # Tabel 3.3: city element means
    t33 = {row[2]: row for row in wb["Tabel 3.3"].iter_rows(min_row=5, values_only=True)
           if isinstance(row[0], int)}
    from tracker.domain.elements import ELEMENTS
    for key, value in summary["city"]["elements"].items():
        assert round(t33[ELEMENTS[key].name][3], 3) == value
    values = [r[3] for r in t33.values()]
    assert values == sorted(values)

    # Tabel 3.4 / 3.5: top and bottom 10
    ranked = sorted(summary["units"], key=lambda u: -u["ikm"])
    top = [r[1] for r in wb["Tabel 3.4"].iter_rows(min_row=4, values_only=True)]
    assert top == [u["unit"] for u in ranked[:10]]
    bottom = [r[1] for r in wb["Tabel 3.5"].iter_rows(min_row=4, values_only=True)]
    assert bottom == [u["unit"] for u in sorted(summary["units"], key=lambda u: u["ikm"])[:10]]


def test_lampiran_blocks_equal_summary(loaded, tmp_path):
    from tracker.reports.annex import write_period_workbook
    from tracker.results.summary import build_summary
    add_plans("2021")
    out = tmp_path / "annex.xlsx"
    write_period_workbook("2021", out)
    ws = openpyxl.load_workbook(out)["Lampiran 1"]
    summary = {u["unit"]: u for u in build_summary("2021")["units"]}
    cells = list(ws.iter_rows(values_only=True))
    from tracker.domain.elements import NUMBERINGS
    order = NUMBERINGS["questionnaire"]
    checked = 0
    current = None
    for i, row in enumerate(cells):
        if row[0] == "Nama Unit":
            current = row[2]
        if row[0] == "NRR" and current:
            u = summary[current]
            nrrs = [round(v, 4) for v in row[2:11]]
            assert nrrs == [u["elements"][k] for k in order]
            assert round(row[11], 4) == u["ikm"]
            assert cells[i + 1][11] == u["category"]
            checked += 1
    assert checked == len(summary)
    text = "\n".join(str(v) for row in cells for v in row if v is not None)
    assert "Hasil Semester I 2021" in text and "Hasil Semester II 2021" in text
    assert "Hasil Konversi IKM" in text and "Interval Kategori Mutu Pelayanan" in text
    assert "3,5324 - 4,0000" in text
    assert "Penanggung Jawab" in text and "2021 TW IV" in text and "\u2713" in text
    # the RTL rows carry each action's verified realisation, as the domain rule gives it
    assert "Sub Bagian Umpeg" in text
    from tracker.followup import rates
    from tracker.models import Action, Plan
    expected = sorted((a.text, rates.action_state(a).realisation)
                      for a in Action.query.join(Plan).filter(Plan.status == "accepted"))
    real_col = next(row.index("Realisasi (%)") for row in cells if "Realisasi (%)" in row)
    printed = sorted((row[2], row[real_col]) for row in cells
                     if isinstance(row[0], int) and row[1] and isinstance(row[real_col], (int, float)))
    assert printed == expected and any(value > 0 for _, value in printed)
    # Lampiran 2 links
    ev = openpyxl.load_workbook(out)["Lampiran 2"]
    links = [c.hyperlink.target for row in ev.iter_rows() for c in row if c.hyperlink]
    assert links and all(link.startswith("https://bukti.example/") for link in links)


def test_print_setup(loaded, tmp_path):
    from tracker.reports.annex import write_period_workbook
    out = tmp_path / "annex.xlsx"
    write_period_workbook("2021", out)
    wb = openpyxl.load_workbook(out)
    for name in SHEETS:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "9"  # A4
    assert wb["Tabel 3.1"].print_title_rows == "$4:$5"
    assert wb["Tabel 3.2"].print_title_rows == "$4:$4"
    assert wb["Tabel 3.1"].merged_cells.ranges
    assert wb["Tabel 3.2"].column_dimensions["B"].width > 30
    ikm_cell = wb["Tabel 3.2"]["C5"]
    assert isinstance(ikm_cell.value, float) and ikm_cell.number_format == "0.000"
    from tracker.results.summary import build_summary
    units = len(build_summary("2021")["units"])
    assert len(wb["Lampiran 1"].row_breaks.brk) == units - 1  # a page per unit


def test_semester_workbook_compares_previous(loaded, tmp_path):
    from tracker.reports.annex import write_period_workbook
    out = tmp_path / "s2.xlsx"
    write_period_workbook("2021-S2", out)
    ws = openpyxl.load_workbook(out)["Tabel 3.1"]
    assert ws["C4"].value == "Semester I 2021" and ws["F4"].value == "Semester II 2021"


def test_regulation_numbering_shows_other_u_codes(app, tmp_path, sample_dir):
    from tracker.imports.service import import_scores
    from tracker.reports.annex import write_period_workbook
    text = (sample_dir / "surakarta-2021-S1.csv").read_bytes()
    import_scores(text, "s1.csv", "2021-S1", "regulation", user="t")
    out = tmp_path / "r.xlsx"
    write_period_workbook("2021-S1", out)
    rows = list(openpyxl.load_workbook(out)["Tabel 3.3"].iter_rows(values_only=True))
    codes = {r[2]: r[1] for r in rows if isinstance(r[0], int)}
    assert codes["Sarana dan Prasarana"] == "U9" and codes["Penanganan Pengaduan, Saran dan Masukan"] == "U8"


def test_unit_workbook(loaded, tmp_path):
    from tracker.models import Unit
    from tracker.reports.annex import write_unit_workbook
    from tracker.results.summary import build_summary
    add_plans("2021")
    unit = Unit.query.order_by(Unit.name).first()
    out = tmp_path / "unit.xlsx"
    write_unit_workbook("2021", unit.id, out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Lampiran 1", "Lampiran 2"]
    values = [v for row in wb["Lampiran 1"].iter_rows(values_only=True) for v in row if v is not None]
    assert unit.name in values
    u = next(x for x in build_summary("2021")["units"] if x["unit"] == unit.name)
    assert u["ikm"] in [round(v, 4) for v in values if isinstance(v, float)]
    others = {x["unit"] for x in build_summary("2021")["units"]} - {unit.name}
    assert not others & set(values)


def test_no_results_raises_lookup(app, tmp_path):
    from tracker.reports.annex import write_period_workbook
    with pytest.raises(LookupError, match="belum memiliki hasil"):
        write_period_workbook("2030", tmp_path / "x.xlsx")


def test_formula_text_is_neutralised(loaded, tmp_path):
    from tracker.models import Unit
    from tracker.reports.annex import write_period_workbook
    unit = Unit.query.order_by(Unit.name).first()
    unit.contact = "=cmd|' /C calc'!A0"
    unit.phone = "+62 878-3682-3650"
    unit.group = "@SUM(A1)"
    db.session.commit()
    add_plans("2021", formula_text=True)
    out = tmp_path / "annex.xlsx"
    write_period_workbook("2021", out)
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=cmd|' /C calc'!A0" in texts
    assert "'+62 878-3682-3650" in texts
    assert "'@SUM(A1)" in texts
    assert any(t.startswith("'=HYPERLINK") for t in texts)
    assert not [t for t in texts if t and t[0] in "=+@\t\r"]
    assert not [t for t in texts if t[:1] == "-" and t != "-"]


def test_cli_export_annex(loaded, runner, tmp_path):
    out = tmp_path / "cli.xlsx"
    result = runner.invoke(args=["skm", "export-annex", "--period", "2021", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames == SHEETS
    missing = runner.invoke(args=["skm", "export-annex", "--period", "2030", "--out", str(tmp_path / "n.xlsx")])
    assert missing.exit_code != 0
    assert "belum memiliki hasil" in missing.output


def test_annex_queries_do_not_grow_with_the_city(app, tmp_path, backend):
    """The annex of a semester and of its year sends as many statements for a city whose 260
    units all have plans (520 actions and reports: past the 500 ids an eager load puts in one
    statement) as when 10 of them do, and every unit gets its Tabel 3.2 row. How the export's
    time grows is measured by the bench (c), as a ratio to a bare xlsxwriter writing the same
    cells."""
    from tracker.models import Unit
    from tracker.reports.annex import write_period_workbook
    units = 260
    load_synthetic(units)
    names = [u.name for u in Unit.query.order_by(Unit.name)]

    def statements() -> dict[str, int]:
        out = {}
        for code in ("2021-S1", "2021"):
            with QueryCounter() as sent:
                write_period_workbook(code, tmp_path / f"{code}.xlsx")
            out[code] = sent.count
        return out
    add_plans("2021", unit_names=names[:10], limit=10)
    few = statements()
    add_plans("2021", unit_names=names[10:], limit=units)
    assert statements() == few
    wb = openpyxl.load_workbook(tmp_path / "2021.xlsx", read_only=True)
    assert wb["Tabel 3.2"].max_row >= units + 4


def test_evidence_links_use_public_base_url(loaded, tmp_path, monkeypatch):
    from tracker.reports.annex import write_period_workbook
    add_plans("2021")
    out = tmp_path / "a.xlsx"
    write_period_workbook("2021", out)
    ws = openpyxl.load_workbook(out)["Lampiran 2"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Berkas: foto.jpg (aplikasi: /rtl/laporan/") for t in texts)
    loaded.config["PUBLIC_BASE_URL"] = "https://skm.kota.go.id/"
    write_period_workbook("2021", out)
    ws = openpyxl.load_workbook(out)["Lampiran 2"]
    targets = [c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink]
    assert any(t.startswith("https://skm.kota.go.id/rtl/laporan/") and t.endswith("/bukti")
               for t in targets)


def test_cli_export_annex_subprocess(loaded, tmp_path, backend):
    """`flask --app wsgi skm export-annex` as an operator runs it: exit 0, the file opens."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "cli-sub.xlsx"
    env = dict(os.environ, DATABASE_URL=loaded.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="x")
    proc = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "skm",
                           "export-annex", "--period", "2021-S1", "--out", str(out)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert openpyxl.load_workbook(out).sheetnames == SHEETS
