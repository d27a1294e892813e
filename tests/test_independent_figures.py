"""Exports, the dashboard and the public page against values that do not come from the code
under test: an oracle of a few lines written from the regulation's formulas (NRR = element sum /
respondents, IKM = 25 x mean NRR, a year = mean of its semesters, the four category bounds)
applied to the raw sample files, and the figures Surakarta printed in its 2021 report."""
from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import make_user

DATA = Path(__file__).resolve().parent.parent / "sample_data"


def _category(ikm: float) -> str:
    v = Decimal(str(ikm)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return "D" if v < Decimal("65.00") else "C" if v <= Decimal("76.60") else "B" if v <= Decimal("88.30") else "A"


def _oracle():
    semesters = {}
    for code in ("S1", "S2"):
        with open(DATA / f"surakarta-2021-{code}.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                n = int(row["respondents"])
                nrrs = [float(row[f"s_u{i}"]) / n for i in range(1, 10)]
                semesters.setdefault(row["unit"].strip(), {})[code] = (n, 25 * sum(nrrs) / 9)
    year = {}
    for unit, parts in semesters.items():
        ikms = [ikm for _, ikm in parts.values()]
        year[unit] = (sum(n for n, _ in parts.values()), sum(ikms) / len(ikms))
    return semesters, year


SEMESTERS, YEAR = _oracle()

# Printed in Surakarta's 2021 report (sample_data/surakarta-2021-printed.csv), to its precision.
PRINTED = {
    "Badan Pendapatan, Pengelolaan Keuangan Dan Aset Daerah": (86.55, 90.879, 88.713, "A", 5.01),
    "Badan Perencanaan Penelitian Dan Pengembangan Daerah": (84.45, 84.788, 84.619, "B", 0.40),
    "UPT Solo Technopark": (79.11, 89.833, 84.472, "B", 13.55),
}


@pytest.fixture
def annex(loaded, tmp_path):
    from tracker.reports.annex import write_period_workbook
    out = tmp_path / "a.xlsx"
    write_period_workbook("2021", out)
    ws = openpyxl.load_workbook(out)["Tabel 3.1"]
    return {row[1]: row for row in ws.iter_rows(min_row=6, values_only=True) if isinstance(row[0], int)}


def test_tabel_31_equals_the_oracle_for_every_unit(annex):
    assert set(annex) == set(YEAR)
    for unit, row in annex.items():
        n, ikm = YEAR[unit]
        assert row[8] == n and row[9] == pytest.approx(ikm, abs=1e-9) and row[10] == _category(ikm), unit
        for code, col in (("S1", 2), ("S2", 5)):
            if code in SEMESTERS[unit]:
                sn, sikm = SEMESTERS[unit][code]
                assert (row[col], row[col + 1], row[col + 2]) == (sn, pytest.approx(sikm, abs=1e-9), _category(sikm))
            else:
                assert row[col + 1] is None


def test_tabel_31_agrees_with_the_printed_report(annex):
    for unit, (s1, s2, year, category, change) in PRINTED.items():
        row = annex[unit]
        assert row[3] == pytest.approx(s1, abs=0.006) and row[6] == pytest.approx(s2, abs=0.006)
        assert row[9] == pytest.approx(year, abs=0.006) and row[10] == category
        assert row[11] == pytest.approx(change, abs=0.01) and row[12] == "Naik"


def test_dashboard_categories_and_public_page_equal_the_oracle(loaded, client):
    expected = {c: sum(1 for _, ikm in YEAR.values() if _category(ikm) == c) for c in "ABCD"}
    assert sum(expected.values()) == len(YEAR) == 55
    make_user("insp@kota.go.id", "inspector")
    client.post("/login", data={"email": "insp@kota.go.id", "password": "rahasia123"})
    text = client.get("/laporan/dasbor/categories.csv?period=2021").get_data(as_text=True).lstrip("\ufeff")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text), delimiter=";")}
    for c in "ABCD":
        count = int(rows[c][2]) if c in rows else 0
        assert count == expected[c], (c, rows.get(c))
    client.post("/logout")
    html = client.get("/hasil/2021").get_data(as_text=True)
    for unit, (n, ikm) in YEAR.items():
        shown = f"{ikm:.3f}".replace(".", ",")
        assert f"<td class=\"num\">{shown}</td>" in html, (unit, shown)
    city = sum(ikm for _, ikm in YEAR.values()) / len(YEAR)
    assert f"{city:.3f}".replace(".", ",") in html  # the plain mean of unit IKMs, named as such
