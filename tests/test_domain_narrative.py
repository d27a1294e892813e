"""The report's sentences (domain.narrative) and the organisational order (domain.ordering)."""
from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tracker.domain import narrative as N
from tracker.domain import scoring
from tracker.domain.ordering import org_key

values = st.floats(min_value=25, max_value=100, allow_nan=False)


def _numbers(text: str) -> list[Decimal]:
    return [Decimal(m.replace(".", "").replace(",", ".")) for m in re.findall(r"\d[\d.]*(?:,\d+)?", text)]


def test_change_phrase_as_the_seeds_print_it():
    assert N.change_phrase(85.05, 85.95) == "naik 1,06% menjadi 85,95"
    assert N.change_phrase(85.95, 85.05) == "turun 1,05% menjadi 85,05"
    assert N.change_phrase(85.95, 85.95) == "tetap 85,95"
    assert N.change_phrase(80.0, 80.0001) == "tetap 80,00"  # Stagnan: 0,00% after rounding


@given(values, values)
def test_change_phrase_word_follows_the_rounded_change(before, after):
    phrase = N.change_phrase(before, after)
    word = scoring.trend_word(scoring.change_pct(before, after))
    assert phrase.split()[0] == {"Naik": "naik", "Turun": "turun", "Stagnan": "tetap"}[word]
    assert phrase.endswith(N.format_id(after, 2))
    if word != "Stagnan":
        assert _numbers(phrase)[0] == Decimal(N.format_id(abs(scoring.change_pct(before, after)), 2).replace(",", "."))


@given(st.dictionaries(st.sampled_from("ABCD"), st.integers(0, 400), min_size=1))
def test_category_sentence_counts_add_up_and_omit_empty_categories(counts):
    sentence = N.category_sentence(counts)
    total = sum(counts.values())
    if not total:
        assert sentence == "Belum ada unit dengan hasil."
        return
    assert sentence.startswith(f"Dari {total} unit layanan, ")
    for code in "ABCD":
        n = counts.get(code, 0)
        assert (f"{n} unit (" in sentence and f"bermutu {code} (" in sentence) == bool(n)
    assert "Cukup Baik" not in sentence


@given(st.integers(0, 300), st.integers(0, 300), values)
def test_mean_split_counts_add_up(above, below, mean):
    if above + below == 0:
        return
    numbers = _numbers(N.mean_split_sentence(above, below, mean))
    assert numbers[0] == above + below and numbers[1] == above and below in numbers


def test_element_and_effect_sentences():
    s = N.element_sentence([("U3 Waktu", 3.254), ("U1 Persyaratan", 3.3), ("U9 Pengaduan", 3.646)])
    assert s == ("Unsur dengan nilai rata-rata terendah adalah U3 Waktu (3,254, mutu B) dan yang tertinggi "
                 "U9 Pengaduan (3,646, mutu A).")
    effects = [N.ElementEffect("U3 Waktu", 3.1, 3.3, 4), N.ElementEffect("U5 Produk", 3.2, 3.0, 2),
               N.ElementEffect("U1 Persyaratan", 3.0, None, 1)]
    s = N.effect_sentence(effects)
    assert s.startswith("Dari 2 unsur yang ditindaklanjuti dan sudah diukur kembali, 1 unsur membaik dan 1 unsur memburuk")
    assert "U5 Produk (3,200 menjadi 3,000)" in s
    assert "belum dapat diukur" in N.effect_sentence([N.ElementEffect("U1", 3.0, None, 1)])


def test_realisation_sentence_names_what_is_counted():
    assert N.realisation_sentence("Semester I 2023", 88.41, 40, 3) == (
        "Realisasi tindak lanjut RTL Semester I 2023 rata-rata 88,41% (rata-rata realisasi 40 unit yang "
        "RTL-nya diterima; hanya kemajuan yang sudah diverifikasi Inspektorat yang dihitung). 3 unit yang "
        "memiliki hasil belum memiliki RTL yang diterima.")
    assert "belum dapat dihitung" in N.realisation_sentence("Tahun 2020", None, 0, 0)


def test_org_key_puts_groups_in_the_admins_order_and_kelurahan_under_kecamatan():
    positions = {"Dinas": 0, "Kecamatan": 1}
    units = [("Kelurahan B", "Kelurahan", "Kecamatan A", "Kecamatan"), ("Zeta", None, None, None),
             ("Dinas Z", "Dinas", None, None), ("Kecamatan A", "Kecamatan", None, None),
             ("UPT X", "UPT", None, None), ("Kelurahan A", "Kelurahan", "Kecamatan A", "Kecamatan"),
             ("Badan Y", "Badan", None, None), ("Dinas B", "Dinas", None, None)]
    ordered = sorted(units, key=lambda u: org_key(*u, positions=positions))
    assert [u[0] for u in ordered] == ["Dinas B", "Dinas Z", "Kecamatan A", "Kelurahan A", "Kelurahan B",
                                       "Badan Y", "UPT X", "Zeta"]


@given(st.lists(st.tuples(st.sampled_from(["Dinas", "Badan", "UPT", None]), st.text(min_size=1, max_size=8)),
                max_size=20))
def test_org_order_is_alphabetical_within_a_group(units):
    positions = {"Badan": 0, "Dinas": 1}
    ordered = sorted(units, key=lambda u: org_key(u[1], u[0], positions=positions))
    for group in ("Dinas", "Badan", "UPT", None):
        names = [n for g, n in ordered if g == group]
        assert [n.lower() for n in names] == sorted(n.lower() for n in names)
    groups = [g for g, _ in ordered]
    rank = {"Badan": 0, "Dinas": 1, "UPT": 2, None: 3}
    assert [rank[g] for g in groups] == sorted(rank[g] for g in groups)


@given(st.floats(min_value=25, max_value=100, allow_nan=False))
def test_the_category_printed_beside_a_value_is_the_printed_values(value):
    """The seeds print "A" beside 87,910: here the word always belongs to the printed number."""
    from tracker.domain.numbers import parse_number
    printed = parse_number(N.format_id(value, 2))
    assert scoring.category(value) == scoring.category(printed)


@given(st.floats(min_value=-50, max_value=50, allow_nan=False))
def test_the_trend_word_beside_a_change_is_the_printed_changes(pct):
    """The seeds print "Turun" beside 0,00: here 0,00 is always Stagnan."""
    from tracker.domain.numbers import parse_number
    printed = parse_number(N.format_id(pct, 2))
    assert scoring.trend_word(pct) == scoring.trend_word(printed)
    if N.format_id(pct, 2) == "0,00":
        assert scoring.trend_word(pct) == "Stagnan"
