"""The annex prints right (issue 12, part 5): row heights from the text's real width, Tabel
3.1's counts in a row of their own, the RTL target in Lampiran 1, evidence as full addresses
when exported from the web, and the workbook's default font (the unit of column widths)."""
from __future__ import annotations

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_user
from tests.helpers import login
from tests.test_reports_data import add_plans
from tracker.extensions import db
from tracker.reports.textfit import row_points, text_points, wrapped_lines


def test_widths_are_arials():
    # Measured with Liberation Sans (Arial's metrics) at 9 pt: 223.7 pt.
    assert abs(text_points("Badan Kepegawaian, Pendidikan Dan Pelatihan Daerah", 9) - 223.7) < 3
    assert text_points("iiii", 10) < text_points("MMMM", 10)


def test_wrapping_counts_lines_a_printer_would():
    name = "Badan Kepegawaian, Pendidikan Dan Pelatihan Daerah"  # about 224 pt at 9 pt
    assert wrapped_lines(name, 36) == 2  # a width-36 column prints 188 pt of text
    assert wrapped_lines(name, 44) == 1  # 230 pt
    assert wrapped_lines(name, 20) == 3
    assert wrapped_lines("satu\ndua\ntiga", 60) == 3
    assert wrapped_lines("x" * 200, 10) == 20
    assert row_points([("pendek", 30)]) is None
    assert row_points([(name, 20), ("pendek", 30)]) == 11.5 * 3 + 1.5


@given(st.text(alphabet="abc ABC,.\n", max_size=300), st.integers(5, 80), st.integers(1, 40))
def test_a_wider_column_never_needs_more_lines(text, width, more):
    assert wrapped_lines(text, width + more) <= wrapped_lines(text, width)
    assert wrapped_lines(text, width) >= text.count("\n") + 1


def _write(tmp_path, code="2021"):
    from tracker.reports.annex import write_period_workbook
    out = tmp_path / "a.xlsx"
    write_period_workbook(code, out)
    return openpyxl.load_workbook(out)


def test_table_31_counts_get_a_row_as_wide_as_the_table(loaded, tmp_path):
    wb = _write(tmp_path)
    ws = wb["Tabel 3.1"]
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("Perubahan "))
    merged = [m for m in ws.merged_cells.ranges if m.min_row == row]
    assert merged and merged[0].min_col == 1 and merged[0].max_col == ws.max_column
    assert ws.cell(row - 1, 1).value.startswith("Rata-rata IKM unit")
    assert ws.cell(row - 1, ws.max_column).value is None  # nothing squeezed in the narrow cell


def test_workbook_default_font_is_arial(loaded, tmp_path):
    """Column widths are counted in the default font's digits: Calibri, missing where LibreOffice
    prints, made every column a third wider than in Excel."""
    import zipfile
    _write(tmp_path)
    styles = zipfile.ZipFile(tmp_path / "a.xlsx").read("xl/styles.xml").decode()
    first_font = styles.split("<fonts", 1)[1].split("</font>", 1)[0]
    assert 'val="Arial"' in first_font and "Calibri" not in styles


def test_lampiran_1_prints_each_actions_target_and_rows_fit_long_names(loaded, tmp_path):
    from tracker.models import Action, Unit
    add_plans("2021")
    action = Action.query.first()
    action.target = "SOP baru ditetapkan"
    long = Unit.query.filter(Unit.id == action.plan.unit_id).one()
    long.name = "Unit Pelaksana Teknis Daerah Pusat Layanan Disabilitas Dan Pendidikan Inklusif Kota"
    db.session.commit()
    wb = _write(tmp_path)
    ws = wb["Lampiran 1"]
    heads = [c.value for row in ws.iter_rows() for c in row if c.value == "Target"]
    assert heads, "the RTL table has a Target column"
    assert any(c.value == "SOP baru ditetapkan" for row in ws.iter_rows() for c in row)
    ev = wb["Lampiran 2"]
    rows = [r for r in range(1, ev.max_row + 1) if ev.cell(r, 2).value == long.name]
    assert rows and all((ev.row_dimensions[r].height or 0) >= 11.5 * 2 for r in rows)


def test_evidence_links_exported_from_the_web_are_full_addresses(loaded, client, tmp_path):
    add_plans("2021")
    make_user("admin@kota.go.id", "admin")
    db.session.commit()
    login(client, "admin@kota.go.id")
    r = client.post("/laporan/ekspor", data={"kind": "period", "period": "2021"},
                    base_url="https://skm.kota.example")
    job = r.headers["Location"].rstrip("/").split("/")[-1]
    data = client.get(f"/laporan/ekspor/{job}/unduh", base_url="https://skm.kota.example")
    assert data.status_code == 200
    (tmp_path / "w.xlsx").write_bytes(data.data)
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["Lampiran 2"]
    targets = [c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink]
    assert any(t.startswith("https://skm.kota.example/rtl/laporan/") and t.endswith("/bukti") for t in targets)
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("(aplikasi: /rtl/laporan/" in t for t in texts)
