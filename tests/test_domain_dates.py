"""Reading and writing survey dates the Indonesian way (tracker.domain.dates)."""
import calendar
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.dates import (MONTH_NAMES, MONTHS, BadDate, format_date, format_window,
                                  parse_date, parse_window)

FAST = settings(max_examples=200, deadline=None)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


@pytest.mark.parametrize("text, expected", [
    ("2023-07-01", date(2023, 7, 1)),
    ("2023-7-1", date(2023, 7, 1)),
    ("2023-07-01 00:00:00", date(2023, 7, 1)),     # a date cell read as text
    ("2023-07-01T08:30", date(2023, 7, 1)),
    ("01/07/2023", date(2023, 7, 1)),              # day first, never month first
    ("1/7/2023", date(2023, 7, 1)),
    ("31-10-2023", date(2023, 10, 31)),
    ("31.10.2023", date(2023, 10, 31)),
    ("1 Juli 2023", date(2023, 7, 1)),
    ("01 juli 2023", date(2023, 7, 1)),
    ("1 JULI 2023", date(2023, 7, 1)),
    ("1 Jul 2023", date(2023, 7, 1)),
    ("  1   Juli\u00a02023 ", date(2023, 7, 1)),
    ("1-Agt-2023", date(2023, 8, 1)),
    ("17 Ags 2023", date(2023, 8, 17)),
    ("17 Agu 2023", date(2023, 8, 17)),
    ("1 Sept. 2023", date(2023, 9, 1)),
    ("29 Pebruari 2024", date(2024, 2, 29)),
    ("30 Nopember 2023", date(2023, 11, 30)),
    ("30 Nop 2023", date(2023, 11, 30)),
    ("31 Des 2023", date(2023, 12, 31)),
    ("2 Mei 2023", date(2023, 5, 2)),
])
def test_parse_date_forms(text, expected):
    assert parse_date(text) == expected
    assert parse_date(text, end=True) == expected  # a full date does not depend on the side


@pytest.mark.parametrize("text, start, end", [
    ("Juli 2023", date(2023, 7, 1), date(2023, 7, 31)),
    ("juli 2023", date(2023, 7, 1), date(2023, 7, 31)),
    ("Feb 2024", date(2024, 2, 1), date(2024, 2, 29)),     # leap year
    ("Februari 2023", date(2023, 2, 1), date(2023, 2, 28)),
    ("2023-10", date(2023, 10, 1), date(2023, 10, 31)),
    ("Des 2023", date(2023, 12, 1), date(2023, 12, 31)),
])
def test_month_alone_is_first_or_last_day(text, start, end):
    assert parse_date(text) == start
    assert parse_date(text, end=True) == end


def test_every_listed_name_is_a_month():
    for name, number in MONTH_NAMES.items():
        assert parse_date(f"15 {name} 2023") == date(2023, number, 15)
        assert parse_date(f"15 {name.upper()} 2023") == date(2023, number, 15)
    for number, name in enumerate(MONTHS, 1):
        assert MONTH_NAMES[name.lower()] == number


@pytest.mark.parametrize("cell, expected", [
    (pd.Timestamp("2023-07-05 13:45"), date(2023, 7, 5)),
    (datetime(2023, 7, 5, 8, 0), date(2023, 7, 5)),
    (date(2023, 7, 5), date(2023, 7, 5)),
    (np.datetime64("2023-07-05"), date(2023, 7, 5)),
])
def test_spreadsheet_date_cells(cell, expected):
    assert parse_date(cell) == expected
    assert type(parse_date(cell)) is date


@pytest.mark.parametrize("empty", [None, "", "   ", "-", float("nan"), pd.NaT, pd.NA])
def test_empty_is_none(empty):
    assert parse_date(empty) is None
    assert parse_date(empty, end=True) is None


@pytest.mark.parametrize("text, needle", [
    ("31 Juni 2023", "Juni 2023 hanya 30 hari"),
    ("29 Februari 2023", "Februari 2023 hanya 28 hari"),
    ("32/01/2023", "hanya 31 hari"),
    ("07/31/2023", "hari ditulis lebih dulu"),        # month-first is refused, with a hint
    ("1 Julio 2023", "'julio' bukan nama bulan"),
    ("1 July 2023", "bukan nama bulan"),
    ("1 Juli 23", "tidak dikenali"),                  # a two-digit year is ambiguous
    ("besok", "tidak dikenali"),
    ("2023-13-01", "bulan 13"),
    ("1 Juli 1850", "tahun 1850"),
    (45108, "angka, bukan tanggal"),                  # an Excel serial number typed as a number
])
def test_bad_dates_raise_with_a_bahasa_message(text, needle):
    with pytest.raises(BadDate) as info:
        parse_date(text)
    assert needle in str(info.value)
    assert str(info.value).startswith("tanggal '")
    assert isinstance(info.value, ValueError)


