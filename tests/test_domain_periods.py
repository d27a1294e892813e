"""Period codes and plan quarters (tracker.domain.periods)."""
from datetime import date

import pytest

from tracker.domain.periods import (BadPeriod, PeriodRef, Quarter, parse_period, parse_quarter,
                                    parse_quarters, quarter_of)


@pytest.mark.parametrize("code, kind, number", [
    ("2021", "year", 0), ("2021-S1", "semester", 1), ("2021-S2", "semester", 2),
    ("2021-Q1", "quarter", 1), ("2021-Q4", "quarter", 4),
])
def test_parse_and_format_period(code, kind, number):
    p = parse_period(code)
    assert (p.year, p.kind, p.number) == (2021, kind, number)
    assert p.code == code
    assert parse_period(p.code) == p


def test_parse_period_is_lenient_on_case_and_spaces():
    assert parse_period(" 2023-s2 ").code == "2023-S2"
    assert parse_period("2023-q3").code == "2023-Q3"


@pytest.mark.parametrize("bad", [None, "", "21", "2021-S3", "2021-S0", "2021-Q5", "2021-Q0",
                                 "2021-TW4", "2021 S1", "S1-2021", "2021-", "abcd", "2021-H1"])
def test_bad_period_codes_raise(bad):
    with pytest.raises(BadPeriod):
        parse_period(bad)
    assert issubclass(BadPeriod, ValueError)


@pytest.mark.parametrize("code, label", [
    ("2021", "Tahun 2021"), ("2021-S1", "Semester I 2021"), ("2023-S2", "Semester II 2023"),
    ("2022-Q3", "Triwulan III 2022"),
])
def test_labels(code, label):
    assert parse_period(code).label == label


@pytest.mark.parametrize("code, start, end", [
    ("2021", date(2021, 1, 1), date(2021, 12, 31)),
    ("2021-S1", date(2021, 1, 1), date(2021, 6, 30)),
    ("2021-S2", date(2021, 7, 1), date(2021, 12, 31)),
    ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
    ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
    ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
    ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
])
def test_start_and_end(code, start, end):
    p = parse_period(code)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize("code, prev, nxt", [
    ("2021", "2020", "2022"),
    ("2021-S1", "2020-S2", "2021-S2"),
    ("2021-S2", "2021-S1", "2022-S1"),
    ("2021-Q1", "2020-Q4", "2021-Q2"),
    ("2021-Q2", "2021-Q1", "2021-Q3"),
    ("2021-Q4", "2021-Q3", "2022-Q1"),
])
def test_previous_and_next_across_year_boundaries(code, prev, nxt):
    p = parse_period(code)
    assert p.previous().code == prev
    assert p.next().code == nxt
    assert p.previous().next() == p
    assert p.next().previous() == p


def test_semesters_of_a_year():
    assert [s.code for s in parse_period("2021").semesters()] == ["2021-S1", "2021-S2"]
    assert parse_period("2021-S1").semesters() == []
    assert parse_period("2021-Q2").semesters() == []


@pytest.mark.parametrize("code, quarters", [
    ("2021", ["2021-TW4", "2022-TW1", "2022-TW2", "2022-TW3", "2022-TW4"]),   # Surakarta
    ("2023-S2", ["2023-TW4", "2024-TW1", "2024-TW2", "2024-TW3", "2024-TW4"]),  # Pekalongan
    ("2023-S1", ["2023-TW2", "2023-TW3", "2023-TW4", "2024-TW1", "2024-TW2"]),
    ("2022-Q3", ["2022-TW3", "2022-TW4", "2023-TW1", "2023-TW2", "2023-TW3"]),
])
def test_plan_quarters(code, quarters):
    assert [q.code for q in parse_period(code).plan_quarters()] == quarters


def test_plan_quarter_labels_match_surakarta_columns():
    labels = [q.label for q in parse_period("2021").plan_quarters()]
    assert labels == ["2021 TW IV", "2022 TW I", "2022 TW II", "2022 TW III", "2022 TW IV"]


@pytest.mark.parametrize("text, year, number", [
    ("2022-TW1", 2022, 1), ("2022-TW4", 2022, 4), ("2022 TW II", 2022, 2),
    ("2021 TW IV", 2021, 4), ("2022 TW III", 2022, 3), ("2022 TW I", 2022, 1),
    ("2022-Q3", 2022, 3), ("2022Q2", 2022, 2), (" 2022-tw 2 ", 2022, 2), ("2022 tw iv", 2022, 4),
])
def test_parse_quarter(text, year, number):
    q = parse_quarter(text)
    assert (q.year, q.number) == (year, number)
    assert parse_quarter(q.code) == q


@pytest.mark.parametrize("bad", [None, "", "2022-TW5", "2022-TW0", "2022 TW V", "TW1",
                                 "2022-S1", "2022", "22-TW1", "2022-TW IIII"])
def test_bad_quarters_raise(bad):
    with pytest.raises(BadPeriod):
        parse_quarter(bad)


def test_parse_quarters_sorted_unique_and_empty():
    qs = parse_quarters("2022-TW2;2021-TW4; 2022-TW1;2022-TW2")
    assert [q.code for q in qs] == ["2021-TW4", "2022-TW1", "2022-TW2"]
    assert parse_quarters("") == []
    assert parse_quarters(None) == []
    assert parse_quarters(" ; ") == []
    with pytest.raises(BadPeriod):
        parse_quarters("2022-TW1;besok")


def test_quarter_dates_next_and_order():
    q = Quarter(2021, 4)
    assert (q.start, q.end) == (date(2021, 10, 1), date(2021, 12, 31))
    assert q.next() == Quarter(2022, 1)
    assert Quarter(2022, 2).next() == Quarter(2022, 3)
    assert Quarter(2021, 4) < Quarter(2022, 1) < Quarter(2022, 2)


@pytest.mark.parametrize("day, code", [
    (date(2022, 1, 1), "2022-TW1"), (date(2022, 3, 31), "2022-TW1"),
    (date(2022, 4, 1), "2022-TW2"), (date(2022, 12, 31), "2022-TW4"),
])
def test_quarter_of(day, code):
    assert quarter_of(day).code == code


def test_period_ref_is_hashable_and_frozen():
    p = PeriodRef(2021, "semester", 1)
    assert {p: 1}[parse_period("2021-S1")] == 1
    with pytest.raises(Exception):
        p.year = 2022
