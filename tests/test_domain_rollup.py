"""The roll-up rule (domain.rollup): a unit's semester from its quarters, a year from its
semesters, per unit, with the worked example of DOMAIN.md and property tests."""
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracker.domain import rollup, scoring
from tracker.domain.elements import CURRENT_KEYS
from tracker.domain.periods import parse_period

FAST = settings(max_examples=80, deadline=None)
K = CURRENT_KEYS


def flat(ikm_value, respondents=None, name="U"):
    """A result whose nine NRRs are equal, so its IKM is ``ikm_value``."""
    return scoring.UnitResult(unit=name, nrrs={k: ikm_value / 25 for k in K}, respondents=respondents)


def test_dpmptsp_pontianak_semester_from_quarters():
    own = {"2023-Q1": flat(92.57, 248), "2023-Q2": flat(99.43, 260)}
    s1 = rollup.roll(parse_period("2023-S1"), own)
    assert s1.how == rollup.MEAN
    assert round(s1.result.ikm, 2) == 96.00
    assert s1.result.respondents == 508
    assert s1.label == "rata-rata TW I-II"
    assert s1.sources == ("2023-Q1", "2023-Q2")


def test_own_result_wins_over_its_parts():
    own = {"2023-S1": flat(80.0, 100), "2023-Q1": flat(60.0, 10), "2023-Q2": flat(70.0, 10)}
    s1 = rollup.roll(parse_period("2023-S1"), own)
    assert s1.how == rollup.OWN and s1.label == "survei sendiri"
    assert s1.result.ikm == 80.0


def test_mixed_frequencies_within_a_year():
    """The library: per semester, then per quarter (Pontianak 2023)."""
    own = {"2023-S1": flat(80.0, 100), "2023-Q3": flat(84.0, 50), "2023-Q4": flat(88.0, 60)}
    year = rollup.roll(parse_period("2023"), own)
    assert round(year.result.ikm, 6) == round((80.0 + 86.0) / 2, 6)
    assert year.result.respondents == 210
    assert year.label == "rata-rata Semester I-II (Semester II: rata-rata TW III-IV)"
    assert year.sources == ("2023-S1", "2023-Q3", "2023-Q4")
    assert [p.code for p in year.parts] == ["2023-S1", "2023-S2"]


def test_single_part_and_gaps_say_so():
    assert rollup.roll(parse_period("2023-S2"), {"2023-Q3": flat(70.0)}).label == "dari TW III saja"
    year = rollup.roll(parse_period("2023"), {"2023-Q1": flat(70.0), "2023-Q4": flat(90.0)})
    assert year.label.startswith("rata-rata Semester I-II")
    assert round(year.result.ikm, 6) == 80.0


def test_quarter_has_only_its_own_and_other_years_do_not_leak():
    own = {"2023-S1": flat(80.0), "2022-Q1": flat(70.0)}
    assert rollup.roll(parse_period("2023-Q1"), own) is None
    assert rollup.roll(parse_period("2022-S2"), own) is None
    assert rollup.roll(parse_period("2022"), own).result.ikm == 70.0


def test_codes_with_results_and_ancestors():
    assert rollup.codes_with_results(["2023-Q3", "2022-S1"]) == {"2023-Q3", "2023-S2", "2023",
                                                                  "2022-S1", "2022"}
    assert [r.code for r in rollup.descendants(parse_period("2023"))] == [
        "2023-S1", "2023-Q1", "2023-Q2", "2023-S2", "2023-Q3", "2023-Q4"]


# --- properties ---------------------------------------------------------------------------

value = st.floats(25.0, 100.0, allow_nan=False)
respondents = st.integers(1, 2000)
codes = st.sampled_from(["2023", "2023-S1", "2023-S2", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"])
own_results = st.dictionaries(codes, st.tuples(value, respondents), max_size=7).map(
    lambda d: {c: flat(v, n) for c, (v, n) in d.items()})


@FAST
@given(value, value, respondents, respondents)
def test_semester_is_the_mean_of_its_quarters(a, b, na, nb):
    s = rollup.roll(parse_period("2023-S1"), {"2023-Q1": flat(a, na), "2023-Q2": flat(b, nb)})
    assert abs(s.result.ikm - (a + b) / 2) < 1e-9
    assert s.result.respondents == na + nb


@FAST
@given(value, respondents)
def test_year_of_two_equal_semesters_equals_them(a, n):
    year = rollup.roll(parse_period("2023"), {"2023-S1": flat(a, n), "2023-S2": flat(a, n)})
    assert abs(year.result.ikm - a) < 1e-9
    assert year.result.respondents == 2 * n


@FAST
@given(st.dictionaries(st.integers(0, 5), own_results, max_size=5), st.integers(0, 5), st.integers(1, 4),
       value, codes)
def test_adding_a_quarter_never_removes_a_unit(city, unit, quarter, v, target):
    """Adding a unit's quarter never removes the unit from any period's city figure, and a
    unit that had a result keeps its own-survey figure where it had one."""
    added = f"2023-Q{quarter}"
    assume(added not in city.get(unit, {}))  # adding, not replacing a result
    ref = parse_period(target)
    before = rollup.roll_city(ref, city)
    grown = {u: dict(own) for u, own in city.items()}
    grown.setdefault(unit, {})[added] = flat(v, 10)
    after = rollup.roll_city(ref, grown)
    assert set(before) <= set(after)
    for u, rolled in before.items():
        if rolled.how == rollup.OWN:
            assert after[u].result.ikm == rolled.result.ikm


@FAST
@given(own_results, codes)
def test_rolled_figure_is_within_its_sources(own, target):
    """A mean of parts lies between the lowest and highest own result behind it, and its
    respondents are the sum of theirs."""
    rolled = rollup.roll(parse_period(target), own)
    if rolled is None:
        return
    values = [own[c].ikm for c in rolled.sources]
    assert min(values) - 1e-9 <= rolled.result.ikm <= max(values) + 1e-9
    if rolled.how == rollup.MEAN:
        assert rolled.result.respondents == sum(own[c].respondents for c in rolled.sources)
        assert target not in own


def test_counted_coverage_equals_the_views_it_replaces(loaded):
    """results.service.units_with_results counts in one query what loading every view gave."""
    from tests.test_reports_data import load_synthetic
    from tracker.results import service
    load_synthetic(7, codes=("2022-Q1", "2022-Q3", "2022-S2", "2023-Q2"))
    for code in ("2021", "2021-S1", "2021-S2", "2022", "2022-S1", "2022-S2", "2022-Q1", "2022-Q2",
                 "2023", "2023-S1", "2023-Q2", "2024"):
        assert service.units_with_results(code) == len(service.unit_views(code)), code
        scores, units = service.nrrs_for_codes([code])
        views = service.unit_views(code)
        assert scores[code] == {v.unit.id: v.result.nrrs for v in views}, code
        assert {uid: units[uid] for uid in scores[code]} == {v.unit.id: v.unit for v in views}, code
        cov = service.coverage(code)
        if cov is not None:  # both counts of one query, each equal to loading the views
            year = code[:4]
            assert (cov.units, cov.of, cov.year) == (len(service.unit_views(code)),
                                                     len(service.unit_views(year)), year), code
