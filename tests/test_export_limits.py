"""Nothing is dropped silently from a workbook: every xlsxwriter write is checked, long annexes
continue on further sheets, and what cannot fit is refused with a message and no file."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tracker.reports.safe import EXCEL_ROWS, CheckedWorkbook, CheckedWorksheet, WorkbookRefused


def _sheet():
    wb = CheckedWorkbook(io.BytesIO(), {"in_memory": True})
    return wb, wb.add_worksheet("Uji")


def test_a_write_past_excels_last_row_raises_instead_of_returning_minus_one():
    wb, ws = _sheet()
    assert ws.write_string(EXCEL_ROWS - 1, 0, "baris terakhir") == 0
    for write in (lambda: ws.write_string(EXCEL_ROWS, 0, "x"), lambda: ws.write_number(EXCEL_ROWS, 0, 1),
                  lambda: ws.write_blank(EXCEL_ROWS, 0, None, wb.add_format()),
                  lambda: ws.merge_range(EXCEL_ROWS - 1, 0, EXCEL_ROWS, 1, "x"),
                  lambda: ws.merge_text(EXCEL_ROWS - 1, 0, EXCEL_ROWS, 1, "x"),
                  lambda: ws.merge_text(0, 16383, 0, 16384, "x"),
                  lambda: ws.write_url(EXCEL_ROWS, 0, "https://a.test"),
                  lambda: ws.write(0, 16384, "kolom di luar batas")):
        with pytest.raises(WorkbookRefused, match="lembar 'Uji'.*di luar batas lembar Excel"):
            write()
    wb.close()


def test_merge_text_writes_one_merged_range_neutralised_and_refuses_overlaps(tmp_path):
    from xlsxwriter.exceptions import OverlappingRange
    path = tmp_path / "m.xlsx"
    wb = CheckedWorkbook(str(path))
    ws = wb.add_worksheet("Uji")
    fmt = wb.add_format({"border": 1})
    ws.merge_text(0, 0, 0, 1, "=1+1", fmt)
    ws.merge_text(1, 0, 2, 0, 86.5, fmt)
    ws.merge_text(3, 0, 3, 2, None, fmt)
    ws.merge_text(4, 0, 4, 0, "satu sel", fmt)  # a single cell is written, not merged
    with pytest.raises(OverlappingRange):
        ws.merge_text(0, 1, 0, 2, "tumpang", fmt)
    wb.close()
    sheet = openpyxl.load_workbook(path)["Uji"]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:B1", "A2:A3", "A4:C4"]
    assert sheet["A1"].value == "'=1+1" and sheet["A1"].data_type == "s"
    assert sheet["A2"].value == 86.5 and sheet["A4"].value is None and sheet["A5"].value == "satu sel"
    assert sheet["B1"].border.top.style == "thin"  # the other cells keep the range's format


def test_text_too_long_for_a_cell_raises_instead_of_being_cut():
    wb, ws = _sheet()
    with pytest.raises(WorkbookRefused, match="32.767 karakter"):
        ws.write_string(3, 0, "x" * 40_000)
    wb.close()


@pytest.fixture
def small_sheets(monkeypatch):
    """Sheets of 120 rows: Tabel 3.1 of the sample fits, Lampiran 1 does not."""
    monkeypatch.setattr(CheckedWorksheet, "row_limit", 120)


def _unit_rows(wb, prefix):
    names = []
    for ws in wb.worksheets:
        if ws.title == prefix or ws.title.startswith(prefix + " ("):
            names.extend(row[1] for row in ws.iter_rows(min_row=5, values_only=True)
                         if isinstance(row[0], (int, float)))
    return names


def test_lampiran_1_and_2_continue_on_further_sheets_and_lose_no_unit(loaded, tmp_path, small_sheets):
    from tracker.reports.annex import write_period_workbook
    from tracker.results.summary import build_summary
    out = tmp_path / "annex.xlsx"
    write_period_workbook("2021-S1", out)
    wb = openpyxl.load_workbook(out)
    units = sorted(u["unit"] for u in build_summary("2021-S1")["units"])
    assert len(units) == 44
    lamp1 = [ws for ws in wb.worksheets if ws.title.startswith("Lampiran 1")]
    assert [ws.title for ws in lamp1][:3] == ["Lampiran 1", "Lampiran 1 (2)", "Lampiran 1 (3)"]
    blocks = []
    for ws in lamp1:
        assert ws.max_row <= 120
        assert "(lanjutan" in ws["A1"].value or ws.title == "Lampiran 1"
        # Each block starts with the unit's name in bold, then "Nama Unit" with the same name.
        cells = list(ws.iter_rows(values_only=True))
        for i, row in enumerate(cells):
            if row[0] == "Nama Unit":
                blocks.append(row[2])
                assert cells[i - 1][0] == row[2]
    assert sorted(blocks) == units  # every unit once, none cut between sheets
    lamp2 = [ws.title for ws in wb.worksheets if ws.title.startswith("Lampiran 2")]
    assert len(lamp2) == 1  # 44 rows fit
    assert sorted(_unit_rows(wb, "Lampiran 2")) == units


def test_lampiran_2_continues_with_its_heading_repeated(loaded, tmp_path, monkeypatch):
    from tracker.reports import annex
    from tracker.results.summary import build_summary
    monkeypatch.setattr(CheckedWorksheet, "row_limit", 20)
    data = annex.load_data("2021-S1")
    out = tmp_path / "lampiran2.xlsx"
    wb = CheckedWorkbook(str(out))
    annex.sheet_evidence(wb, annex.Formats(wb), data)
    wb.close()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Lampiran 2", "Lampiran 2 (2)", "Lampiran 2 (3)"]
    for ws in book.worksheets:
        assert ws["A4"].value == "No" and ws["I4"].value == "Bukti" and ws.max_row <= 20
    assert "(lanjutan 3)" in book["Lampiran 2 (3)"]["A1"].value
    numbers = [row[0] for ws in book.worksheets for row in ws.iter_rows(min_row=5, values_only=True)]
    assert numbers == list(range(1, 45))  # numbering runs on across the sheets
    assert sorted(_unit_rows(book, "Lampiran 2")) == sorted(u["unit"] for u in build_summary("2021-S1")["units"])


def test_what_cannot_fit_is_refused_with_a_message_and_no_file(loaded, tmp_path, monkeypatch, runner):
    monkeypatch.setattr(CheckedWorksheet, "row_limit", 20)
    out = tmp_path / "annex.xlsx"
    r = runner.invoke(args=["skm", "export-annex", "--period", "2021-S1", "--out", str(out)])
    assert r.exit_code != 0
    assert "Ekspor dihentikan: lembar 'Tabel 3.1', baris 21 di luar batas lembar Excel" in r.output
    assert "Traceback" not in r.output
    assert not out.exists()


def test_a_refused_export_job_fails_with_the_message(loaded, tmp_path, monkeypatch):
    from flask import current_app

    from jobs.exports import start_export
    monkeypatch.setattr(CheckedWorksheet, "row_limit", 20)
    job = start_export(current_app._get_current_object(), "period", "2021-S1")
    assert job.status == "failed"
    assert job.error.startswith("Ekspor dihentikan: lembar 'Tabel 3.1', baris 21")
    assert not list((tmp_path / "exports").glob("*.xlsx"))
