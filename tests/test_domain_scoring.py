"""SKM scoring (Permenpan RB 14/2017): NRR, IKM, categories, priorities and aggregates
(tracker.domain.scoring)."""
import pytest

from tracker.domain import scoring as S
from tracker.domain.elements import CURRENT_KEYS, NUMBERINGS
from tracker.domain.scoring import (UnitResult, above_below, bottom, category, category_counts,
                                    category_name, change_pct, city_elements, city_ikm,
                                    city_recap, combine_periods, elements_lowest_first, ikm,
                                    ikm_unit, krejcie_morgan, nrr, nrr_category,
                                    priority_elements, result_from_responses, result_from_sums,
                                    round_half_up, top, trend_word, weighted_nrrs, weights)

K = CURRENT_KEYS


def nrrs(*values):
    assert len(values) == 9
    return dict(zip(K, values))


def unit(name, ikm_value, respondents=None):
    """A result whose nine NRRs are equal, so its IKM is exactly ikm_value."""
    v = ikm_value / 25
    return UnitResult(name, {k: v for k in K}, respondents=respondents)


# --- NRR and IKM -----------------------------------------------------------------------------

def test_nrr_is_sum_over_answers():
    assert nrr(965, 300) == pytest.approx(3.216667, abs=1e-6)
    assert nrr(4, 1) == 4.0
    with pytest.raises(ValueError):
        nrr(10, 0)


def test_nrr_divides_by_answers_actually_given():
    rows = [
        {"persyaratan": 4, "prosedur": 3},
        {"persyaratan": 2, "prosedur": None},   # did not answer prosedur
        {"persyaratan": 3},                      # key absent: not answered either
    ]
    r = result_from_responses("X", rows, ["persyaratan", "prosedur"])
    assert r.respondents == 3
    assert r.answers == {"persyaratan": 3, "prosedur": 1}
    assert r.sums == {"persyaratan": 9, "prosedur": 3}
    assert r.nrrs == {"persyaratan": 3.0, "prosedur": 3.0}   # 3/1, not 3/3


def test_result_from_responses_needs_an_answer_per_element():
    with pytest.raises(ValueError):
        result_from_responses("X", [{"persyaratan": 4, "prosedur": None}], ["persyaratan", "prosedur"])


@pytest.mark.parametrize("bad", [0, 5, -1, 4.5, True])
def test_result_from_responses_rejects_answers_outside_1_4(bad):
    with pytest.raises(ValueError):
        result_from_responses("X", [{"persyaratan": bad}], ["persyaratan"])


def test_result_from_sums_with_one_count_or_per_element_counts():
    sums = {k: 300 for k in K}
    r = result_from_sums("X", sums, 100)
    assert r.respondents == 100 and r.answers == {k: 100 for k in K}
    assert r.ikm == pytest.approx(75.0)
    per = dict.fromkeys(K, 100)
    per["waktu"] = 75                      # 25 respondents skipped waktu
    r2 = result_from_sums("X", sums, per, respondents=100)
    assert r2.nrrs["waktu"] == pytest.approx(4.0)
    assert r2.respondents == 100
    assert result_from_sums("X", sums, per).respondents is None


def test_weighted_nrr_is_nrr_over_n():
    w = weighted_nrrs(nrrs(3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0))
    assert all(v == pytest.approx(3.0 / 9) for v in w.values())
    assert weights(9) == pytest.approx(1 / 9)
    assert weights(14) == pytest.approx(1 / 14)   # the 2004 regulation's 14 elements


def test_ikm_equals_25_times_mean_nrr_equals_25_times_sum_of_weighted():
    # Bapenda Surakarta S1 (Lampiran 1): S / 300 respondents.
    sums = [965, 1026, 938, 1053, 959, 1083, 1076, 1122, 1125]
    r = result_from_sums("Bapenda", dict(zip(NUMBERINGS["questionnaire"], sums)), 300)
    mean = sum(r.nrrs.values()) / 9
    assert r.ikm == pytest.approx(25 * mean, abs=1e-12)
    assert r.ikm == pytest.approx(25 * sum(r.weighted.values()), abs=1e-12)
    assert r.ikm_unit == pytest.approx(sum(r.weighted.values()), abs=1e-12)
    assert round(r.ikm, 3) == 86.546       # as printed in the report
    assert r.category == "B"


