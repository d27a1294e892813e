"""The bulk reader (period_rates, used by trends and dashboards) agrees with the per-plan
reader (plan_rate) that detail pages use: one realisation rule, two access paths."""
import random
from datetime import datetime, timedelta

import pytest

from tracker.extensions import db
from tracker.followup import rates
from tests.factories import ActionFactory, PlanFactory, ReportFactory, UnitFactory
from tracker.results.service import ensure_period


def test_period_rates_equal_plan_rate(app):
    rng = random.Random(7)
    periods = [ensure_period(code, "questionnaire") for code in ("2022-S1", "2022-S2", "2023-S1")]
    units = [UnitFactory(name=f"Unit {i}", group=rng.choice(["UPT", "Kecamatan", None])) for i in range(8)]
    base = datetime(2023, 1, 1)
    for period in periods:
        for unit in units:
            status = rng.choice(["accepted", "accepted", "accepted", "draft", "returned"])
            plan = PlanFactory(unit=unit, period=period, status=status)
            for k in range(rng.randint(0, 4)):
                action = ActionFactory(plan=plan, text=f"aksi {k}", quarters=["2023-TW1"],
                                       not_actionable=rng.random() < 0.1)
                waiting = False
                for _ in range(rng.randint(0, 4)):
                    # equal timestamps on purpose: the id breaks the tie
                    at = base + timedelta(days=rng.choice([0, 1, 1, 2]))
                    status = rng.choice(["submitted", "verified", "verified", "rejected"])
                    if status == "submitted" and waiting:  # one waiting report per quarter
                        status = "rejected"
                    waiting = waiting or status == "submitted"
                    ReportFactory(action=action, quarter="2023-TW1", percent=rng.choice([0, 25, 50, 100]),
                                  narrative="x", status=status, submitted_at=at)
    db.session.commit()
    bulk = rates.period_rates([p.id for p in periods])
    checked = 0
    for plan in rates.load_plans([p.id for p in periods]):
        if plan.status != "accepted":
            assert plan.unit_id not in bulk.get(plan.period_id, {})
            continue
        one = rates.plan_rate(plan)
        other = bulk[plan.period_id][plan.unit_id]
        assert other.realisation == pytest.approx(one.realisation) if one.realisation is not None \
            else other.realisation is None
        assert other.completion == pytest.approx(one.completion) if one.completion is not None \
            else other.completion is None
        assert other.actions == one.actions
        checked += 1
    assert checked > 10


def test_status_equals_plan_rate_and_action_overdue(app):
    """The status read from each action's stored state (followup.status) equals the per-plan
    readers over the ORM objects and their entries."""
    from datetime import date

    from tracker.domain.periods import parse_period
    from tracker.followup.status import plan_figures
    from tracker.models import Period
    test_period_rates_equal_plan_rate(app)  # same random data
    day = date(2024, 6, 1)
    checked = 0
    for period in Period.query.all():
        figures = plan_figures(parse_period(period.code), day)
        for plan in rates.load_plans([period.id]):
            f = figures[plan.unit_id]
            if f.gathered:
                continue
            one = rates.plan_rate(plan)
            if plan.status != "accepted":
                assert f.status.realisation is None
                continue
            assert (one.realisation, one.completion, one.actions) == \
                (f.status.realisation, f.status.completion, f.status.actions)
            late = {a.id: q for a, q in rates.overdue_actions([plan], day)}
            assert f.status.late == late
            checked += 1
    assert checked > 5
