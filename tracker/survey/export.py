"""Rekap Alasan downloads: per element, the reasons respondents gave with answers of 1 or 2.
XLSX through the checked workbook (no formula injection, no silently dropped cell) and CSV
with ``;`` for Indonesian Excel, every text cell neutralised."""
from __future__ import annotations

import csv
import io

from ..domain import periods as P
from ..domain.elements import ELEMENTS
from ..reports.safe import CheckedWorkbook, neutralise

HEADER = ["No", "Unsur", "Jawaban", "Nilai", "Alasan responden"]


def _rows(coll, reasons):
    number = 0
    for key in coll.element_keys:
        for r in reasons.get(key, []):
            number += 1
            yield [number, ELEMENTS[key].name, r.word, r.answer, r.text]


def reasons_csv(coll, reasons) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(HEADER)
    for row in _rows(coll, reasons):
        w.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


def reasons_xlsx(coll, reasons) -> bytes:
    out = io.BytesIO()
    wb = CheckedWorkbook(out, {"in_memory": True})
    ws = wb.add_worksheet("Rekap Alasan")
    bold = wb.add_format({"bold": True, "font_name": "Arial", "font_size": 10})
    head = wb.add_format({"bold": True, "font_name": "Arial", "font_size": 10, "border": 1, "bg_color": "#DDEBF7",
                          "text_wrap": True, "valign": "top"})
    cell = wb.add_format({"font_name": "Arial", "font_size": 10, "border": 1, "text_wrap": True, "valign": "top"})
    ws.write_string(0, 0, neutralise(f"Rekap Alasan SKM daring - {coll.unit.name}"), bold)
    ws.write_string(1, 0, neutralise(f"Periode {P.parse_period(coll.period.code).label}"), bold)
    for c, h in enumerate(HEADER):
        ws.write_string(3, c, h, head)
    r = 4
    for row in _rows(coll, reasons):
        ws.write_number(r, 0, row[0], cell)
        ws.write_string(r, 1, neutralise(row[1]), cell)
        ws.write_string(r, 2, neutralise(row[2]), cell)
        ws.write_number(r, 3, row[3], cell)
        ws.write_string(r, 4, neutralise(row[4]), cell)
        r += 1
    if r == 4:
        ws.write_string(r, 0, "Belum ada alasan dari responden.", cell)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2, 22)
    ws.set_column(3, 3, 7)
    ws.set_column(4, 4, 70)
    ws.freeze_panes(4, 0)
    wb.close()
    return out.getvalue()
