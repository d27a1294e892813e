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
