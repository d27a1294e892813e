"""Each action's derived state (tracker/followup/state.py) stays equal to the domain rule
applied to its entries: through the web workflow, direct ORM changes in any order, rollbacks,
the migration that introduced it and the rebuild command."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import ActionFactory, PlanFactory, UnitFactory
from tests.test_followup_progress import world  # noqa: F401  (fixture)
from tracker.domain import digest
from tracker.domain import realisation as R
from tracker.extensions import db
from tracker.followup import rates
from tracker.followup.state import action_facts
from tracker.models import Action, Plan, ProgressEntry
from tracker.results.service import ensure_period

A = Action.__table__


def stored(action_id: int):
    row = db.session.execute(select(A.c.state_percent, A.c.state_outcome, A.c.state_verified)
                             .where(A.c.id == action_id)).one()
    return row.state_percent, row.state_outcome, list(row.state_verified or [])


def expected(action: Action):
    db.session.refresh(action)
    entries = rates.entries_of(action)
    state = R.action_state(entries, action.not_actionable)
    verified = any(e.status == R.VERIFIED for e in entries)
    return (state.realisation if verified else None), state.outcome, R.verified_quarters(entries)


def assert_consistent():
    db.session.expire_all()
    actions = Action.query.all()
    for action in actions:
        assert stored(action.id) == expected(action), f"action {action.id}"
        row = db.session.execute(select(A.c.state_claimed, A.c.state_reported, A.c.state_pending)
                                 .where(A.c.id == action.id)).one()
        entries = rates.entries_of(action)
        assert (row.state_claimed, list(row.state_reported or []), bool(row.state_pending)) == (
            R.claimed_progress(entries), R.reported_quarters(entries),
            any(e.status == R.SUBMITTED for e in entries)), f"action {action.id}"
    P = Plan.__table__
    for plan in Plan.query.all():
        row = db.session.execute(select(P.c.state_realisation, P.c.state_completion, P.c.state_actions)
                                 .where(P.c.id == plan.id)).one()
        full = rates.plan_rate(plan)
        assert (row.state_realisation, row.state_completion, row.state_actions) == (
            full.realisation, full.completion, full.actions), f"plan {plan.id}"
        # Its reports at a glance, counted here from the entries themselves.
        entries = [e for a in plan.actions for e in a.entries]
        times = [t for e in entries for t in (e.submitted_at, e.reviewed_at) if t is not None]
        waiting = [e.submitted_at for e in entries if e.status == R.SUBMITTED]
        row = db.session.execute(select(P.c.state_updated_at, P.c.state_pending_count, P.c.state_pending_since)
                                 .where(P.c.id == plan.id)).one()
        assert (row.state_updated_at, row.state_pending_count or 0, row.state_pending_since) == (
            max(times, default=None), len(waiting), min(waiting, default=None)), f"plan {plan.id}"
        # Its status digest: the one its actions give now, as the database returns it.
        kept = db.session.execute(select(P.c.state_digest).where(P.c.id == plan.id)).scalar()
        facts = [f for _, f in action_facts(db.session.connection(), [plan.id])]
        assert kept == json.loads(json.dumps(digest.plan_digest(facts, plan.period.progress_grace_days))), \
            f"plan {plan.id}"
    return len(actions)


def test_state_follows_the_web_workflow(world):  # noqa: F811
    w = world
    a = w.action
    q1, q2 = a.quarters[0], a.quarters[1]
    assert stored(a.id) == (None, "belum", [])
    w.log(a, q1, 70)
    assert stored(a.id) == (None, "dalam_proses", [])
    entry = ProgressEntry.query.one()
    w.login("inspektur@kota.go.id")
    db.session.refresh(a)
    version = a.version
    w.review(entry, "rejected", "Bukti kurang")
    assert stored(a.id) == (None, "belum", [])
    w.login("m1@kota.go.id")
    w.log(a, q1, 70)
    second = ProgressEntry.query.filter_by(status="submitted").one()
    w.login("inspektur@kota.go.id")
    w.review(second, "verified")
    assert stored(a.id) == (70.0, "dalam_proses", [q1])
    # Refreshing the derived state does not bump the action's version: a person editing the
    # action meanwhile is not told of a conflict that is not one.
    db.session.refresh(a)
    assert a.version == version
    w.login("m1@kota.go.id")
    w.log(a, q2, 100)
    w.login("inspektur@kota.go.id")
    w.review(ProgressEntry.query.filter_by(status="submitted").one(), "verified")
    assert stored(a.id) == (100.0, "sesuai", [q1, q2])
    w.login("admin@kota.go.id")
    db.session.refresh(a)
    r = w.client.post(f"/rtl/kegiatan/{a.id}/tidak-dapat",
                      data={"version": a.version, "flag": "1", "reason": "Di luar kewenangan unit"})
    assert r.status_code == 302
    assert stored(a.id) == (100.0, "tidak_dapat", [q1, q2])
    assert assert_consistent() == len(w.plan.actions)


def _random_city(rng: random.Random):
    period = ensure_period("2023-S1", "questionnaire")
    return [PlanFactory(unit=UnitFactory(name=f"Unit {i}"), period=period) for i in range(3)]


@pytest.mark.parametrize("seed", range(6))
def test_state_survives_random_orm_changes(app, seed):
    """Adds, reviews, un-reviews, marks, unmarks and deletions in random order and batches,
    some rolled back: after every commit or rollback each row equals the rule."""
    rng = random.Random(seed)
    plans = _random_city(rng)
    quarters = ["2023-TW1", "2023-TW2", "2023-TW3"]
    base = datetime(2023, 4, 1)
    for step in range(40):
        actions = Action.query.all()
        entries = ProgressEntry.query.all()
        # One report waiting per action and quarter (a database rule): a random "submitted"
        # that would make a second one becomes "rejected".
        pending = {(e.action_id, e.quarter) for e in entries if e.status == "submitted"}

        def status_for(action_id, quarter, wanted):
            if wanted != "submitted":
                return wanted
            if (action_id, quarter) in pending:
                return "rejected"
            pending.add((action_id, quarter))
            return wanted

        for _ in range(rng.randint(1, 4)):
            op = rng.choice(["action", "entry", "entry", "review", "review", "mark", "delete"])
            if op == "action" or not actions:
                db.session.add(Action(plan=rng.choice(plans), element="waktu", text=f"aksi {step}",
                                      quarters=rng.sample(quarters, rng.randint(1, 3))))
            elif op == "entry":
                action, quarter = rng.choice(actions), rng.choice(quarters)
                db.session.add(ProgressEntry(
                    action=action, quarter=quarter,
                    percent=rng.choice([0, 30, 60, 100]), narrative="x",
                    status=status_for(action.id, quarter, rng.choice(["submitted", "verified", "rejected"])),
                    submitted_at=base + timedelta(days=rng.randint(0, 5))))
            elif op == "review" and entries:
                entry = rng.choice(entries)
                if entry.status != "submitted":  # a report under review changes only by review
                    entry.status = status_for(entry.action_id, entry.quarter,
                                              rng.choice(["submitted", "verified", "rejected"]))
                    if entry.status == "submitted":
                        entry.reviewed_at = None  # waiting again: not reviewed
                else:
                    entry.status = rng.choice(["verified", "rejected"])
                    entry.reviewed_at = base + timedelta(days=rng.randint(6, 30))
                    pending.discard((entry.action_id, entry.quarter))
            elif op == "mark":
                action = rng.choice(actions)
                action.not_actionable = not action.not_actionable
            elif op == "delete":
                # As in the app: only an action without progress can be deleted.
                empty = [x for x in actions if not x.entries]
                if empty:
                    victim = rng.choice(empty)
                    actions.remove(victim)
                    db.session.delete(victim)
        if rng.random() < 0.2:
            db.session.flush()  # the state is written in the transaction, and undone with it
            db.session.rollback()
        else:
            db.session.commit()
        assert_consistent()
    assert Action.query.count() > 0


def test_refresh_state_command_rebuilds_rows_written_around_the_orm(app, runner):
    period = ensure_period("2023-S1", "questionnaire")
    action = ActionFactory(plan=PlanFactory(unit=UnitFactory(name="Unit X"), period=period),
                           quarters=["2023-TW1"])
    # A bulk load with Core (as the bench's synthetic city does) bypasses the ORM flush.
    db.session.execute(ProgressEntry.__table__.insert(), [
        {"action_id": action.id, "quarter": "2023-TW1", "percent": 100.0, "narrative": "x",
         "status": "verified", "submitted_at": datetime(2023, 4, 2), "version": 1}])
    db.session.commit()
    assert stored(action.id) == (None, "belum", [])
    result = runner.invoke(args=["rtl", "refresh-state"])
    assert result.exit_code == 0, result.output
    assert "Status 1 kegiatan dihitung ulang." in result.output
    assert stored(action.id) == (100.0, "sesuai", ["2023-TW1"])


def test_a_plan_without_its_digest_is_judged_from_its_actions(world):  # noqa: F811
    """Rows written around the ORM and never refreshed have no digest: the status is then
    computed from the actions, and is the same."""
    from datetime import date

    from tracker.domain.periods import parse_period
    from tracker.followup import status
    w = world
    w.log(w.action, w.action.quarters[0], 60)
    day = date(2031, 1, 1)
    ref = parse_period(w.plan.period.code)
    kept = status.plan_figures(ref, day)
    db.session.execute(Plan.__table__.update().values(state_digest=None))
    db.session.commit()
    again = status.plan_figures(ref, day)
    assert {u: f.status for u, f in again.items()} == {u: f.status for u, f in kept.items()}
    assert {u: f.digests for u, f in again.items()} == {u: f.digests for u, f in kept.items()}


@pytest.mark.parametrize("fresh_session", [False, True])
def test_plan_figures_read_units_and_periods_in_a_fixed_number_of_queries(app, fresh_session):
    """Units and periods already in the session are not read again, expired ones are read in
    one query with the rest: the count does not grow with the number of plans."""
    from tests.helpers import QueryCounter
    from tracker.domain.periods import parse_period
    from tracker.followup import status
    period = ensure_period("2023-S1", "questionnaire")
    counts = []
    for n in (2, 9):
        for i in range(n):
            plan = PlanFactory(unit=UnitFactory(name=f"Unit {n}-{i}"), period=period)
            ActionFactory(plan=plan, quarters=["2023-TW1"])
        db.session.commit()  # everything loaded so far is expired
        if fresh_session:
            db.session.remove()
        with QueryCounter() as q:
            figures = status.plan_figures(parse_period("2023-S1"))
            names = sorted(f.plans[0].unit.name for f in figures.values())
            codes = {f.plans[0].period.code for f in figures.values()}
        assert len(names) == len(Plan.query.all()) and codes == {"2023-S1"}
        counts.append(q.count)
    assert counts[0] == counts[1], counts


def test_a_digest_of_another_version_is_not_read(world):  # noqa: F811
    """A digest written in another format (its ``v``) is ignored: the status comes from the
    actions, the same as from a current digest."""
    from datetime import date

    from tracker.domain.periods import parse_period
    from tracker.followup import status
    w = world
    w.log(w.action, w.action.quarters[0], 60)
    day, ref = date(2031, 1, 1), parse_period(w.plan.period.code)
    kept = status.plan_figures(ref, day)
    stale = {"v": 0, "n": 0, "no_owner": 0, "unscheduled": [], "el": [], "r": None, "c": None,
             "done": None, "pending": [], "late": [], "unf": [], "cells": {}}
    db.session.execute(Plan.__table__.update().values(state_digest=stale))
    db.session.commit()
    again = status.plan_figures(ref, day)
    assert {u: f.status for u, f in again.items()} == {u: f.status for u, f in kept.items()}
