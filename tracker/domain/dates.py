"""Dates written the Indonesian way: the survey window (Periode pelaksanaan) of a unit.

Reading (:func:`parse_date`), one cell at a time. Accepted forms, case-insensitive:

- ISO ``2023-07-01`` (a time after it, as spreadsheets export dates, is ignored);
- day first with ``/``, ``-`` or ``.``: ``01/07/2023``, ``1-7-2023`` (never month first);
- day, month name, year: ``1 Juli 2023``, ``01 Jul 2023``, ``1-Agt-2023``, ``1 Sept. 2023``;
- a month alone: ``Juli 2023``, ``2023-07``. A month stands for its first day when it starts a
  window and for its last day when it ends one, so the caller says which (``end=True``);
- date cells of a spreadsheet (``datetime``, ``date``, pandas ``Timestamp``).

Month names are Indonesian, with the abbreviations and older spellings reports use (Pebruari,
Nopember, Agt/Ags). Empty cells give ``None``; anything else that is not a date raises
:class:`BadDate` with a message in Bahasa Indonesia.

Writing. :func:`format_date` gives "1 Juli 2023". :func:`format_window` writes a window the
way the reports print it, with one rule:

- a window that starts on the first day of a month and ends on the last day of a month is
  written with months only: "Juli 2023", "Juli - Oktober 2023", "Desember 2023 - Januari 2024";
- any other window keeps its days, with the shared month and year written once:
  "1 - 15 Juli 2023", "3 Juli - 27 Oktober 2023", "15 Desember 2023 - 10 Januari 2024";
- a single day is written once ("1 Juli 2023"); a window known at one end only is written
  "mulai 1 Juli 2023" or "sampai 31 Oktober 2023"; no dates at all give "".

:func:`parse_window` reads every text :func:`format_window` writes back to the same dates.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")

# Every accepted spelling (lower case) -> month number.
MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate((
        ("januari", "jan"),
        ("februari", "feb", "pebruari", "peb"),
        ("maret", "mar"),
        ("april", "apr"),
        ("mei",),
        ("juni", "jun"),
        ("juli", "jul"),
        ("agustus", "agu", "agt", "ags"),
        ("september", "sep", "sept"),
        ("oktober", "okt"),
        ("november", "nov", "nop", "nopember"),
        ("desember", "des")), start=1):
    for _name in _names:
        MONTH_NAMES[_name] = _number

MIN_YEAR, MAX_YEAR = 1900, 2100
FORMS = "2023-07-01, 01/07/2023, 1 Juli 2023 atau Juli 2023"

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_NAMED = re.compile(r"(?:(\d{1,2})[\s./-]*)?([a-z]+)\.?[\s./-]*(\d{4})")


class BadDate(ValueError):
    """Text that is not a date; the message is in Bahasa Indonesia."""


def _is_empty(value) -> bool:
    if value is None:
        return True
    try:
        if value != value:  # float NaN and pandas NaT
            return True
    except (TypeError, ValueError):  # pandas NA has no truth value
        return type(value).__name__ == "NAType"
    return isinstance(value, str) and value.strip() in ("", "-")


def _make(year: int, month: int, day: int | None, end: bool, shown: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadDate(f"tanggal '{shown}' tidak valid: tahun {year} di luar {MIN_YEAR}-{MAX_YEAR}.")
    if not 1 <= month <= 12:
        raise BadDate(f"tanggal '{shown}' tidak valid: bulan {month} tidak ada (1-12).")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return date(year, month, last if end else 1)
    if not 1 <= day <= last:
        raise BadDate(f"tanggal '{shown}' tidak valid: {MONTHS[month - 1]} {year} hanya "
                      f"{last} hari.")
    return date(year, month, day)


def parse_date(value, end: bool = False) -> date | None:
    """One date from a cell; ``end`` says whether a month alone means its last day (the end of
    a window) or its first (the start). Empty gives None; other non-dates raise BadDate."""
    if _is_empty(value):
        return None
    if isinstance(value, datetime):  # pandas Timestamp is a datetime
        return value.date()
    if isinstance(value, date):
        return value
    if type(value).__name__ == "datetime64":  # numpy, from a typed column
        return parse_date(str(value)[:10], end)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise BadDate(f"tanggal '{value}' tidak dikenali (angka, bukan tanggal); gunakan {FORMS}.")
    shown = re.sub(r"\s+", " ", str(value).replace("\u00a0", " ")).strip()
    text = shown.lower()
    m = _ISO.fullmatch(text)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]), end, shown)
    m = _ISO_MONTH.fullmatch(text)
    if m:
        return _make(int(m[1]), int(m[2]), None, end, shown)
    m = _NUMERIC.fullmatch(text)
    if m:
        if int(m[2]) > 12:
            raise BadDate(f"tanggal '{shown}' tidak valid: bulan {int(m[2])} tidak ada; hari "
                          f"ditulis lebih dulu (01/07/2023 = 1 Juli 2023).")
        return _make(int(m[3]), int(m[2]), int(m[1]), end, shown)
    m = _NAMED.fullmatch(text)
    if m:
        month = MONTH_NAMES.get(m[2])
        if month is None:
            raise BadDate(f"tanggal '{shown}' tidak dikenali: '{m[2]}' bukan nama bulan "
                          f"(Januari ... Desember); gunakan {FORMS}.")
        return _make(int(m[3]), month, int(m[1]) if m[1] else None, end, shown)
    raise BadDate(f"tanggal '{shown}' tidak dikenali; gunakan {FORMS}.")


def format_date(value: date | None) -> str:
    """"1 Juli 2023"; "" for None."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _month_year(value: date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]


