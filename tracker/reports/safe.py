"""Neutralising formula-like text in spreadsheet and CSV output.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
as a formula by Excel/LibreOffice when the file is opened (CSV) or re-saved and edited (xlsx).
Unit names, actions, narratives and contact fields are typed by users, so every text cell we
write goes through :func:`neutralise`, which prefixes such text with an apostrophe, the same
character a user types to force text. In xlsx we also always use ``write_string`` (never
``write``), so the text is a string cell even before the prefix.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

import xlsxwriter
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return ``value`` with a leading apostrophe when it is text that looks like a formula.
    Numbers, None and other non-text values pass through unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_text(ws, row: int, col: int, value, fmt=None) -> None:
    """Write a text cell through xlsxwriter's write_string, neutralised."""
    text = "" if value is None else str(value)
    ws.write_string(row, col, neutralise(text), fmt)


def csv_text(rows: Iterable[Sequence], header: Sequence[str] | None = None) -> str:
    """CSV with every text cell neutralised (numbers are written as numbers)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if header is not None:
        writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Writes that cannot be dropped

EXCEL_ROWS = 1_048_576

WRITE_ERRORS = {
    -1: "di luar batas lembar Excel (1.048.576 baris, 16.384 kolom)",
    -2: "teks lebih dari 32.767 karakter",
    -3: "alamat tautan lebih dari 2.079 karakter",
    -4: "lebih dari 65.530 tautan dalam satu lembar",
}


class WorkbookRefused(Exception):
    """The workbook cannot hold what it must show; the message (Bahasa) says what and where."""


class CheckedWorksheet(Worksheet):
    """A worksheet whose every write is checked. xlsxwriter answers a write it cannot do (a row
    past Excel's last, a string too long) with a negative number and drops the cell; here that
    raises instead, so an export is complete or refused, never silently short.

    ``row_limit`` is the number of rows a sheet may use; writers that split long tables over
    several sheets ask :meth:`rows_left`. Tests lower it to exercise the split."""

    row_limit = EXCEL_ROWS

    def rows_left(self, row: int) -> int:
        return self.row_limit - row

    def _checked(self, result, row):
        if result == 0 and type(row) is int and row < self.row_limit:  # the common case, first
            return 0
        if isinstance(row, int) and row >= self.row_limit:
            result = -1
        if isinstance(result, int) and result < 0:
            where = f"lembar '{self.name}', baris {row + 1 if isinstance(row, int) else row}"
            raise WorkbookRefused(f"Ekspor dihentikan: {where} {WRITE_ERRORS.get(result, 'tidak dapat ditulis')}. "
                                "Tidak ada berkas yang dibuat; pilih periode atau unit yang lebih sedikit.")
        return result

    def write(self, row, col, *args):
        return self._checked(super().write(row, col, *args), row)

    # Cells are always addressed by numbers here: skip xlsxwriter's conversion of "A1" notation
    # (a decorator around every public write, a tenth of a 300-unit annex).
    def write_string(self, row, col, string, cell_format=None):
        if not isinstance(row, int):
            return self._checked(super().write_string(row, col, string, cell_format), row)
        return self._checked(self._write_string(row, col, string, cell_format), row)

    def write_number(self, row, col, number, cell_format=None):
        if not isinstance(row, int):
            return self._checked(super().write_number(row, col, number, cell_format), row)
        return self._checked(self._write_number(row, col, number, cell_format), row)

    def write_blank(self, row, col, blank, cell_format=None):
        if not isinstance(row, int):
            return self._checked(super().write_blank(row, col, blank, cell_format), row)
        return self._checked(self._write_blank(row, col, blank, cell_format), row)

    def write_url(self, row, col, *args, **kwargs):
        if type(row) is int:
            return self._checked(self._write_url(row, col, *args, **kwargs), row)
        return self._checked(super().write_url(row, col, *args, **kwargs), row)

    def write_row(self, row, col, *args):
        return self._checked(super().write_row(row, col, *args), row)

    def merge_range(self, first_row, first_col, last_row, last_col, *args):
        self._checked(0, last_row)
        return self._checked(super().merge_range(first_row, first_col, last_row, last_col, *args),
                             first_row)

    def merge_text(self, first_row: int, first_col: int, last_row: int, last_col: int, value,
                   cell_format=None) -> int:
        """A merged range holding ``value`` (text, neutralised; a number; or None for an empty
        range), its other cells formatted blanks: ``merge_range`` with the first cell written
        once and without its generic checks (Lampiran 1 merges 13,000 ranges). A range of one
        cell is that cell."""
        if (first_row, first_col) != (last_row, last_col):
            self._checked(0, last_row)
            if self._check_dimensions(first_row, first_col) or self._check_dimensions(last_row, last_col):
                return self._checked(-1, first_row)
            span = (first_row, first_col, last_row, last_col)
            merged = self.merged_cells
            for row in range(first_row, last_row + 1):
                for col in range(first_col, last_col + 1):
                    if (row, col) in merged:
                        raise OverlappingRange(f"Merge range {span} overlaps previous merge range {merged[(row, col)]}.")
                    merged[(row, col)] = span
                    if row != first_row or col != first_col:
                        self._write_blank(row, col, "", cell_format)
            self.merge.append(list(span))
        if value is None:
            return self.write_blank(first_row, first_col, None, cell_format)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.write_number(first_row, first_col, value, cell_format)
        return self.write_string(first_row, first_col, neutralise(str(value)), cell_format)

    def set_row(self, row, *args, **kwargs):
        return self._checked(super().set_row(row, *args, **kwargs), row)


class CheckedWorkbook(xlsxwriter.Workbook):
    worksheet_class = CheckedWorksheet