def test_format_date():
    assert format_date(date(2023, 7, 1)) == "1 Juli 2023"
    assert format_date(date(2023, 12, 31)) == "31 Desember 2023"
    assert format_date(None) == ""


@pytest.mark.parametrize("start, end, text", [
    (date(2023, 7, 1), date(2023, 10, 31), "Juli - Oktober 2023"),          # whole months
    (date(2023, 7, 1), date(2023, 7, 31), "Juli 2023"),
    (date(2023, 12, 1), date(2024, 1, 31), "Desember 2023 - Januari 2024"),
    (date(2023, 2, 1), date(2023, 2, 28), "Februari 2023"),
    (date(2023, 7, 3), date(2023, 10, 27), "3 Juli - 27 Oktober 2023"),     # days kept
    (date(2023, 7, 1), date(2023, 10, 30), "1 Juli - 30 Oktober 2023"),     # end not a month end
    (date(2023, 7, 2), date(2023, 7, 31), "2 - 31 Juli 2023"),
    (date(2023, 12, 15), date(2024, 1, 10), "15 Desember 2023 - 10 Januari 2024"),
    (date(2023, 7, 1), date(2023, 7, 1), "1 Juli 2023"),
    (date(2023, 7, 1), None, "mulai 1 Juli 2023"),
    (None, date(2023, 10, 31), "sampai 31 Oktober 2023"),
    (None, None, ""),
])
def test_format_window(start, end, text):
    assert format_window(start, end) == text
    assert parse_window(text) == (start, end)


@pytest.mark.parametrize("text, start, end", [
    ("Juli \u2013 Oktober 2023", date(2023, 7, 1), date(2023, 10, 31)),
    ("1 Juli 2023 s.d. 31 Oktober 2023", date(2023, 7, 1), date(2023, 10, 31)),
    ("2023-07-01 - 2023-10-31", date(2023, 7, 1), date(2023, 10, 31)),
    ("01/07/2023 sampai 15/10/2023", date(2023, 7, 1), date(2023, 10, 15)),
])
def test_parse_window_other_writings(text, start, end):
    assert parse_window(text) == (start, end)


def test_parse_window_bad_text():
    with pytest.raises(BadDate):
        parse_window("Juli - ")
    with pytest.raises(BadDate):
        parse_window("Juli - Agustus - September 2023")


# ------------------------------------------------------------------ properties


@FAST
@given(days)
def test_format_then_parse_gives_the_date_back(day):
    text = format_date(day)
    assert parse_date(text) == day
    assert parse_date(text, end=True) == day
    assert parse_date(text.upper()) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(pd.Timestamp(day)) == day


@FAST
@given(days, st.sampled_from(sorted(MONTH_NAMES)))
def test_any_spelling_of_the_month_reads_the_same(day, name):
    if MONTH_NAMES[name] != day.month:
        return
    assert parse_date(f"{day.day} {name} {day.year}") == day


@FAST
@given(days, st.integers(0, 400))
def test_window_format_then_parse_gives_the_dates_back(start, length):
    end = date.fromordinal(start.toordinal() + length)
    text = format_window(start, end)
    assert parse_window(text) == (start, end)
    # the month-only form is used exactly for windows of whole months
    whole = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    assert whole == (not text[0].isdigit() and start != end)


@FAST
@given(st.integers(1990, 2099), st.integers(1, 12), st.integers(0, 14))
def test_whole_month_windows_print_months_only(year, month, extra):
    start = date(year, month, 1)
    last_month = month + extra
    end_year, end_month = year + (last_month - 1) // 12, (last_month - 1) % 12 + 1
    end = date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
    text = format_window(start, end)
    assert not any(ch.isdigit() for ch in text.split(" - ")[0].split()[0])
    assert parse_window(text) == (start, end)


@FAST
@given(days, st.booleans())
def test_parse_is_total_on_its_own_output_and_never_crashes(day, end):
    # Garbage around a formatted date is refused with BadDate, never another exception.
    for text in (format_date(day) + "x", "x" + format_date(day), format_date(day)[:-1] + "?"):
        with pytest.raises(BadDate):
            parse_date(text, end=end)
