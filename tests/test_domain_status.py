"""The follow-up status rules of CONTRACT.md ``rtl status`` (domain.realisation): latest report,
claimed, the two lateness measures, unscheduled, awaiting verification, and a year gathered
from the plans of its parts. Checked by hand and against a reference written straight from the
contract's sentences (hypothesis)."""
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain import realisation as R
from tracker.domain.periods import parse_quarter

FAST = settings(max_examples=150, deadline=None)
T0 = datetime(2023, 1, 1)


def entry(quarter, percent, status, minutes=0, id=0):
    return R.Entry(quarter, percent, status, T0 + timedelta(minutes=minutes), id)


def facts(quarters, entries, element="waktu", not_actionable=False, id=0):
    return R.ActionFacts.from_entries(element, quarters, entries, not_actionable)


def test_latest_is_the_latest_quarter_then_the_last_entered():
    # The TW1 report verified after the TW2 one does not make the action go back to 40.
    entries = [entry("2023-TW2", 70, "verified", 1, 1), entry("2023-TW1", 40, "verified", 5, 2)]
    assert R.latest_verified_percent(entries) == 70
    # Within a quarter, the one entered last.
    entries.append(entry("2023-TW2", 60, "verified", 9, 3))
    assert R.latest_verified_percent(entries) == 60
    # Claimed: the latest that is not rejected, verified or not.
    entries += [entry("2023-TW3", 90, "submitted", 10, 4), entry("2023-TW4", 100, "rejected", 11, 5)]
    assert R.claimed_progress(entries) == 90
    assert R.latest_verified_percent(entries) == 60


def test_late_reporting_is_not_a_report_waiting_for_the_inspector():
    as_of = date(2023, 12, 1)  # TW1..TW3 deadlines (end + 15 days) are past
    planned = ["2023-TW1", "2023-TW2", "2023-TW3", "2023-TW4"]
    waiting = facts(planned, [entry("2023-TW1", 10, "submitted"), entry("2023-TW2", 20, "verified"),
                              entry("2023-TW3", 30, "submitted")])
    assert R.late_reporting_quarters(waiting.quarters, waiting.reported, as_of) == []
    rejected = facts(planned, [entry("2023-TW1", 10, "rejected")])
    assert R.late_reporting_quarters(rejected.quarters, rejected.reported, as_of) == [
        "2023-TW1", "2023-TW2", "2023-TW3"]


def test_deadline_is_quarter_end_plus_grace_days():
    planned = ["2023-TW1"]
    end = parse_quarter("2023-TW1").end
    assert R.late_reporting_quarters(planned, [], end + timedelta(days=15), 15) == []
    assert R.late_reporting_quarters(planned, [], end + timedelta(days=16), 15) == ["2023-TW1"]
    assert not R.unfinished_after_schedule(planned, 50, end + timedelta(days=15), 15)
    assert R.unfinished_after_schedule(planned, 50, end + timedelta(days=16), 15)
    assert not R.unfinished_after_schedule(planned, 100, end + timedelta(days=16), 15)
    assert not R.unfinished_after_schedule([], 0, date(2030, 1, 1), 15)


def test_plan_status_counts_and_rates():
    as_of = date(2024, 3, 1)
    actions = [
        facts(["2023-TW3", "2023-TW4"], [entry("2023-TW3", 100, "verified")], "waktu"),
        facts(["2023-TW4"], [entry("2023-TW4", 50, "submitted")], "waktu"),
        facts([], [], "prosedur"),
        facts(["2023-TW3"], [], "biaya", not_actionable=True),
    ]
    s = R.plan_status(actions, as_of)
    assert s.actions == 4
    assert s.realisation == (100 + 0 + 0) / 3  # the not-actionable one is left out
    assert s.claimed == (100 + 50 + 0) / 3
    assert s.completion == 100 / 3
    assert s.late_reports == 1  # the first: TW4 has no report
    assert s.unfinished_after_schedule == 1  # the second: schedule over, 0 verified
    assert s.unscheduled == 1 and s.awaiting_verification == 1
    assert s.elements["waktu"] == {"actions": 2, "realisation": 50.0}
    assert s.elements["biaya"]["realisation"] is None
    draft = R.plan_status(actions, as_of, accepted=False)
    assert draft.realisation is None and draft.late_reports == 0 and draft.unscheduled == 1


