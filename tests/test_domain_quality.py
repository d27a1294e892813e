"""Consistency checks with causes (tracker.domain.quality, DOMAIN.md section 5)."""
import pytest

from tracker.domain import quality as Q
from tracker.domain.elements import CURRENT_KEYS, NUMBERINGS
from tracker.domain.scoring import UnitResult, result_from_sums

K = CURRENT_KEYS
QN = NUMBERINGS["questionnaire"]


def from_sums(name, sums, respondents):
    """Sums listed in questionnaire numbering, as the Surakarta annex prints them."""
    return result_from_sums(name, dict(zip(QN, sums)), respondents)


# Real blocks from Surakarta 2021 Lampiran 1 (sample_data/surakarta-2021-S1.csv).
BKPPD_S1 = from_sums("Badan Kepegawaian, Pendidikan Dan Pelatihan Daerah",
                     [367, 366, 375, 430, 376, 370, 377, 358, 413], 108)
KESWAN_S1 = from_sums("UPT Pusat Kesehatan Hewan", [561, 563, 521, 508, 541, 570, 588, 515, 566], 170)
FARMASI_S1 = from_sums("UPT Instalasi Farmasi", [166, 158, 155, 165, 161, 162, 165, 164, 148], 50)


# --- reported IKM --------------------------------------------------------------------------------

def test_reported_ikm_within_tolerance_is_not_flagged():
    r = UnitResult("X", {k: 3.4 for k in K})          # IKM 85.0
    assert Q.check_reported_ikm(85.0, r) is None
    assert Q.check_reported_ikm(85.01, r) is None
    assert Q.check_reported_ikm(84.99, r) is None
    assert Q.check_reported_ikm(None, r) is None
    flag = Q.check_reported_ikm(85.011, r)
    assert flag is not None and flag.code == "reported_ikm"


def test_weight_0111_cause_real_block():
    assert round(BKPPD_S1.ikm, 3) == 88.272
    flag = Q.check_reported_ikm(88.183, BKPPD_S1)        # what the annex printed
    assert flag.detail["cause"] == "weight_0111"
    assert flag.detail["computed"] == pytest.approx(88.2716, abs=1e-4)
    assert flag.detail["difference"] == pytest.approx(88.183 - BKPPD_S1.ikm)
    assert "0,111" in flag.message


def test_weight_0111_cause_recognised_from_a_two_decimal_print():
    # Tabel 3.1 printed the same value as 88.18: still the 0.111 weight, within print rounding.
    flag = Q.check_reported_ikm(88.18, BKPPD_S1)
    assert flag.detail["cause"] == "weight_0111"


def test_weight_011_cause_real_block():
    flag = Q.check_reported_ikm(79.799, KESWAN_S1)
    assert flag.detail["cause"] == "weight_011"
    assert "0,11 " in flag.message or "0,11" in flag.message
    assert Q.check_reported_ikm(79.80, KESWAN_S1).detail["cause"] == "weight_011"


def test_weight_causes_on_synthetic_values():
    r = UnitResult("X", {k: 3.5 for k in K})          # IKM 87.5
    assert Q.check_reported_ikm(round(87.5 * 0.999, 3), r).detail["cause"] == "weight_0111"
    assert Q.check_reported_ikm(round(87.5 * 0.99, 3), r).detail["cause"] == "weight_011"


def test_nrr_rounded_to_3_decimals_cause():
    r = UnitResult("X", {k: 3.1234999 for k in K})    # each NRR loses ~0.0005 when rounded
    reported = 25 * 3.123                              # 78.075; exact is 78.0875
    flag = Q.check_reported_ikm(reported, r)
    assert flag.detail["cause"] == "nrr_rounded_3"


def test_weighted_nrr_rounded_to_3_decimals_cause():
    r = UnitResult("X", {k: 3.1265 for k in K})       # weighted 0.347389 -> 0.347
    reported = round(sum(round(v / 9, 3) for v in r.nrrs.values()) * 25, 3)   # 78.075
    assert r.ikm - reported == pytest.approx(0.0875, abs=1e-6)       # "up to about 0.09"
    flag = Q.check_reported_ikm(reported, r)
    assert flag.detail["cause"] == "weighted_rounded_3"


def test_copied_block_cause_names_the_other_unit():
    a = UnitResult("Dinas A", {k: 3.2 for k in K})    # 80.0
    b = UnitResult("Dinas B", {k: 3.6 for k in K})    # 90.0
    flag = Q.check_reported_ikm(90.0, a, others=[a, b])
    assert flag.detail["cause"] is None
    assert flag.detail["copied_from"] == "Dinas B"
    assert "Dinas B" in flag.message


