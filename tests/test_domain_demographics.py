"""Respondents' profile: bands, synonyms, order and shares (pure functions)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain import demographics as D


@pytest.mark.parametrize("value, band", [
    ("19", "Di bawah 20 tahun"), ("20", "20-29 tahun"), ("29", "20-29 tahun"), ("34 tahun", "30-39 tahun"),
    ("45.0", "40-49 tahun"), (" 59 ", "50-59 tahun"), ("60", "60 tahun ke atas"), (81, "60 tahun ke atas"),
    ("", "Tidak diisi"), (None, "Tidak diisi"), ("nan", "Tidak diisi"), ("26-35", "26-35"),
])
def test_age_bands(value, band):
    assert D.age_band(value) == band


@pytest.mark.parametrize("attribute, value, label", [
    ("sex", "L", "Laki-laki"), ("sex", "perempuan", "Perempuan"), ("sex", "P", "Perempuan"),
    ("sex", "W", "Perempuan"), ("education", "SLTA", "SMA/SMK/sederajat"), ("education", "smk", "SMA/SMK/sederajat"),
    ("education", "S1", "D4/S1"), ("education", "D3", "D1-D3"), ("education", "pesantren", "Pesantren"),
    ("occupation", "PNS", "PNS/ASN"), ("occupation", "wiraswasta", "Wirausaha"), ("occupation", "  nelayan ", "Nelayan"),
])
def test_synonyms_are_merged(attribute, value, label):
    assert D.normalise(attribute, value) == label


def test_distribution_orders_and_shares_by_hand():
    got = D.distribution("education", [("S1", 3), ("SMA", 4), ("slta", 2), (None, 1), ("SD", 2), ("Pesantren", 1), ("D4", 2)])
    assert [(s.label, s.count) for s in got] == [("SD/sederajat", 2), ("SMA/SMK/sederajat", 6), ("D4/S1", 5),
                                                ("Pesantren", 1), ("Tidak diisi", 1)]
    assert [round(s.percent, 2) for s in got] == [13.33, 40.0, 33.33, 6.67, 6.67]
    assert D.distribution("sex", []) == []


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=8), st.integers(0, 120).map(str)),
                          st.integers(1, 50)), max_size=30),
       st.sampled_from([a for a, _ in D.ATTRIBUTES]))
def test_shares_keep_every_respondent_and_sum_to_100(counts, attribute):
    got = D.distribution(attribute, counts)
    assert sum(s.count for s in got) == sum(n for _, n in counts)
    if counts:
        assert sum(s.percent for s in got) == pytest.approx(100.0)
    assert len({s.label for s in got}) == len(got)