def test_year_gathers_its_semesters_pontianak():
    """Pontianak: 80% and 67% give 73,5%; counts are sums; only accepted plans are averaged."""
    s1 = R.Status(actions=5, realisation=80.0, claimed=90.0, completion=60.0, late_reports=1,
                  elements={"waktu": {"actions": 5, "realisation": 80.0}})
    s2 = R.Status(actions=3, realisation=67.0, claimed=70.0, completion=0.0, unscheduled=2,
                  elements={"waktu": {"actions": 1, "realisation": 67.0},
                            "biaya": {"actions": 2, "realisation": 67.0}})
    draft = R.Status(actions=4, unscheduled=4)
    year = R.gather_statuses([(s1, True), (s2, True), (draft, False)])
    assert year.realisation == 73.5
    assert year.claimed == 80.0 and year.completion == 30.0
    assert year.actions == 12 and year.late_reports == 1 and year.unscheduled == 6
    assert year.elements["waktu"] == {"actions": 6, "realisation": 73.5}
    assert year.parts == 3


def test_city_is_the_mean_of_units_with_an_accepted_plan():
    assert R.city_status([R.Status(realisation=40.0, completion=0.0),
                          R.Status(realisation=60.0, completion=50.0), None]) == (50.0, 25.0)
    assert R.city_status([]) == (None, None)


# --- against the contract's sentences ----------------------------------------------------

QUARTERS = ["2023-TW1", "2023-TW2", "2023-TW3", "2023-TW4", "2024-TW1"]
entry_st = st.tuples(st.sampled_from(QUARTERS), st.sampled_from([0, 25, 50.5, 99.99, 100]),
                     st.sampled_from(["verified", "submitted", "rejected"]), st.integers(0, 30))
action_st = st.tuples(st.lists(st.sampled_from(QUARTERS), unique=True, max_size=3),
                      st.lists(entry_st, max_size=6), st.booleans(),
                      st.sampled_from(["waktu", "biaya", "sarpras"]))


def reference(actions, as_of, grace=15):
    """CONTRACT.md, sentence by sentence, over raw entries."""
    def latest(es):
        # latest = the latest quarter; within a quarter, the one entered last (ids in order)
        return max(es, key=lambda e: (parse_quarter(e.quarter), e.submitted_at, e.id), default=None)

    def deadline_passed(q):
        return parse_quarter(q).end + timedelta(days=grace) < as_of

    out = {"late": 0, "unfinished": 0, "unscheduled": 0, "awaiting": 0}
    reals, claims, done = [], [], []
    for quarters, entries, na, _ in actions:
        v = latest([e for e in entries if e.status == "verified"])
        c = latest([e for e in entries if e.status != "rejected"])
        real = v.percent if v else 0
        if not na:
            reals.append(real)
            claims.append(c.percent if c else 0)
            done.append(real >= 100)
            if any(deadline_passed(q) and not any(e.quarter == q and e.status != "rejected" for e in entries)
                   for q in quarters):
                out["late"] += 1
            if quarters and deadline_passed(max(quarters, key=parse_quarter)) and real < 100:
                out["unfinished"] += 1
            if any(e.status == "submitted" for e in entries):
                out["awaiting"] += 1
        if not quarters:
            out["unscheduled"] += 1
    if reals:
        out["realisation"] = sum(reals) / len(reals)
        out["claimed"] = sum(claims) / len(claims)
        out["completion"] = 100 * sum(done) / len(done)
    else:
        out["realisation"] = out["claimed"] = out["completion"] = None
    return out


@FAST
@given(st.lists(action_st, max_size=6), st.dates(date(2023, 1, 1), date(2025, 1, 1)))
def test_plan_status_equals_the_contract(raw, as_of):
    actions = []
    for quarters, entries, na, element in raw:
        es = [entry(q, p, s, m, i) for i, (q, p, s, m) in enumerate(entries)]
        actions.append((quarters, es, na, element))
    s = R.plan_status([facts(q, es, el, na) for q, es, na, el in actions], as_of)
    ref = reference(actions, as_of)
    assert (s.late_reports, s.unfinished_after_schedule, s.unscheduled, s.awaiting_verification) == (
        ref["late"], ref["unfinished"], ref["unscheduled"], ref["awaiting"])
    for key in ("realisation", "claimed", "completion"):
        if ref[key] is None:
            assert getattr(s, key) is None
        else:
            assert abs(getattr(s, key) - ref[key]) < 1e-9


@FAST
@given(st.lists(action_st, max_size=6), st.dates(date(2023, 1, 1), date(2025, 1, 1)),
       st.integers(min_value=0, max_value=40))
