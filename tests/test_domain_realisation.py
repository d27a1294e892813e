"""Realisation of follow-up actions, SIPTL rule: unverified progress is shown, never counted
(tracker.domain.realisation)."""
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.realisation import (OUTCOMES, REJECTED, SUBMITTED, VERIFIED, ActionState,
                                        Entry, action_outcome, action_realisation, action_state,
                                        claimed_progress, completion_rate, deadline, due_quarters,
                                        latest_verified_percent, mean_rate, overdue_quarters,
                                        rates_from_latest,
                                        unit_realisation)
from tracker.domain.periods import Quarter


def e(percent, status, day, quarter="2022-TW1", id=0):
    return Entry(quarter=quarter, percent=percent, status=status,
                 submitted_at=datetime(2022, 1, day, 9, 0), id=id)


def test_latest_verified_counts_not_the_highest():
    entries = [e(100, VERIFIED, 1), e(60, VERIFIED, 5)]
    assert action_realisation(entries) == 60.0


def test_unverified_is_shown_but_not_counted():
    entries = [e(40, VERIFIED, 1), e(90, SUBMITTED, 5)]
    assert action_realisation(entries) == 40.0
    assert claimed_progress(entries) == 90.0


def test_rejected_is_ignored_everywhere():
    entries = [e(40, VERIFIED, 1), e(100, REJECTED, 5)]
    assert action_realisation(entries) == 40.0
    assert claimed_progress(entries) == 40.0
    assert action_outcome(entries) == "dalam_proses"


def test_only_rejected_entries_means_not_followed_up():
    entries = [e(100, REJECTED, 1), e(50, REJECTED, 2)]
    assert action_realisation(entries) == 0.0
    assert claimed_progress(entries) is None
    assert action_outcome(entries) == "belum"


def test_no_entries():
    assert action_realisation([]) == 0.0
    assert claimed_progress([]) is None
    assert action_outcome([]) == "belum"


def test_ties_in_submission_time_broken_by_id():
    entries = [e(30, VERIFIED, 3, id=2), e(70, VERIFIED, 3, id=1)]
    assert action_realisation(entries) == 30.0


@pytest.mark.parametrize("entries, outcome", [
    ([e(100, VERIFIED, 1)], "sesuai"),
    ([e(100, SUBMITTED, 1)], "dalam_proses"),            # claimed 100% is not sesuai
    ([e(80, VERIFIED, 1)], "dalam_proses"),
    ([e(100, VERIFIED, 1), e(80, VERIFIED, 2)], "dalam_proses"),
    ([e(0, SUBMITTED, 1)], "dalam_proses"),
    ([], "belum"),
])
def test_outcomes(entries, outcome):
    assert action_outcome(entries) == outcome
    assert outcome in OUTCOMES


def test_not_actionable_wins():
    assert action_outcome([e(100, VERIFIED, 1)], not_actionable=True) == "tidak_dapat"
    assert action_state([], not_actionable=True) == ActionState(0.0, "tidak_dapat")


def test_unit_realisation_and_completion_exclude_tidak_dapat():
    actions = [ActionState(100.0, "sesuai"), ActionState(50.0, "dalam_proses"),
               ActionState(0.0, "belum"), ActionState(0.0, "tidak_dapat")]
    assert unit_realisation(actions) == pytest.approx(50.0)
    assert completion_rate(actions) == pytest.approx(100 / 3)


def test_unit_with_only_tidak_dapat_or_nothing_has_no_rate():
    assert unit_realisation([ActionState(0.0, "tidak_dapat")]) is None
    assert completion_rate([ActionState(0.0, "tidak_dapat")]) is None
    assert unit_realisation([]) is None
    assert completion_rate([]) is None


def test_completion_rate_all_done():
    assert completion_rate([ActionState(100.0, "sesuai")] * 3) == 100.0


def test_mean_rate_skips_units_without_plan():
    assert mean_rate([100.0, 50.0, None]) == 75.0
    assert mean_rate([None, None]) is None
    assert mean_rate([]) is None


def test_deadline_is_quarter_end_plus_grace():
    assert deadline(Quarter(2022, 1), 15) == date(2022, 4, 15)
    assert deadline(Quarter(2021, 4), 0) == date(2021, 12, 31)
    assert deadline(Quarter(2021, 4), 15) == date(2022, 1, 15)


