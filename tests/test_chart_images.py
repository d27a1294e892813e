"""The report's charts as images: PNG and SVG from the same rows, Indonesian numbers."""
from __future__ import annotations

import pytest

from tracker.reports import chart_images as C


@pytest.mark.parametrize("draw", [
    lambda fmt: C.bars(["A", "B"], [12, 3.5], "Jumlah", fmt=fmt, decimals=1),
    lambda fmt: C.hbars(["U3 Waktu", "U9 Pengaduan"], [3.254, 3.646], "NRR", lo=1, hi=4, fmt=fmt),
    lambda fmt: C.line(["2017", "2021"], [82.1, 85.41], "IKM kota", fmt=fmt),
    lambda fmt: C.pie(["A", "B", "C"], [12, 42, 0], "Mutu", fmt=fmt),
    lambda fmt: C.pie(["A"], [0], "Kosong", fmt=fmt),
])
def test_each_chart_renders_as_png_and_svg(draw):
    assert draw("png").startswith(b"\x89PNG")
    svg = draw("svg").decode()
    assert "<svg" in svg


def test_chart_labels_are_text_with_decimal_commas():
    svg = C.line(["2020", "2021"], [84.5, 85.41], "IKM kota", fmt="svg").decode()
    assert "85,41" in svg and "84,50" in svg and "IKM kota" in svg
    assert "85.41" not in svg
