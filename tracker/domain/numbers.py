"""Reading numbers written the Indonesian way ("86,55", "12.921", "98,57 5")."""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal


class NotANumber(ValueError):
    pass


# No figure in an SKM file has more digits than this (a count of respondents, a sum of answers,
# an NRR); a longer "number" is a pasted artefact and would overflow when used as a count.
MAX_DIGITS = 20

_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_number(value) -> float | None:
    """Parse one cell. Empty cells give None; text that is not a number raises NotANumber.

    Rules: a comma is the decimal separator, and dots before it must group the digits in
    threes ("1.234,5" = 1234.5; "1,234.5" and "1.23,5" are not numbers). Without a comma, two or
    more dots grouping digits in threes are thousands separators ("1.234.567" = 1234567); a
    single dot is a decimal point ("86.546", and so "12.921" = 12.921 here: a count written
    "12.921" is read with ``parse_integer``, where it means 12921). Spaces inside the number (a
    PDF conversion artefact) are dropped ("98,57 5" = 98.575).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, float) and math.isinf(value):
            raise NotANumber(str(value))
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text == "" or text.lower() in {"nan", "-"}:
        return None
    if "," in text:
        whole, _, frac = text.partition(",")
        if not (re.fullmatch(r"-?\d+", whole) or _THOUSANDS.match(whole)) \
                or not re.fullmatch(r"\d+", frac):
            raise NotANumber(str(value))
        text = whole.replace(".", "") + "." + frac
    elif text.count(".") > 1 and _THOUSANDS.match(text):
        text = text.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text) or len(text) > MAX_DIGITS:
        raise NotANumber(str(value))
    return float(text)


def parse_integer(value) -> int | None:
    """Parse a count: "12.921" means 12921 here, since counts have no decimals."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if _THOUSANDS.match(text):
            text = text.replace(".", "")
        value = text
    number = parse_number(value)
    if number is None:
        return None
    if not math.isfinite(number) or abs(number) >= 10 ** 15 or number != int(number):
        raise NotANumber(str(value))
    return int(number)


def format_id(value: float | None, decimals: int = 2) -> str:
    """Format with a decimal comma and thousands dots, as the reports print numbers.

    Rounds half up (as the reports and ``scoring.round_half_up`` do, float noise below 1e-9
    ignored), so the figure shown agrees with the category derived from it: 76.605 -> "76,61".
    """
    if value is None:
        return "-"
    q = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(round(float(value), 9))).quantize(q, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,00"
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
