"""How many lines a wrapped cell takes when printed, so rows can be given their height
(neither xlsxwriter nor LibreOffice's import grows a row to its text).

Widths use Arial's character widths (Liberation Sans, which LibreOffice prints Arial with, has
the same metrics) and a greedy word wrap, as the spreadsheet does it. Guessing one average
character width made Tabel 3.2's rows twice as tall as their text and its pages half empty."""
from __future__ import annotations

from functools import lru_cache

# Advance widths in thousandths of an em (Arial / Helvetica metrics), by character class.
_WIDTHS = {}
for chars, width in (("ijlI'|.,:;!", 222), ("ftr()[]-/ ", 300), ("\"*", 355),
                     ("abcdeghknopqsuvxyz0123456789$?_#", 556), ("J", 500),
                     ("ABEFKPSVXY&", 667), ("CDHNRUw", 722), ("GOQ", 778), ("mM", 833), ("W", 944),
                     ("LTZ", 611), ("%", 889), ("@", 1015)):
    for ch in chars:
        _WIDTHS[ch] = width
_DEFAULT = 580  # anything else (accented letters, symbols): a little wider than a lowercase letter


def text_points(text: str, size: float) -> float:
    return sum(_WIDTHS.get(ch, _DEFAULT) for ch in text) * size / 1000.0


def column_points(width_chars: float) -> float:
    """Printable width of a column set to ``width_chars`` (Excel's unit: pixels = 7 x width + 5
    at the default font; 0.75 pt per pixel), less the cell's padding."""
    return (7 * width_chars + 5) * 0.75 - 4.5


_WIDEST = 1.015  # em: no character is wider than this


def wrapped_lines(text, width_chars: float, size: float = 9.0) -> int:
    """Lines ``text`` takes in a wrapped cell of ``width_chars``; explicit line breaks kept."""
    if text is None or str(text) == "":
        return 1
    text = str(text)
    room = max(10.0, column_points(width_chars))
    if "\n" not in text and len(text) * size * _WIDEST <= room:
        return 1  # fits however wide its letters are: most cells, at no cost
    return _wrapped(text, room, size)


@lru_cache(maxsize=65536)
def _wrapped(text: str, room: float, size: float) -> int:
    """The word wrap itself, once per distinct text and column (an annex repeats its unit
    names, actions and labels thousands of times)."""
    space = text_points(" ", size)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            w = text_points(word, size)
            if w > room:  # a word longer than the column is broken where it overflows
                if used:
                    lines += 1
                full, rest = divmod(w, room)
                lines += int(full) - (0 if rest else 1)
                used = rest if rest else room
                continue
            if used and used + space + w > room:
                lines += 1
                used = w
            else:
                used = used + (space if used else 0.0) + w
    return lines


LINE_POINTS = 11.5  # one line of 9-point Arial with the spreadsheet's line spacing


def row_points(cells, size: float = 9.0) -> float | None:
    """The height for a row of wrapped cells [(text, column width)], or None for one line."""
    return points_for(max_lines(cells, size))


def max_lines(cells, size: float = 9.0) -> int:
    """The most lines any of the wrapped cells [(text, column width)] takes (at least 1)."""
    most = 1
    for text, width in cells:  # a loop, not max() over a generator: an annex calls this 25,000 times
        if text:
            lines = wrapped_lines(text, width, size)
            if lines > most:
                most = lines
    return most


def points_for(lines: int) -> float | None:
    """The height of a row ``lines`` lines tall, or None for one line (the default height)."""
    return LINE_POINTS * lines + 1.5 if lines > 1 else None