def test_unit_is_not_its_own_copy_source():
    a = UnitResult("Dinas A", {k: 3.2 for k in K})
    flag = Q.check_reported_ikm(95.0, a, others=[a])
    assert flag.detail["copied_from"] is None and flag.detail["cause"] is None
    assert "tidak dikenali" in flag.message


def test_flag_as_dict():
    a = UnitResult("Dinas A", {k: 3.2 for k in K})
    d = Q.check_reported_ikm(95.0, a).as_dict()
    assert d["code"] == "reported_ikm" and set(d) == {"code", "message", "detail"}


# --- sums, sample size --------------------------------------------------------------------------

def test_check_sums_range():
    sums = {"waktu": 300, "biaya": 49, "produk": 401, "sarpras": 10}
    answers = {"waktu": 100, "biaya": 50, "produk": 100}
    assert Q.check_sums_range(sums, answers) == ["biaya", "produk", "sarpras"]
    assert Q.check_sums_range({"waktu": 100}, {"waktu": 100}) == []
    assert Q.check_sums_range({"waktu": 400}, {"waktu": 100}) == []


def test_check_sums_range_real_problem_block():
    # Dinas Perumahan S1 as transcribed: 50 respondents, sums 7..12 (problem-rows file)
    sums = dict(zip(QN, [8, 9, 9, 10, 12, 9, 7, 10, 9]))
    assert Q.check_sums_range(sums, dict.fromkeys(QN, 50)) == list(QN)


@pytest.mark.parametrize("respondents, population, minimum", [
    (79, 100, 80), (277, 1000, 278), (369, 10000, 370), (0, 100, 80),
])
def test_sample_size_too_small(respondents, population, minimum):
    flag = Q.check_sample_size(respondents, population)
    assert flag.code == "sample_size"
    assert flag.detail == {"respondents": respondents, "minimum": minimum, "population": population}


@pytest.mark.parametrize("respondents, population", [
    (80, 100), (278, 1000), (370, 10000), (500, 10000), (None, 100), (50, None), (50, 0),
])
def test_sample_size_enough_or_unknown(respondents, population):
    assert Q.check_sample_size(respondents, population) is None


# --- priorities ------------------------------------------------------------------------------------

LOW = {"persyaratan": 3.3, "prosedur": 3.4, "waktu": 3.1, "biaya": 3.8, "produk": 3.2,
       "kompetensi": 3.5, "perilaku": 3.6, "sarpras": 3.0, "pengaduan": 3.9}
LOW_RESULT = UnitResult("X", LOW)   # lowest: sarpras, waktu, produk


@pytest.mark.parametrize("codes", [
    ["U8", "U3", "U5"], ["U5", "U8", "U3"], ["u8", " U3 ", "U5"], ["U8"], ["U8", "U3"], ["8", "3"],
])
def test_priorities_that_are_the_lowest_pass(codes):
    assert Q.check_priorities(codes, LOW_RESULT, "questionnaire") is None


def test_priorities_empty_is_not_checked():
    assert Q.check_priorities([], LOW_RESULT, "questionnaire") is None


def test_priorities_not_lowest_are_flagged_with_the_lowest():
    flag = Q.check_priorities(["U8", "U3", "U1"], LOW_RESULT, "questionnaire")
    assert flag.code == "priorities"
    assert flag.detail["reported"] == ["sarpras", "waktu", "persyaratan"]
    assert flag.detail["lowest"] == ["sarpras", "waktu", "produk"]
    assert "U8, U3, U5" in flag.message
    # a single wrong priority
    assert Q.check_priorities(["U3"], LOW_RESULT, "questionnaire").code == "priorities"


def test_u8_u9_swap_is_diagnosed():
    # Sarpras is lowest. A unit that numbers by the regulation writes it U9; read with the
    # questionnaire numbering U9 is pengaduan, the highest element.
    flag = Q.check_priorities(["U9", "U3", "U5"], LOW_RESULT, "questionnaire")
    assert flag.code == "priorities_swap"
    assert flag.detail["reported"] == ["pengaduan", "waktu", "produk"]
    assert flag.detail["lowest"] == ["sarpras", "waktu", "produk"]
    assert "U8/U9" in flag.message
    # the same codes read with the numbering the unit used pass
    assert Q.check_priorities(["U9", "U3", "U5"], LOW_RESULT, "regulation") is None
    # and the reverse direction
    assert Q.check_priorities(["U8", "U3", "U5"], LOW_RESULT, "regulation").code == "priorities_swap"


def test_swap_diagnosis_real_block():
    # UPT Instalasi Farmasi S1: the printed U3, U2, U8 are the lowest only when U8 is pengaduan.
    flag = Q.check_priorities(["U3", "U2", "U8"], FARMASI_S1, "questionnaire")
    assert flag.code == "priorities_swap"
    assert Q.check_priorities(["U3", "U2", "U8"], FARMASI_S1, "regulation") is None