def format_window(start: date | None, end: date | None) -> str:
    """The survey window as reports print it (rule in the module docstring)."""
    if start is None and end is None:
        return ""
    if end is None:
        return f"mulai {format_date(start)}"
    if start is None:
        return f"sampai {format_date(end)}"
    if start == end:
        return format_date(start)
    if start <= end and _whole_months(start, end):
        if (start.year, start.month) == (end.year, end.month):
            return _month_year(start)
        if start.year == end.year:
            return f"{MONTHS[start.month - 1]} - {_month_year(end)}"
        return f"{_month_year(start)} - {_month_year(end)}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} - {format_date(end)}"
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} - {format_date(end)}"
    return f"{format_date(start)} - {format_date(end)}"


_SEPARATOR = re.compile(r"\s+(?:-|s\.?\s?d\.?|s/d|sampai|hingga)\s+|\s*[\u2013\u2014]\s*",
                        re.IGNORECASE)


def parse_window(text) -> tuple[date | None, date | None]:
    """Read a window as :func:`format_window` writes it ("Juli - Oktober 2023",
    "1 - 15 Juli 2023", "mulai 1 Juli 2023" ...); the left side borrows the month and year it
    leaves out from the right side. Empty gives (None, None); other text raises BadDate."""
    if _is_empty(text):
        return None, None
    shown = re.sub(r"\s+", " ", str(text)).strip()
    lowered = shown.lower()
    for prefix, is_start in (("mulai ", True), ("sampai ", False), ("s/d ", False)):
        if lowered.startswith(prefix):
            day = parse_date(shown[len(prefix):], end=not is_start)
            return (day, None) if is_start else (None, day)
    parts = _SEPARATOR.split(shown)
    if len(parts) == 1:
        return parse_date(shown), parse_date(shown, end=True)
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise BadDate(f"periode '{shown}' tidak dikenali; tulis misalnya 'Juli - Oktober 2023' "
                      f"atau '1 Juli - 31 Oktober 2023'.")
    left, right = (p.strip() for p in parts)
    end = parse_date(right, end=True)
    try:
        start = parse_date(left)
    except BadDate:
        if re.fullmatch(r"\d{1,2}", left):  # "1 - 15 Juli 2023"
            start = parse_date(f"{left} {MONTHS[end.month - 1]} {end.year}")
        else:  # "Juli - Oktober 2023", "1 Juli - 15 Oktober 2023"
            start = parse_date(f"{left} {end.year}")
    return start, end
