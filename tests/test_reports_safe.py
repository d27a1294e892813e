"""Formula neutralisation (tracker.reports.safe)."""
import csv
import io

import pytest

from tracker.reports.safe import csv_text, neutralise, write_text


@pytest.mark.parametrize("text", ["=1+1", "+62 812", "-5", "@SUM(A1)", "\tx", "\rx",
                                  "=cmd|' /C calc'!A0"])
def test_formula_like_text_gets_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Dinas Kesehatan", "", "86,55", "a=b", 86.55, 3, None])
def test_other_values_unchanged(value):
    assert neutralise(value) == value


def test_csv_text_neutralises_cells_and_header():
    body = csv_text([["=HYPERLINK(\"x\")", 1.5, None], ["ok", -2.0, "+1"]], ["@h", "b", "c"])
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["'@h", "b", "c"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "1.5", ""]
    assert rows[2] == ["ok", "-2.0", "'+1"]  # a number stays a number


def test_write_text_uses_write_string(tmp_path):
    import openpyxl
    import xlsxwriter
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    write_text(ws, 0, 0, "=SUM(1,2)")
    write_text(ws, 1, 0, None)
    wb.close()
    cell = openpyxl.load_workbook(path).active["A1"]
    assert cell.data_type == "s" and cell.value == "'=SUM(1,2)"


def test_collector_paused_while_writing_and_restored_after_an_error():
    import gc

    from tracker.reports.pausing import collector_paused
    seen = []

    @collector_paused
    def write(fail):
        seen.append(gc.isenabled())
        if fail:
            raise RuntimeError("gagal")
        return "ok"

    assert gc.isenabled()
    assert write(False) == "ok" and gc.isenabled()
    with pytest.raises(RuntimeError):
        write(True)
    assert gc.isenabled() and seen == [False, False]
    gc.disable()
    try:  # a caller that had paused it itself keeps it paused
        write(False)
        assert not gc.isenabled()
    finally:
        gc.enable()
