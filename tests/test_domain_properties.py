"""Property tests (hypothesis) for the scoring rules and number formats."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain import scoring as S
from tracker.domain.elements import CURRENT_KEYS, NUMBERINGS, key_for_u, u_code
from tracker.domain.numbers import format_id, parse_integer, parse_number

K = CURRENT_KEYS
FAST = settings(max_examples=60, deadline=None)

answer = st.one_of(st.none(), st.integers(1, 4))


@st.composite
def answer_matrix(draw, min_rows=1, max_rows=25):
    """Rows of nine answers 1-4 (None = not answered); every element answered at least once."""
    rows = draw(st.lists(st.lists(answer, min_size=9, max_size=9), min_size=min_rows,
                         max_size=max_rows))
    for j in range(9):
        if all(r[j] is None for r in rows):
            rows[draw(st.integers(0, len(rows) - 1))][j] = draw(st.integers(1, 4))
    return rows


def result(rows, numbering="questionnaire", name="X"):
    """Build a result from rows whose columns are U1..U9 in ``numbering``."""
    keys = NUMBERINGS[numbering]
    dict_rows = [{keys[j]: v for j, v in enumerate(r)} for r in rows]
    return S.result_from_responses(name, dict_rows, list(K))


nrr_value = st.floats(1.0, 4.0, allow_nan=False)
nrr_map = st.fixed_dictionaries({k: nrr_value for k in K})


@FAST
@given(answer_matrix())
def test_nrr_and_ikm_bounds(rows):
    r = result(rows)
    assert all(1.0 <= v <= 4.0 for v in r.nrrs.values())
    assert 25.0 <= r.ikm <= 100.0
    assert 1.0 <= r.ikm_unit <= 4.0
    for k in K:   # each NRR divides by the answers actually given
        j = NUMBERINGS["questionnaire"].index(k)
        given_ = [row[j] for row in rows if row[j] is not None]
        assert r.nrrs[k] == sum(given_) / len(given_)


@FAST
@given(answer_matrix(), st.randoms(use_true_random=False))
def test_ikm_invariant_under_permuting_respondents(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a, b = result(rows), result(shuffled)
    assert abs(a.ikm - b.ikm) < 1e-9
    assert a.priorities() == b.priorities()


@FAST
@given(answer_matrix())
def test_numbering_relabelling_gives_same_ikm_and_priority_keys(rows):
    # The same answers, written once with questionnaire columns and once with regulation columns.
    q_keys, r_keys = NUMBERINGS["questionnaire"], NUMBERINGS["regulation"]
    relabelled = [[row[q_keys.index(k)] for k in r_keys] for row in rows]
    a, b = result(rows, "questionnaire"), result(relabelled, "regulation")
    assert a.nrrs == b.nrrs
    assert a.ikm == b.ikm
    assert a.priorities() == b.priorities()
    assert [u_code(k, "regulation") for k in b.priorities()] == \
        [f"U{r_keys.index(k) + 1}" for k in a.priorities()]


@FAST
@given(nrr_map, st.integers(1, 9))
def test_priorities_are_the_lowest_and_stable(nrrs, count):
    p = S.priority_elements(nrrs, count)
    assert len(p) == count == len(set(p))
    chosen = [round(nrrs[k], 9) for k in p]
    assert chosen == sorted(chosen)                      # lowest first
    rest = [round(v, 9) for k, v in nrrs.items() if k not in p]
    assert all(v >= chosen[-1] for v in rest)            # nothing left out is lower
    # stable: ties in regulation order, and dict order never matters
    for a, b in zip(p, p[1:]):
        if round(nrrs[a], 9) == round(nrrs[b], 9):
            assert K.index(a) < K.index(b)
    assert S.priority_elements(dict(reversed(list(nrrs.items()))), count) == p
    assert S.priority_elements(nrrs, 9)[:count] == p     # a prefix of the full ranking


@FAST
@given(st.lists(st.sampled_from([3.0, 3.25, 3.5]), min_size=9, max_size=9))
def test_priorities_with_many_ties(values):
    nrrs = dict(zip(K, values))
    expected = sorted(K, key=lambda k: (nrrs[k], K.index(k)))[:3]
    assert S.priority_elements(nrrs) == expected


@FAST
@given(st.floats(25.0, 100.0), st.floats(25.0, 100.0))
def test_category_monotone_in_ikm(a, b):
    lo, hi = sorted((a, b))
    assert S.category(lo) >= S.category(hi)              # "A" < "B": higher IKM, better letter


@FAST
@given(nrr_map, st.integers(1, 4))
def test_combine_of_identical_results_is_identity(nrrs, n):
    r = S.UnitResult("X", nrrs, respondents=10)
    y = S.combine_periods([r] * n)
    assert all(abs(y.nrrs[k] - nrrs[k]) < 1e-12 for k in K)
    assert abs(y.ikm - r.ikm) < 1e-9
    assert y.respondents == 10 * n


@FAST
@given(nrr_map, nrr_map)
def test_combine_two_semesters_is_mean_of_ikms(a, b):
    y = S.combine_periods([S.UnitResult("X", a), S.UnitResult("X", b)])
    assert abs(y.ikm - (S.ikm(a) + S.ikm(b)) / 2) < 1e-9


units = st.lists(st.tuples(nrr_value, st.integers(1, 500)), min_size=1, max_size=12)


def make_units(data):
    return [S.UnitResult(f"U{i}", {k: v for k in K}, respondents=n) for i, (v, n) in enumerate(data)]


@FAST
@given(units)
def test_city_mean_within_min_max(data):
    rs = make_units(data)
    lo, hi = min(r.ikm for r in rs), max(r.ikm for r in rs)
    for weighted in (False, True):
        value = S.city_ikm(rs, weighted=weighted)
        assert lo - 1e-9 <= value <= hi + 1e-9
    recap = S.city_recap(rs)
    assert recap.above_mean + recap.below_mean == len(rs)
    assert sum(recap.category_counts.values()) == len(rs)


@FAST
@given(st.lists(nrr_value, min_size=1, max_size=12), st.integers(1, 500))
def test_weighted_mean_equals_plain_when_respondents_equal(values, n):
    rs = make_units([(v, n) for v in values])
    assert abs(S.city_ikm(rs, weighted=True) - S.city_ikm(rs)) < 1e-9


@FAST
@given(st.lists(nrr_value, min_size=1, max_size=12))
def test_top_and_bottom_are_sorted_and_complementary(values):
    rs = make_units([(v, 1) for v in values])
    t = S.top(rs, len(rs))
    assert [round(r.ikm, 9) for r in t] == sorted((round(r.ikm, 9) for r in rs), reverse=True)
    assert [r.unit for r in S.bottom(rs, len(rs))][::-1] == [r.unit for r in t] or \
        len({round(r.ikm, 9) for r in rs}) < len(rs)     # ties are by name both ways


@FAST
@given(st.floats(25.0, 100.0), st.floats(25.0, 100.0))
def test_change_pct_sign_matches_trend_word(before, after):
    pct = S.change_pct(before, after)
    word = S.trend_word(pct)
    if word == "Naik":
        assert pct > 0
    elif word == "Turun":
        assert pct < 0
    else:
        assert abs(pct) < 0.005 + 1e-9
    if after == before:
        assert word == "Stagnan"


@FAST
@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(1, 4))
def test_format_id_parse_number_round_trip(value, decimals):
    text = format_id(value, decimals)
    parsed = parse_number(text)
    assert abs(parsed - value) <= 0.5 * 10 ** -decimals + 1e-6 * max(1.0, abs(value))
    assert parse_number(format_id(parsed, decimals)) == parsed     # a fixed point


@FAST
@given(st.integers(0, 10**9))
def test_integer_format_round_trip(n):
    assert parse_integer(format_id(n, 0)) == n


@FAST
@given(st.integers(1, 9), st.sampled_from(sorted(NUMBERINGS)))
def test_u_code_round_trip(position, numbering):
    assert u_code(key_for_u(position, numbering), numbering) == f"U{position}"


@FAST
@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_krejcie_morgan_monotone(a, b):
    lo, hi = sorted((a, b))
    assert S.krejcie_morgan(lo) <= S.krejcie_morgan(hi) <= hi


@FAST
@given(st.floats(1.0, 4.0), st.floats(1.0, 4.0))
def test_nrr_category_monotone_and_agrees_with_converted(a, b):
    lo, hi = sorted((a, b))
    assert S.nrr_category(lo) >= S.nrr_category(hi)
    assert S.nrr_category(a) == S.category(a * 25)


@FAST
@given(answer_matrix())
def test_sums_and_responses_give_the_same_result(rows):
    r = result(rows)
    again = S.result_from_sums("X", r.sums, r.answers, respondents=r.respondents)
    assert again.nrrs == r.nrrs and again.ikm == r.ikm


@FAST
@given(st.sampled_from(sorted(NUMBERINGS)).flatmap(
    lambda n: st.tuples(st.sampled_from(list(NUMBERINGS[n])), st.just(n))))
def test_label_parses_back_to_its_key(pair):
    """Every element of every numbering (the 2014 set's Maklumat Pelayanan included)."""
    from tracker.domain.elements import label, parse_element
    key, numbering = pair
    assert parse_element(label(key, numbering), numbering) == key
    assert parse_element(label(key), None) == key
    assert parse_element(u_code(key, numbering), numbering) == key