def test_overdue_with_grace_days():
    planned = ["2021-TW4", "2022-TW1"]
    # 2021-TW4 deadline is 2022-01-15 with 15 grace days: not overdue on the day itself.
    assert overdue_quarters(planned, [], date(2022, 1, 15)) == []
    assert overdue_quarters(planned, [], date(2022, 1, 16)) == ["2021-TW4"]
    assert overdue_quarters(planned, [], date(2022, 1, 16), grace_days=30) == []
    assert overdue_quarters(planned, [], date(2022, 4, 16)) == ["2021-TW4", "2022-TW1"]


def test_late_reporting_needs_a_report_that_was_not_rejected():
    planned = ["2021-TW4", "2022-TW1"]
    today = date(2022, 6, 1)
    verified_q4 = [e(50, VERIFIED, 10, quarter="2021-TW4")]
    assert overdue_quarters(planned, verified_q4, today) == ["2022-TW1"]
    # A report waiting for the inspector is not late reporting.
    submitted_q4 = [e(50, SUBMITTED, 10, quarter="2021-TW4")]
    assert overdue_quarters(planned, submitted_q4, today) == ["2022-TW1"]
    rejected_q4 = [e(50, REJECTED, 10, quarter="2021-TW4")]
    assert overdue_quarters(planned, rejected_q4, today) == ["2021-TW4", "2022-TW1"]


def test_overdue_accepts_written_quarter_forms_and_normalises():
    assert overdue_quarters(["2021 TW IV"], [], date(2022, 2, 1)) == ["2021-TW4"]
    entries = [e(10, VERIFIED, 5, quarter="2021 TW IV")]
    assert overdue_quarters(["2021-TW4"], entries, date(2022, 2, 1)) == []


def test_due_window():
    planned = ["2022-TW1"]  # deadline 2022-04-15 with 15 grace days
    assert due_quarters(planned, [], date(2022, 4, 7)) == []             # 8 days ahead
    assert due_quarters(planned, [], date(2022, 4, 8)) == ["2022-TW1"]   # 7 days ahead
    assert due_quarters(planned, [], date(2022, 4, 15)) == ["2022-TW1"]  # the deadline day
    assert due_quarters(planned, [], date(2022, 4, 16)) == []            # now overdue instead
    assert due_quarters(planned, [], date(2022, 4, 1), window_days=14) == ["2022-TW1"]


def test_due_is_silent_once_reported_even_unverified():
    planned = ["2022-TW1"]
    today = date(2022, 4, 10)
    assert due_quarters(planned, [e(50, SUBMITTED, 1, quarter="2022-TW1")], today) == []
    assert due_quarters(planned, [e(50, VERIFIED, 1, quarter="2022-TW1")], today) == []
    assert due_quarters(planned, [e(50, REJECTED, 1, quarter="2022-TW1")], today) == ["2022-TW1"]
    assert due_quarters(planned, [e(50, SUBMITTED, 1, quarter="2021-TW4")], today) == ["2022-TW1"]


# --- rates_from_latest: the bulk readers' shortcut equals the full rule -----------------------
_entry = st.builds(
    Entry, quarter=st.sampled_from(["2022-TW1", "2022-TW2", "2022-TW3", "2022-TW4"]),
    percent=st.sampled_from([0, 12.5, 50, 99.99, 100]),
    status=st.sampled_from([SUBMITTED, VERIFIED, REJECTED]),
    submitted_at=st.sampled_from([datetime(2022, 4, d) for d in (1, 2, 3)]),
    id=st.integers(1, 50))
_action = st.tuples(st.lists(_entry, max_size=6), st.booleans())


@given(st.lists(_action, max_size=12))
def test_rates_from_latest_equal_the_rule_over_all_entries(actions):
    states = [action_state(entries, na) for entries, na in actions]
    latest = [(action_realisation(entries) if any(x.status == VERIFIED for x in entries) else None, na)
              for entries, na in actions]
    realisation, completion, n = rates_from_latest(latest)
    assert n == len(actions)
    assert realisation == (pytest.approx(unit_realisation(states)) if realisation is not None
                           else unit_realisation(states))
    assert completion == (pytest.approx(completion_rate(states)) if completion is not None
                          else completion_rate(states))


def test_rates_from_latest_examples():
    assert rates_from_latest([]) == (None, None, 0)
    assert rates_from_latest([(None, True), (80, True)]) == (None, None, 2)
    assert rates_from_latest([(100, False), (None, False), (50, False), (10, True)]) == (50.0, 100 / 3, 4)


def test_latest_verified_percent_is_none_without_a_verified_entry():
    assert latest_verified_percent([]) is None
    assert latest_verified_percent([e(80, SUBMITTED, 2), e(90, REJECTED, 3)]) is None
    assert latest_verified_percent([e(100, VERIFIED, 1), e(0, VERIFIED, 5), e(70, SUBMITTED, 6)]) == 0.0