def test_no_swap_claim_when_neither_numbering_fits():
    assert Q.check_priorities(["U9", "U4"], LOW_RESULT, "questionnaire").code == "priorities"
    # U8 and U9 together swap into themselves: no swap to diagnose
    r = UnitResult("X", dict(LOW, pengaduan=2.9))
    assert Q.check_priorities(["U8", "U9"], r, "questionnaire") is None
    assert Q.check_priorities(["U8", "U9", "U1"], r, "questionnaire").code == "priorities"


def test_priorities_accept_any_order_among_ties():
    tied = UnitResult("X", {k: 3.5 for k in K} | {"waktu": 3.0, "produk": 3.2, "biaya": 3.2})
    assert Q.check_priorities(["U3", "U4"], tied, "questionnaire") is None
    assert Q.check_priorities(["U3", "U5"], tied, "questionnaire") is None
    all_equal = UnitResult("X", {k: 3.25 for k in K})
    assert Q.check_priorities(["U9", "U8", "U7"], all_equal, "questionnaire") is None


@pytest.mark.parametrize("codes", [["U0"], ["U10"], ["X"], ["U3", "Waktu"], ["U-1"]])
def test_unreadable_priority_codes_are_flagged(codes):
    flag = Q.check_priorities(codes, LOW_RESULT, "questionnaire")
    assert flag.code == "priorities"
    assert "tidak terbaca" in flag.message


def test_duplicate_priority_codes_are_flagged():
    assert Q.check_priorities(["U8", "U8", "U3"], LOW_RESULT, "questionnaire").code == "priorities"


# --- year mean, duplicates ------------------------------------------------------------------------

def test_year_mean():
    s1 = UnitResult("X", {"waktu": 3.0, "biaya": 3.5})
    s2 = UnitResult("X", {"waktu": 3.2, "biaya": 3.7})
    assert Q.check_year_mean({"waktu": 3.1, "biaya": 3.6}, [s1, s2]) is None
    assert Q.check_year_mean({"waktu": 3.1005, "biaya": 3.6}, [s1, s2]) is None
    flag = Q.check_year_mean({"waktu": 3.2, "biaya": 3.6}, [s1, s2])
    assert flag.code == "year_mean" and flag.detail == {"elements": ["waktu"]}
    assert Q.check_year_mean({"waktu": 9.9}, [s1]) is None      # one semester: nothing to check
    assert Q.check_year_mean({"maklumat": 9.9}, [s1, s2]) is None


def test_duplicate_blocks():
    a = UnitResult("A", {k: 3.2 for k in K}, respondents=100)
    b = UnitResult("B", {k: 3.2 for k in K}, respondents=100)
    c = UnitResult("C", {k: 3.2 for k in K}, respondents=90)   # other respondent count
    d = UnitResult("D", {k: 3.3 for k in K}, respondents=100)
    flags = Q.check_duplicate_blocks([a, b, c, d])
    assert set(flags) == {"B"}
    assert flags["B"].detail == {"same_as": "A"} and flags["B"].code == "duplicate_block"
    # element order does not matter, float noise below 1e-6 does not either
    e = UnitResult("E", dict(reversed([(k, 3.2 + 1e-9) for k in K])), respondents=100)
    assert set(Q.check_duplicate_blocks([a, e])) == {"E"}


def test_digit_typo_cause_real_block():
    # DPMPTSP S2 (annex): sums give 97.528 (Tabel 3.1 prints 97.53), the annex prints 97.538.
    r = from_sums("Dinas Penanaman Modal Dan Pelayanan Terpadu Satu Pintu",
                  [793, 793, 784, 792, 759, 769, 767, 793, 772], 200)
    assert Q.check_reported_ikm(97.53, r) is None
    flag = Q.check_reported_ikm(97.538, r)
    assert flag.detail["cause"] == "digit_typo"
    assert "salah ketik" in flag.message


@pytest.mark.parametrize("reported, cause", [
    (85.258, "digit_typo"),    # computed 85.528: adjacent decimals swapped
    (85.548, "digit_typo"),    # one decimal digit wrong
    (85.57, "digit_typo"),     # printed with 2 decimals: 85.53 -> 85.57
    (86.528, None),            # a wrong whole number is not a typo
    (85.111, None),            # several digits wrong
])
def test_digit_typo_rules(reported, cause):
    r = UnitResult("X", {k: 85.528 / 25 for k in K})
    assert Q.check_reported_ikm(reported, r).detail["cause"] == cause


def test_known_causes_come_before_typo_and_copy():
    # 88.183 differs from 88.272 in two non-adjacent decimals; the 0.111 weight explains it.
    assert Q.check_reported_ikm(88.183, BKPPD_S1, others=[BKPPD_S1]).detail["cause"] == "weight_0111"