def test_ikm_with_other_element_counts_uses_1_over_n():
    eight = {k: 3.0 for k in K[:8]}
    eight["persyaratan"] = 4.0
    assert ikm_unit(eight) == pytest.approx(25 / 8)
    assert ikm(eight) == pytest.approx(25 * 25 / 8)
    with pytest.raises(ValueError):
        ikm_unit({})


def test_ikm_bounds():
    assert ikm(nrrs(*[1.0] * 9)) == 25.0
    assert ikm(nrrs(*[4.0] * 9)) == 100.0


# --- categories --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (25.0, "D"), (64.99, "D"), (64.994, "D"), (64.995, "C"), (65.0, "C"),
    (76.6, "C"), (76.604, "C"), (76.605, "B"), (76.61, "B"),
    (88.3, "B"), (88.304, "B"), (88.305, "A"), (88.31, "A"), (100.0, "A"),
    # float noise never decides: these are 76.605 / 88.305 / 64.995 on paper
    (76.60499999999999, "B"), (88.30499999999999, "A"), (64.99499999999999, "C"),
])
def test_category_boundaries(value, expected):
    assert category(value) == expected


@pytest.mark.parametrize("value, expected", [
    (1.0, "D"), (2.5996, "D"), (2.5998, "C"),    # 2.5998 x 25 = 64.995 -> 65.00
    (2.6, "C"), (3.064, "C"), (3.0642, "B"),     # inside the regulation's NRR gap 3.0640..3.0644
    (3.0644, "B"), (3.532, "B"), (3.5322, "A"),  # inside the gap 3.5320..3.5324
    (3.5324, "A"), (4.0, "A"),
])
def test_nrr_category_uses_nrr_times_25(value, expected):
    assert nrr_category(value) == expected


def test_category_intervals_table_matches_rule_at_each_printed_bound():
    for code, lo_nrr, hi_nrr, lo, hi in S.CATEGORY_INTERVALS:
        assert category(lo) == code and category(hi) == code
        assert nrr_category(lo_nrr) == code and nrr_category(hi_nrr) == code


def test_category_names():
    assert [category_name(c) for c in "ABCD"] == ["Sangat Baik", "Baik", "Kurang Baik", "Tidak Baik"]


def test_round_half_up():
    assert round_half_up(2.675, 2) == 2.68          # binary 2.67499999...
    assert round_half_up(86.5455, 3) == 86.546
    assert round_half_up(-0.005, 2) == -0.01        # half away from zero
    assert round_half_up(0.00499999, 2) == 0.0
    assert round_half_up(76.60499999999999, 2) == 76.61


def test_category_of_computed_ikm_at_the_boundary_from_sums():
    # 5000 respondents whose sums give exactly 76.605 on paper; the float is 76.60499999999999.
    sums = [16368, 15794, 13596, 15224, 17066, 15145, 13134, 14384, 17178]
    r = result_from_sums("X", dict(zip(K, sums)), 5000)
    assert r.ikm == pytest.approx(76.605, abs=1e-9)
    assert r.category == "B"


# --- priorities ---------------------------------------------------------------------------------

def test_priorities_are_the_three_lowest_lowest_first():
    values = nrrs(3.3, 3.4, 3.1, 3.8, 3.2, 3.5, 3.6, 3.0, 3.9)
    assert priority_elements(values) == ["pengaduan", "waktu", "produk"]
    assert priority_elements(values, 1) == ["pengaduan"]
    assert priority_elements(values, 9)[-1] == "sarpras"


def test_priority_ties_follow_regulation_order():
    # persyaratan, prosedur, ..., pengaduan, sarpras, whatever the numbering.
    values = nrrs(3.5, 3.2, 3.5, 3.5, 3.2, 3.5, 3.5, 3.2, 3.2)
    assert priority_elements(values) == ["prosedur", "produk", "pengaduan"]
    values = nrrs(3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.1, 3.1)
    assert priority_elements(values, 2) == ["pengaduan", "sarpras"]


def test_priority_all_equal_gives_the_first_three_in_regulation_order():
    assert priority_elements(nrrs(*[3.25] * 9)) == ["persyaratan", "prosedur", "waktu"]


