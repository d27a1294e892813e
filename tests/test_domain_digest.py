"""A plan's digest (domain/digest.py) gives on every day exactly the status and grid cells that
the rules give from the plan's actions, after a trip through JSON as the database keeps it."""
from __future__ import annotations

import json
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain import digest as D
from tracker.domain import realisation as R
from tracker.domain.periods import parse_quarter

QUARTERS = ["2023-TW1", "2023-TW2", "2023-TW3", "2023-TW4", "2024-TW1", "2024-TW3"]


@st.composite
def action_facts(draw, ident):
    quarters = draw(st.lists(st.sampled_from(QUARTERS), unique=True, max_size=4))
    reported = draw(st.lists(st.sampled_from(QUARTERS), unique=True, max_size=4))
    verified = [q for q in reported if draw(st.booleans())]
    percent = draw(st.one_of(st.none(), st.sampled_from([0.0, 12.5, 50.5, 99.99, 100.0, 1 / 3])))
    claimed = draw(st.one_of(st.none(), st.sampled_from([0.0, 40.0, 77.7, 100.0])))
    return R.ActionFacts(draw(st.sampled_from(["waktu", "biaya", "sarpras", "sdm"])), tuple(quarters),
                         percent, claimed, tuple(reported), draw(st.booleans()), draw(st.booleans()),
                         ident, tuple(verified), draw(st.booleans()))


@st.composite
def plans(draw):
    n = draw(st.integers(0, 7))
    return [draw(action_facts(100 + i)) for i in range(n)]


def stored(actions, grace):
    """The digest as a reader gets it back from the database (JSON text)."""
    return json.loads(json.dumps(D.plan_digest(actions, grace)))


def cell_reference(actions, as_of, grace):
    """The monitoring grid's rule, written straight from its words."""
    out = {}
    for a in actions:
        if a.not_actionable:
            continue
        for q in a.quarters:
            if q in a.verified:
                state = "verified"
            elif q in a.reported:
                state = "pending"
            elif parse_quarter(q).end + timedelta(days=grace) < as_of:
                state = "late"
            else:
                state = "due"
            out.setdefault(q, {}).setdefault(state, 0)
            out[q][state] += 1
    return out


@settings(max_examples=300, deadline=None)
@given(plans(), st.dates(date(2023, 1, 1), date(2025, 6, 30)), st.integers(0, 40), st.booleans())
def test_status_from_the_digest_is_plan_status_on_any_day(actions, as_of, grace, accepted):
    d = stored(actions, grace)
    for day in (as_of, as_of + timedelta(days=29), as_of + timedelta(days=31), as_of + timedelta(days=400)):
        assert D.status_from_digest(d, day, accepted) == R.plan_status(actions, day, grace, accepted=accepted)


@settings(max_examples=300, deadline=None)
@given(plans(), st.dates(date(2023, 1, 1), date(2025, 6, 30)), st.integers(0, 40))
def test_grid_cells_from_the_digest_are_the_rule_on_any_day(actions, as_of, grace):
    d = stored(actions, grace)
    for day in (as_of, as_of + timedelta(days=90), as_of + timedelta(days=400)):
        expected = cell_reference(actions, day, grace)
        assert D.quarter_states_from_digest(d, day) == expected


def test_a_deadline_is_judged_on_the_day_after_it():
    """2023-TW1 ends on 31 March; with 15 days' grace its deadline is 15 April: late from the
    16th, and late over 30 days from 16 May."""
    a = R.ActionFacts("waktu", ("2023-TW1",), None, None, id=7)
    d = stored([a], 15)
    assert D.status_from_digest(d, date(2023, 4, 15)).late == {}
    on_16 = D.status_from_digest(d, date(2023, 4, 16))
    assert on_16.late == {7: ["2023-TW1"]} and on_16.late_long == 0
    assert D.status_from_digest(d, date(2023, 5, 16)).late_long == 1
    assert D.quarter_states_from_digest(d, date(2023, 4, 15)) == {"2023-TW1": {"due": 1}}
    assert D.quarter_states_from_digest(d, date(2023, 4, 16)) == {"2023-TW1": {"late": 1}}
