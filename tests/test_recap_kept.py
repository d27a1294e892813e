"""The period recap from its kept figures (tracker.results.recap_kept): the same page as
computed, for every role, period kind and aggregation, and never figures of results that
changed since; reports and plans leave them alone."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, update

from tests.helpers import QueryCounter
from tests.test_followup_workflow import World
from tracker import changes
from tracker.extensions import db
from tracker.models import RecapPage, Unit

PAGES = ("/periode/2021-S1", "/periode/2021-S2", "/periode/2021", "/periode/2021?agregasi=tertimbang")


@pytest.fixture
def world(loaded, client, app):
    app.config["RECAP_KEPT"] = True
    w = World(client)
    w.app = app
    return w


def _page(r) -> str:
    assert r.status_code == 200
    return re.sub(r'<div class="flash[^"]*" role="alert">.*?</div>', "", r.get_data(as_text=True))


def shown(world, path="/periode/2021") -> str:
    return _page(world.client.get(path))


def computed(world, path="/periode/2021") -> str:
    world.app.config["RECAP_KEPT"] = False
    try:
        return _page(world.client.get(path))
    finally:
        world.app.config["RECAP_KEPT"] = True


def results_count() -> int:
    return db.session.execute(select(changes.city_count(changes.RESULTS))).scalar_one()


def rows():
    db.session.expire_all()
    return RecapPage.query.all()


@pytest.mark.parametrize("email", ["admin@kota.go.id", "inspektur@kota.go.id", "m1@kota.go.id"])
def test_the_kept_recap_is_the_computed_recap(world, email):
    world.login(email)
    for path in PAGES:
        first = shown(world, path)
        assert first == computed(world, path)
        assert shown(world, path) == first
    assert len(rows()) == len(PAGES)
    html = shown(world, "/periode/2021")
    assert "Tabel 3.1" in html and ("Naik" in html or "Turun" in html)


def test_the_kept_figures_are_what_is_shown(world):
    world.login("inspektur@kota.go.id")
    shown(world)
    (row,) = rows()
    doc = json.loads(row.body)
    doc["label"] = "Label dari rekap tersimpan"
    db.session.execute(update(RecapPage).values(body=json.dumps(doc)))
    db.session.commit()
    assert "Label dari rekap tersimpan" in shown(world)


def test_reports_and_plans_leave_the_recap_alone_results_and_units_do_not(world):
    world.login("inspektur@kota.go.id")
    shown(world)
    before = results_count()
    world.accepted_plan("2021-S1")
    assert results_count() == before
    world.login("inspektur@kota.go.id")
    assert rows()[0].count == before  # still the figures kept
    unit = db.session.get(Unit, world.b_id)
    unit.name = "Unit B Berganti Nama"
    db.session.commit()
    assert results_count() > before
    html = shown(world)
    assert "Unit B Berganti Nama" in html and html == computed(world)
    from tests.conftest import DATA
    from tracker.imports.service import import_scores
    before = results_count()
    import_scores((DATA / "surakarta-2021-S1.csv").read_bytes(), "ulang.csv", "2021-S2", "questionnaire",
                  user="test", replace=True)
    assert results_count() > before
    assert shown(world) == computed(world)


def test_the_order_of_groups_changes_the_recap(world):
    world.login("admin@kota.go.id")
    shown(world, "/periode/2021-S1")
    before = results_count()
    groups = sorted({u.group for u in Unit.query.all() if u.group}, reverse=True)
    r = world.client.post("/admin/laporan/urutan", data={"order": "\n".join(groups)})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert results_count() > before
    assert shown(world, "/periode/2021-S1") == computed(world, "/periode/2021-S1")


def test_figures_computed_before_a_change_are_never_used(world):
    from tracker.results import recap_kept
    world.login("inspektur@kota.go.id")
    shown(world)
    (row,) = rows()
    state = recap_kept.read(row.key)
    assert state.doc is not None
    stale = dict(state.doc, label="Rekap lama")
    db.session.rollback()
    unit = db.session.get(Unit, world.a_id)
    unit.group = "Kelompok Baru"
    db.session.commit()
    recap_kept.keep(row.key, state.count, stale)
    assert recap_kept.read(row.key).doc is None
    assert "Rekap lama" not in shown(world)


def test_a_kept_recap_reads_no_result(world):
    world.login("inspektur@kota.go.id")
    shown(world)
    with QueryCounter() as counted:
        shown(world)
    sent = " ".join(s for s, _ in counted.sent)
    assert "unit_result" not in sent and "response_block" not in sent
    assert counted.count <= 4, counted.statements


def test_a_bulk_statement_on_results_changes_the_recap(world):
    from tracker.models import UnitResult
    world.login("inspektur@kota.go.id")
    shown(world, "/periode/2021-S1")
    before = results_count()
    db.session.execute(update(UnitResult).where(UnitResult.unit_id == world.a_id).values(respondents=4321))
    db.session.commit()
    assert results_count() > before
    html = shown(world, "/periode/2021-S1")
    assert html == computed(world, "/periode/2021-S1")


def test_a_writer_around_the_orm_outdates_the_kept_figures_with_the_pages(world):
    """A writer that bypasses the ORM calls ``web.cache.bump(connection)`` in its own
    transaction, as another process would: the kept figures are outdated with the pages."""
    from sqlalchemy import create_engine, text

    from tracker.web import cache
    world.login("inspektur@kota.go.id")
    shown(world)
    other = create_engine(world.app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as conn:
        conn.execute(text("UPDATE unit SET name = 'Nama Dari Proses Lain' WHERE id = :u"), {"u": world.b_id})
        cache.bump(conn)
    other.dispose()
    db.session.expire_all()
    assert "Nama Dari Proses Lain" in shown(world)