def test_priority_tie_rule_does_not_depend_on_dict_order():
    values = nrrs(3.5, 3.2, 3.5, 3.5, 3.2, 3.5, 3.5, 3.2, 3.2)
    reordered = dict(reversed(list(values.items())))
    assert priority_elements(reordered) == priority_elements(values)


def test_priority_float_noise_does_not_break_ties():
    a = 0.1 + 0.2           # 0.30000000000000004
    values = {k: 3.5 for k in K}
    values["sarpras"] = 3 + a / 10          # 3.03 plus noise
    values["persyaratan"] = 3.03
    assert priority_elements(values, 2) == ["persyaratan", "sarpras"]


def test_priority_maklumat_sorts_after_current_elements_on_ties():
    values = {k: 3.0 for k in ("maklumat", "sarpras", "waktu")}
    assert priority_elements(values) == ["waktu", "sarpras", "maklumat"]


def test_elements_lowest_first():
    values = nrrs(3.3, 3.4, 3.1, 3.8, 3.2, 3.5, 3.6, 3.0, 3.9)
    out = elements_lowest_first(values)
    assert [k for k, _ in out][:2] == ["pengaduan", "waktu"]
    assert [v for _, v in out] == sorted(values.values())


# --- periods combined ---------------------------------------------------------------------------

def test_combine_periods_mean_of_nrrs_sum_of_respondents():
    a = UnitResult("U", nrrs(3.0, 3.2, 3.4, 3.6, 3.8, 3.0, 3.0, 3.0, 3.0), respondents=100)
    b = UnitResult("U", nrrs(3.2, 3.2, 3.0, 3.8, 3.4, 3.4, 3.2, 3.0, 3.6), respondents=50)
    y = combine_periods([a, b])
    assert y.nrrs["persyaratan"] == pytest.approx(3.1)
    assert y.respondents == 150
    assert y.ikm == pytest.approx((a.ikm + b.ikm) / 2, abs=1e-12)   # mean of IKMs
    assert y.unit == "U"


def test_combine_periods_not_weighted_by_respondents():
    a = UnitResult("U", {k: 3.0 for k in K}, respondents=1000)
    b = UnitResult("U", {k: 4.0 for k in K}, respondents=10)
    assert combine_periods([a, b]).ikm == pytest.approx(87.5)


def test_combine_periods_partial_elements_and_missing_respondents():
    a = UnitResult("U", {"waktu": 3.0, "maklumat": 2.0}, respondents=None)
    b = UnitResult("U", {"waktu": 4.0}, respondents=None)
    y = combine_periods([a, b])
    assert y.nrrs == {"waktu": 3.5, "maklumat": 2.0}
    assert y.respondents is None
    with pytest.raises(ValueError):
        combine_periods([])


# --- change and trend ---------------------------------------------------------------------------

def test_change_pct():
    assert change_pct(86.546, 90.876) == pytest.approx(5.0031, abs=1e-4)
    assert change_pct(80.0, 80.0) == 0.0
    assert change_pct(80.0, 72.0) == pytest.approx(-10.0)


@pytest.mark.parametrize("pct, word", [
    (5.01, "Naik"), (0.005, "Naik"), (0.004999, "Stagnan"), (0.0, "Stagnan"), (-0.0, "Stagnan"),
    (-0.004, "Stagnan"), (-0.005, "Turun"), (-0.03, "Turun"), (1e-12, "Stagnan"),
])
def test_trend_word(pct, word):
    assert trend_word(pct) == word


def test_trend_exactly_zero_is_stagnan():
    assert trend_word(change_pct(84.111, 84.111)) == "Stagnan"


# --- city aggregates -----------------------------------------------------------------------------

def test_city_ikm_plain_and_weighted():
    rs = [unit("A", 80.0, 100), unit("B", 90.0, 300)]
    assert city_ikm(rs) == pytest.approx(85.0)
    assert city_ikm(rs, weighted=True) == pytest.approx(87.5)
    with pytest.raises(ValueError):
        city_ikm([])
    with pytest.raises(ValueError):
        city_ikm([unit("A", 80.0)], weighted=True)


