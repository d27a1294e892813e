"""Home pages from their kept tasks (tracker.home.kept): kept per role, scope and day under
the city's change count (tracker.changes). tests/test_home.py runs every home test with the
tasks kept too, comparing each visit with the page computed now."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from tests.helpers import QueryCounter
from tests.test_followup_workflow import World
from tracker import changes
from tracker.extensions import db
from tracker.models import HomePage, ReportingRound, Unit


@pytest.fixture
def world(loaded, client, app):
    app.config["HOME_KEPT"] = True
    w = World(client)
    w.app = app
    return w


def home(world) -> str:
    r = world.client.get("/")
    assert r.status_code == 200
    return re.sub(r'<div class="flash[^"]*" role="alert">.*?</div>', "", r.data.decode())


def count_now() -> int:
    return db.session.execute(select(changes.city_count())).scalar_one()


def rows():
    db.session.expire_all()
    return HomePage.query.all()


def test_the_kept_tasks_are_what_is_shown(world):
    world.login("inspektur@kota.go.id")
    first = home(world)
    (row,) = rows()
    assert row.count == count_now() and row.day is not None
    tasks = json.loads(row.body)
    tasks[0][1] = "Judul dari tugas tersimpan"
    db.session.execute(update(HomePage).values(body=json.dumps(tasks)))  # changes nothing shown
    db.session.commit()
    assert "Judul dari tugas tersimpan" in home(world)
    assert first != home(world)


def test_each_role_and_each_managers_units_have_their_own_tasks(world):
    for email in ("admin@kota.go.id", "inspektur@kota.go.id", "m1@kota.go.id", "m2@kota.go.id"):
        world.login(email)
        home(world)
    assert len(rows()) == 4
    world.login("m2@kota.go.id")
    html = home(world)
    assert world.a.name not in html  # m2 manages unit B only


def test_any_change_in_the_city_is_seen_at_once(world):
    world.accepted_plan("2021-S1")  # the inspector's home lists the units without one
    world.login("inspektur@kota.go.id")
    home(world)
    before = count_now()
    unit = db.session.get(Unit, world.b_id)
    unit.name = "Unit B Berganti Nama"
    db.session.commit()
    assert count_now() > before
    assert "Unit B Berganti Nama" in home(world)
    # A reporting round (shown on the homes, on no unit's results page) is a change too.
    from tracker.models import Period
    before = count_now()
    versions = dict(db.session.execute(select(Unit.id, Unit.page_version)).all())
    period = Period.query.filter_by(code="2021-S2").one()
    db.session.add(ReportingRound(period=period, deadline=date(2021, 1, 31)))
    db.session.commit()
    assert count_now() > before
    assert dict(db.session.execute(select(Unit.id, Unit.page_version)).all()) == versions
    assert "terlambat melaporkan hasil SKM Semester II 2021" in home(world)


def test_a_new_day_computes_the_tasks_again(world, monkeypatch):
    world.login("inspektur@kota.go.id")
    home(world)
    (row,) = rows()
    today = row.day
    from tracker.home import views
    monkeypatch.setattr(views, "today_wib", lambda: today + timedelta(days=1))
    home(world)
    (row,) = rows()
    assert row.day == today + timedelta(days=1)


def test_tasks_computed_before_a_change_are_never_used(world):
    from tracker.home import kept, queries
    world.login("inspektur@kota.go.id")
    home(world)
    (row,) = rows()
    key, day = row.key, row.day
    state = kept.read(key, day)
    assert state.tasks is not None
    stale = [queries.Task("queue", "Tugas lama", 99, "/")]
    db.session.rollback()
    unit = db.session.get(Unit, world.a_id)
    unit.contact = "berubah"
    db.session.commit()
    kept.keep(key, day, state.count - 1, stale)  # older than what is kept: left alone
    assert "Tugas lama" not in rows()[0].body
    kept.keep(key, day, state.count, stale)  # computed before the change: never used
    assert kept.read(key, day).tasks is None
    assert "Tugas lama" not in home(world)


def test_a_kept_home_reads_no_plan_action_or_result(world):
    """The user, the notification badge, the counter of rendered pages and the kept tasks
    under the city's count: four statements, whatever the city's size."""
    world.accepted_plan("2021-S1")
    for email in ("inspektur@kota.go.id", "m1@kota.go.id"):
        world.login(email)
        home(world)
        with QueryCounter() as counted:
            home(world)
        sent = " ".join(s for s, _ in counted.sent)
        assert '"plan"' not in sent and "action" not in sent and "unit_result" not in sent
        assert counted.count <= 4, counted.statements
