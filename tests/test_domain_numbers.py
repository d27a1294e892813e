"""Reading and writing numbers the Indonesian way (tracker.domain.numbers)."""
import math

import pytest

from tracker.domain.numbers import NotANumber, format_id, parse_integer, parse_number


@pytest.mark.parametrize("text, expected", [
    ("86,55", 86.55),               # decimal comma
    ("86.546", 86.546),             # a single dot is a decimal point (sample CSVs use it)
    ("98,57 5", 98.575),            # PDF conversion split the digits
    ("98, 575", 98.575),
    ("1.234,5", 1234.5),            # thousands dot and decimal comma
    ("12.921,00", 12921.0),
    ("1.234.567", 1234567.0),       # two or more groups of three: thousands
    ("1.234.567,89", 1234567.89),
    ("-1,5", -1.5),
    ("  86,55\u00a0", 86.55),        # padding and a no-break space
    ("100", 100.0),
    ("0", 0.0),
])
def test_parse_number_valid(text, expected):
    assert parse_number(text) == pytest.approx(expected, abs=1e-12)


def test_parse_number_single_dot_group_is_a_decimal_point():
    # Ambiguous on its own: parse_number reads it as a decimal (as "86.546"), parse_integer as
    # a count. Documented in parse_number's docstring.
    assert parse_number("12.921") == pytest.approx(12.921)
    assert parse_integer("12.921") == 12921


@pytest.mark.parametrize("empty", [None, "", "   ", "-", "nan", "NaN", float("nan")])
def test_parse_number_empty_is_none(empty):
    assert parse_number(empty) is None


@pytest.mark.parametrize("junk", [
    "abc", "86,55%", "Rp 1.000", "1,234.5", "1.23,5", "12,3,4", ",5", "5,", "1..2",
    "1.2.3", "--1", "+-1", "inf", "1e3", "86,5a",
])
def test_parse_number_junk_raises(junk):
    with pytest.raises(NotANumber):
        parse_number(junk)


def test_parse_number_rejects_bool_and_infinity():
    with pytest.raises(NotANumber):
        parse_number(True)
    with pytest.raises(NotANumber):
        parse_number(math.inf)


def test_parse_number_passes_numbers_through():
    assert parse_number(3) == 3.0 and isinstance(parse_number(3), float)
    assert parse_number(86.546) == 86.546


def test_not_a_number_is_a_value_error():
    assert issubclass(NotANumber, ValueError)


@pytest.mark.parametrize("text, expected", [
    ("12.921", 12921), ("12921", 12921), ("1.234.567", 1234567), ("12 921", 12921),
    (" 300 ", 300), ("300,0", 300), (300, 300), (300.0, 300), ("0", 0),
])
def test_parse_integer(text, expected):
    value = parse_integer(text)
    assert value == expected and isinstance(value, int)


@pytest.mark.parametrize("empty", [None, "", "  ", "-"])
def test_parse_integer_empty(empty):
    assert parse_integer(empty) is None


@pytest.mark.parametrize("bad", ["86,5", "86.5", 86.5, "abc", "12.92"])
def test_parse_integer_rejects_fractions_and_junk(bad):
    with pytest.raises(NotANumber):
        parse_integer(bad)


@pytest.mark.parametrize("value, decimals, text", [
    (86.546, 3, "86,546"),
    (86.546, 2, "86,55"),
    (1234.5, 2, "1.234,50"),
    (12921, 0, "12.921"),
    (1234567.891, 2, "1.234.567,89"),
    (0, 2, "0,00"),
    (-5.25, 1, "-5,3"),          # half away from zero, like the printed reports
    (86.545, 2, "86,55"),        # half up even though the float is 86.54499999...
    (76.605, 2, "76,61"),        # agrees with category B of 76.605
    (88.30499999999999, 2, "88,31"),  # float noise ignored
    (0.125, 2, "0,13"),
    (-0.001, 2, "0,00"),         # never "-0,00"
    (None, 2, "-"),
])
def test_format_id(value, decimals, text):
    assert format_id(value, decimals) == text


@pytest.mark.parametrize("value", [86.55, 1234.5, 0.5, 99999.99, 1234567.25])
def test_format_then_parse_round_trip(value):
    assert parse_number(format_id(value, 2)) == pytest.approx(value, abs=0.005)


def test_format_none_round_trips_to_none():
    assert parse_number(format_id(None)) is None


def test_integer_format_round_trips_through_parse_integer():
    assert parse_integer(format_id(12921, 0)) == 12921