def test_city_ikm_weighted_skips_units_without_respondents():
    rs = [unit("A", 80.0, None), unit("B", 90.0, 10)]
    assert city_ikm(rs, weighted=True) == pytest.approx(90.0)


def test_city_recap_labels_its_aggregation():
    rs = [unit("A", 80.0, 100), unit("B", 90.0, 300), unit("C", 60.0, 100)]
    plain = city_recap(rs)
    assert plain.aggregation == S.AGGREGATION_MEAN == "mean of unit IKM"
    assert plain.ikm == pytest.approx(230 / 3)
    assert plain.category == "B"
    assert plain.respondents == 500 and plain.units == 3
    assert plain.category_counts == {"A": 1, "B": 1, "C": 0, "D": 1}
    assert (plain.above_mean, plain.below_mean) == (2, 1)
    weighted = city_recap(rs, weighted=True)
    assert weighted.aggregation == S.AGGREGATION_WEIGHTED == "respondent-weighted mean of unit IKM"
    assert weighted.ikm == pytest.approx((8000 + 27000 + 6000) / 500)
    assert set(S.AGGREGATION_LABELS_ID) == {S.AGGREGATION_MEAN, S.AGGREGATION_WEIGHTED}


def test_city_elements_plain_mean():
    a = UnitResult("A", {"waktu": 3.0, "biaya": 4.0})
    b = UnitResult("B", {"waktu": 3.5, "biaya": 3.0})
    c = UnitResult("C", {"waktu": 3.1})
    assert city_elements([a, b, c]) == pytest.approx({"waktu": 9.6 / 3, "biaya": 3.5})


def test_category_counts_include_empty_categories():
    rs = [unit("A", 90.0), unit("B", 88.305), unit("C", 88.3), unit("D", 50.0)]
    assert category_counts(rs) == {"A": 2, "B": 1, "C": 0, "D": 1}
    assert category_counts([]) == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_above_below_mean_counts_equal_as_below():
    rs = [unit("A", 80.0), unit("B", 85.0), unit("C", 90.0)]
    assert above_below(rs, 85.0) == (1, 2)


def test_above_below_all_equal_has_none_above_despite_float_noise():
    # six equal IKMs of 81.8475 whose float mean is 81.84749999999998
    rs = [UnitResult(n, {"waktu": 3.2739}) for n in "ABCDEF"]
    mean = city_ikm(rs)
    assert mean < rs[0].ikm                      # the float noise this test is about
    assert above_below(rs, mean) == (0, 6)


def test_top_and_bottom_with_ties_by_name():
    rs = [unit("b", 90.0), unit("A", 90.0), unit("C", 80.0), unit("d", 70.0), unit("E", 70.0)]
    assert [r.unit for r in top(rs, 3)] == ["A", "b", "C"]
    assert [r.unit for r in bottom(rs, 3)] == ["d", "E", "C"]
    assert [r.unit for r in top(rs, 10)] == ["A", "b", "C", "d", "E"]
    assert top([], 10) == []


def test_top_ties_ignore_float_noise():
    x = UnitResult("Zeta", {"waktu": 3.3, "biaya": 3.0})
    y = UnitResult("Alpha", {"waktu": 3.0, "biaya": 3.3})
    z = UnitResult("Mid", {"waktu": 0.1 + 3.2, "biaya": 3.0})   # 3.3000000000000003
    assert [r.unit for r in top([x, z, y], 3)] == ["Alpha", "Mid", "Zeta"]
    assert [r.unit for r in bottom([x, z, y], 3)] == ["Alpha", "Mid", "Zeta"]


# --- sample size --------------------------------------------------------------------------------

@pytest.mark.parametrize("population, minimum", [
    (100, 80), (1000, 278), (10000, 370), (1, 1), (10, 10), (0, 0), (-5, 0),
])
def test_krejcie_morgan(population, minimum):
    assert krejcie_morgan(population) == minimum


def test_krejcie_morgan_monotone_and_at_most_population():
    previous = 0
    for n in list(range(1, 2001)) + [5000, 10**5, 10**6, 10**7]:
        s = krejcie_morgan(n)
        assert previous <= s <= n
        previous = s
    assert krejcie_morgan(10**7) == 385