def test_lateness_dates_count_what_plan_status_counts_on_any_day(raw, as_of, grace):
    """The dates a plan keeps give, on every day, the late, long-late and unfinished counts the
    status rule gives from its actions (so readers can count instead of judging each action)."""
    actions = [facts(q, [entry(qq, p, s_, m, i) for i, (qq, p, s_, m) in enumerate(es)], el, na)
               for q, es, na, el in raw]
    dates = R.lateness_dates(actions, grace)
    for day in (as_of, as_of + timedelta(days=45), as_of + timedelta(days=400)):
        s = R.plan_status(actions, day, grace)
        assert (dates.late_reports(day), dates.late_long(day), dates.unfinished_after_schedule(day)) == (
            s.late_reports, s.late_long, s.unfinished_after_schedule)
        # What readers of many plans use: the day written once, three bisections per plan.
        assert R.LatenessOn(day)(dates.late_from, dates.unfinished_from) == (
            s.late_reports, s.late_long, s.unfinished_after_schedule)


def test_lateness_on_a_day_counts_dates_strictly_before_it():
    judge = R.LatenessOn(date(2024, 8, 15))
    late = ("2024-06-01", "2024-07-15", "2024-07-16", "2024-08-14", "2024-08-15", "2024-09-01")
    # before 15 Aug: four; before 16 Jul (30 days earlier): two; unfinished before 15 Aug: one.
    assert judge(late, ("2024-08-14", "2024-08-15")) == (4, 2, 1)
    assert judge((), ()) == (0, 0, 0)


# --- effect of follow-up -------------------------------------------------------------------

from tracker.domain import effect as E  # noqa: E402


def test_element_effect_direction_and_contradiction():
    rows = E.unit_effects({"waktu": {"actions": 2, "realisation": 100.0},
                           "biaya": {"actions": 1, "realisation": 40.0},
                           "sarpras": {"actions": 1, "realisation": 100.0}},
                          {"waktu": 3.20, "biaya": 3.0, "sarpras": 3.1}, {"waktu": 3.10, "biaya": 3.2})
    by = {r.element: r for r in rows}
    assert by["waktu"].direction == E.WORSE and by["waktu"].contradiction
    assert by["biaya"].direction == E.BETTER and not by["biaya"].contradiction
    assert by["sarpras"].change is None and by["sarpras"].direction is None
    assert E.ElementEffect("x", 1, 100.0, 3.0, 3.0002).direction == E.SAME


def test_city_effect_compares_followed_with_other_elements():
    units = [({"waktu"}, {"waktu": 3.0, "biaya": 3.5, "sarpras": 3.1}, {"waktu": 3.3, "biaya": 3.4, "sarpras": 3.1},
              {"waktu": 100.0}),
             ({"biaya"}, {"waktu": 3.2, "biaya": 3.0}, {"waktu": 3.2, "biaya": 2.9}, {"biaya": 100.0}),
             ({"waktu"}, {"waktu": 3.0}, {}, {})]  # no next period: left out
    c = E.city_effect(units)
    assert c.followed_pairs == 2 and c.other_pairs == 3
    assert abs(c.followed_mean_change - (0.3 - 0.1) / 2) < 1e-9
    assert abs(c.other_mean_change - (-0.1 + 0 + 0) / 3) < 1e-9
    assert c.followed_better == 1 and c.followed_worse == 1 and c.contradictions == 1
    assert abs(c.difference - (0.1 + 0.1 / 3)) < 1e-9
    assert E.city_effect([]).difference is None


def test_bands_of_realisation():
    assert R.band(100) == ("Sangat Baik", "hijau") and R.band(90.5) == ("Sangat Baik", "hijau")
    assert R.band(90) == ("Baik", "hijau") and R.band(76) == ("Baik", "hijau")
    assert R.band(75) == ("Cukup", "kuning") and R.band(66) == ("Cukup", "kuning")
    assert R.band(65) == ("Kurang", "merah") and R.band(51) == ("Kurang", "merah")
    assert R.band(50) == ("Sangat Kurang", "merah") and R.band(0) == ("Sangat Kurang", "merah")
    assert R.band(None) is None


def test_late_over_thirty_days_and_actions_without_owner():
    end = parse_quarter("2023-TW3").end  # deadline end + 15
    a = R.ActionFacts("waktu", ("2023-TW3",), None, None, has_owner=False)
    on_day = R.plan_status([a], end + timedelta(days=15 + 30))
    assert on_day.late_reports == 1 and on_day.late_long == 0
    after = R.plan_status([a], end + timedelta(days=15 + 31))
    assert after.late_long == 1 and after.no_owner == 1
    assert R.gather_statuses([(after, True), (after, True)]).late_long == 2
