"""Each role's home page: open tasks link to where they are done and disappear when done."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.test_followup_workflow import UNIT_A, World
from tracker.extensions import db
from tracker.models import ProgressEntry


@pytest.fixture(params=[False, True], ids=["computed", "kept"])
def world(loaded, client, app, request):
    """Every test runs twice: with the tasks computed on each visit, and with the tasks kept
    (tracker.home.kept), where each visit is also compared with the page computed now."""
    app.config["HOME_KEPT"] = request.param
    w = World(client)
    w.app = app
    return w


def count(html, key):
    m = re.search(rf'id="task-{key}" data-count="(\d+)"', html)
    assert m, key
    return int(m.group(1))


def _without_messages(html: str) -> str:
    return re.sub(r'<div class="flash[^"]*" role="alert">.*?</div>', "", html)


def home(world):
    r = world.client.get("/")
    assert r.status_code == 200
    html = r.data.decode()
    if world.app.config["HOME_KEPT"]:
        # The first visit after a change computes and keeps, the next one reads what was kept.
        again = world.client.get("/").data.decode()
        assert _without_messages(html) == _without_messages(again) == computed_home(world)
    return html


def computed_home(world) -> str:
    """The home computed now, nothing kept used or kept."""
    world.app.config["HOME_KEPT"] = False
    try:
        r = world.client.get("/")
    finally:
        world.app.config["HOME_KEPT"] = True
    assert r.status_code == 200
    return _without_messages(r.data.decode())


def test_tasks_follow_the_work_through_every_role(world):
    world.login("m1@kota.go.id")
    html = home(world)
    # 2021 is the latest period with results: unit A has no plan for it yet.
    assert count(html, "write") == 1 and f"{UNIT_A}: tulis RTL Tahun 2021" in html
    assert 'href="/rtl/2021/unit/%d"' % world.a_id in html
    assert count(html, "report") == 0 and count(html, "rejected") == 0
    plan = world.full_plan("2021")
    html = home(world)
    assert count(html, "write") == 1 and "draf belum diajukan" in html  # written, not submitted
    world.submit(plan)
    assert count(home(world), "write") == 0
    world.login("admin@kota.go.id")
    html = home(world)
    assert count(html, "accept") == 1 and f"{UNIT_A}: RTL Tahun 2021" in html
    world.accept(plan)
    html = home(world)
    assert count(html, "accept") == 0 and 'id="recent-imports"' in html
    world.login("m1@kota.go.id")
    html = home(world)
    n = count(html, "report")
    assert n == sum(len(a.quarters) for a in plan.actions)  # 2021/2022 quarters have all started
    action = plan.actions[0]
    world.log(action, action.quarters[0], 50)
    assert count(home(world), "report") == n - 1
    world.login("inspektur@kota.go.id")
    html = home(world)
    assert count(html, "queue") == 1
    entry = ProgressEntry.query.one()
    world.review(entry, "rejected", comment="Bukti kurang jelas")
    assert count(home(world), "queue") == 0
    world.login("m1@kota.go.id")
    html = home(world)
    assert count(html, "rejected") == 1 and "Bukti kurang jelas" in html
    assert f"/rtl/laporan/{entry.id}/ajukan-ulang" in html
    assert count(html, "report") == n  # a rejected report does not count as reported


def test_inspector_home_lists_findings_of_the_latest_period_with_accepted_plans(world):
    plan = world.accepted_plan("2021-S1")
    world.login("inspektur@kota.go.id")
    html = home(world)
    late = count(html, "late")
    assert late == 1 and UNIT_A in html  # 2021 quarters long past, nothing reported
    assert count(html, "unfinished") == len(plan.actions)
    assert count(html, "no_plan") > 0  # the other units have results and no plan
    assert "/rtl/pemantauan?period=2021-S1&amp;outcome=late" in html


def test_manager_sees_only_own_units_tasks(world):
    world.login("m2@kota.go.id")
    html = home(world)
    assert UNIT_A not in html


def test_notification_badges_clear_when_the_task_is_done(world):
    from tracker.models import Notification
    plan = world.accepted_plan("2021-S1")

    def unread(email):
        db.session.expire_all()
        from tracker.models import User
        user = User.query.filter_by(email=email).one()
        return Notification.query.filter_by(user_id=user.id, read_at=None).count()

    admin_before = unread("admin@kota.go.id")
    assert admin_before == 0  # the submission notice was cleared by the decision
    world.login("m1@kota.go.id")
    action = plan.actions[0]
    world.log(action, action.quarters[0], 40)
    assert unread("inspektur@kota.go.id") == 1
    world.login("inspektur@kota.go.id")
    html = world.client.get("/").data.decode()
    assert re.search(r'Notifikasi <span class="badge">1</span>', html)
    world.review(ProgressEntry.query.one(), "rejected", comment="Lengkapi bukti")
    assert unread("inspektur@kota.go.id") == 0
    html = world.client.get("/").data.decode()
    assert not re.search(r'Notifikasi <span class="badge">', html)
    manager_unread = unread("m1@kota.go.id")
    assert manager_unread >= 1  # the rejection asks for an answer
    world.login("m1@kota.go.id")
    entry = ProgressEntry.query.one()
    r = world.client.post(f"/rtl/laporan/{entry.id}/ajukan-ulang",
                          data={"version": entry.version, "quarter": entry.quarter, "percent": "60",
                                "narrative": "Sudah dilengkapi", "link": "https://bukti.test/x",
                                "keep_evidence": "y"})
    assert r.status_code == 302, r.data.decode()[:2000]
    assert unread("m1@kota.go.id") == manager_unread - 1


def test_monitoring_choice_in_one_query_equals_the_two_it_replaces(world):
    """The period list and the default period (latest with accepted plans, never a period one
    unit happened to start) come from one query; the same as the separate readers give."""
    from tests.factories import PlanFactory
    from tests.helpers import QueryCounter
    from tracker.models import Unit
    from tracker.monitoring import queries as Q
    from tracker.results.service import ensure_period
    assert Q.monitoring_choice() == ([], None)
    world.accepted_plan("2021-S1")
    later = ensure_period("2022-Q1", "questionnaire")
    PlanFactory(unit=Unit.query.filter_by(name=UNIT_A).one(), period=later, status="draft")
    db.session.commit()
    with QueryCounter() as q:
        codes, default = Q.monitoring_choice()
    assert q.count == 1
    assert (codes, default) == (Q.monitoring_codes(), Q.default_code(Q.monitoring_codes()))
    assert codes == ["2022", "2022-Q1", "2021", "2021-S1"] and default == "2021-S1"


def test_monitoring_grid_heads_its_columns_with_the_planned_quarters(world):
    """The grid's columns are the quarters the accepted plans schedule, each headed by year
    and TW, also when the late list below it is filled."""
    from tracker.monitoring import queries as Q
    plan = world.accepted_plan("2021-S1")
    planned = sorted({q for a in plan.actions for q in a.quarters})
    world.login("inspektur@kota.go.id")
    html = world.client.get("/rtl/pemantauan?period=2021-S1").get_data(as_text=True)
    heads = re.findall(r'<th class="q">(.*?)</th>', html)
    assert heads == [f"{q[:4]}<br>TW {q[-1]}" for q in planned]
    assert "Terlambat melapor" in html and Q.build("2021-S1", date.today()).quarters == planned
