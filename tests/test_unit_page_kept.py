"""The unit results page from its kept figures (tracker.results.unit_page): the same page as
computed, and never a page of data that changed since its figures were kept."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, update

from tests.helpers import QueryCounter
from tests.test_followup_workflow import World
from tracker.extensions import db
from tracker.models import Plan, ProgressEntry, Unit, UnitPage
from tracker.results import unit_page

CODES = ("2021-S1", "2021-S2", "2021")


@pytest.fixture
def world(loaded, client, app):
    app.config["UNIT_PAGE_KEPT"] = True
    w = World(client)
    w.app = app
    w.login("inspektur@kota.go.id")
    return w


def path(unit_id, code="2021-S1"):
    return f"/periode/{code}/unit/{unit_id}"


def _page(r) -> str:
    """The page without the messages of earlier steps (shown once, by whichever page is next)."""
    assert r.status_code == 200
    return re.sub(r'<div class="flash[^"]*" role="alert">.*?</div>', "", r.get_data(as_text=True))


def computed(world, unit_id, code="2021-S1") -> str:
    """The page computed now, with nothing kept used (or kept)."""
    world.app.config["UNIT_PAGE_KEPT"] = False
    try:
        r = world.client.get(path(unit_id, code))
    finally:
        world.app.config["UNIT_PAGE_KEPT"] = True
    return _page(r)


def shown(world, unit_id, code="2021-S1") -> str:
    return _page(world.client.get(path(unit_id, code)))


def kept_row(unit_id, code="2021-S1"):
    db.session.expire_all()
    return db.session.get(UnitPage, (unit_id, code))


def version(unit_id) -> int:
    return db.session.execute(select(Unit.page_version).where(Unit.id == unit_id)).scalar_one()


def test_the_kept_page_is_the_computed_page(world):
    plan = world.accepted_plan("2021-S1")  # the follow-up section has a plan and its effects
    world.login("m1@kota.go.id")
    world.log(plan.actions[0], plan.actions[0].quarters[0], 60)
    world.login("inspektur@kota.go.id")
    world.review(ProgressEntry.query.one(), "verified")
    for unit_id in (world.a_id, world.b_id):
        for code in CODES:
            assert kept_row(unit_id, code) is None
            first = shown(world, unit_id, code)  # computed, then kept
            row = kept_row(unit_id, code)
            assert row is not None and row.version == version(unit_id)
            assert first == computed(world, unit_id, code)
            assert shown(world, unit_id, code) == first  # now from the kept figures
    html = shown(world, world.a_id, "2021-S2")
    assert "Efek RTL Semester I 2021" in html and "60,00%" in html
    assert "Semester I 2021 (" in shown(world, world.a_id, "2021")  # the year's parts


def test_the_kept_figures_are_what_is_shown(world):
    shown(world, world.a_id)
    row = kept_row(world.a_id)
    doc = json.loads(row.body)
    doc["unit"]["name"] = "Nama dari dokumen tersimpan"
    row.body = json.dumps(doc)
    db.session.execute(update(UnitPage).where(UnitPage.unit_id == world.a_id, UnitPage.code == "2021-S1")
                       .values(body=json.dumps(doc)))  # not a change of anything a page shows
    db.session.commit()
    assert "Nama dari dokumen tersimpan" in shown(world, world.a_id)
    # A document of another layout is not read.
    doc["v"] = unit_page.FORMAT + 1
    db.session.execute(update(UnitPage).values(body=json.dumps(doc)))
    db.session.commit()
    assert "Nama dari dokumen tersimpan" not in shown(world, world.a_id)


def _primed(world, *unit_ids):
    for unit_id in unit_ids:
        shown(world, unit_id)
        assert kept_row(unit_id) is not None


def test_each_change_to_what_the_page_shows_is_seen_at_once(world):
    a, b = world.a_id, world.b_id
    _primed(world, a, b)
    b_version = version(b)
    # A plan written, submitted and accepted (plans and actions through the web).
    plan = world.accepted_plan("2021-S1")
    html = shown(world, a)
    assert "Status RTL" in html and html == computed(world, a)
    # A progress report and its verification change the realisation shown.
    _primed(world, a)
    world.login("m1@kota.go.id")
    world.log(plan.actions[0], plan.actions[0].quarters[0], 40)
    world.login("inspektur@kota.go.id")
    world.review(ProgressEntry.query.one(), "verified")
    html = shown(world, a)
    assert "13,33%" in html and html == computed(world, a)  # 40% of one action of three
    # The unit's own details.
    _primed(world, a)
    unit = db.session.get(Unit, a)
    unit.contact = "Ibu Sri (narahubung baru)"
    db.session.commit()
    html = shown(world, a)
    assert "Ibu Sri (narahubung baru)" in html and html == computed(world, a)
    # Nothing of unit B changed: its kept figures are still the ones used.
    assert version(b) == b_version
    # A period's numbering changes every unit's page.
    _primed(world, a, b)
    from tracker.models import Period
    period = Period.query.filter_by(code="2021-S1").one()
    period.numbering = "regulation" if period.numbering != "regulation" else "questionnaire"
    db.session.commit()
    for unit_id in (a, b):
        assert shown(world, unit_id) == computed(world, unit_id)
        assert kept_row(unit_id).version == version(unit_id)


def test_an_import_changes_every_units_page(world):
    from tests.conftest import DATA
    from tracker.imports.service import import_scores
    a, b = world.a_id, world.b_id
    _primed(world, a, b)
    before = {u: version(u) for u in (a, b)}
    source = (DATA / "surakarta-2021-S2.csv").read_bytes()
    import_scores(source, "ulang.csv", "2021-S1", "questionnaire", user="test", replace=True)
    for unit_id in (a, b):
        assert version(unit_id) > before[unit_id]
        assert shown(world, unit_id) == computed(world, unit_id)


def test_a_bulk_statement_changes_every_units_page_but_a_version_claim_does_not(world):
    a = world.a_id
    _primed(world, a)
    before = version(a)
    plan = world.accepted_plan("2021-S1")
    db.session.refresh(plan)
    claimed = version(a)
    # The compare-and-set of followup.workflow on a row's version alone shows nothing new.
    db.session.execute(update(Plan).where(Plan.id == plan.id).values(version=plan.version + 1))
    db.session.commit()
    assert version(a) == claimed > before
    # Anything else sent in bulk on a table a page shows (a merge's, an import's).
    db.session.execute(update(Unit).where(Unit.id == a).values(phone="0271-000"))
    db.session.commit()
    assert version(a) == claimed + 1
    assert "0271-000" in shown(world, a)


def test_a_flush_that_changes_no_column_changes_no_page(world):
    a = world.a_id
    before = version(a)
    unit = db.session.get(Unit, a)
    unit.name = unit.name  # marked dirty, nothing changed
    db.session.commit()
    assert version(a) == before


def test_figures_computed_before_a_change_are_never_used(world):
    """A request that read the version, then computed from data another request changed
    meanwhile, keeps its figures under the older version: they are not used."""
    a = world.a_id
    state = unit_page.state(a, "2021-S1")
    doc = unit_page.compute("2021-S1", a)
    db.session.rollback()
    unit = db.session.get(Unit, a)
    unit.contact = "diubah sementara dihitung"
    db.session.commit()
    unit_page.keep(a, "2021-S1", state.version, doc)
    assert kept_row(a).version == state.version < version(a)
    assert unit_page.state(a, "2021-S1").doc is None
    assert "diubah sementara dihitung" in shown(world, a)
    assert kept_row(a).version == version(a)
    # And older figures never replace newer ones.
    newer = kept_row(a).body
    unit_page.keep(a, "2021-S1", state.version, doc)
    assert kept_row(a).body == newer


def test_a_merge_moves_the_page_and_removes_the_duplicates_kept_figures(world):
    """The admin merges unit A into a new unit C: A's results move to C in bulk (C's page is
    computed, not an old one) and A's kept figures go with A."""
    a = world.a_id
    _primed(world, a)
    keep = Unit(name="Unit Gabungan", name_key="unit gabungan")
    db.session.add(keep)
    db.session.commit()
    world.login("admin@kota.go.id")
    r = world.client.post("/admin/unit/gabung", data={"duplicate_id": a, "keep_id": keep.id, "confirm": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert db.session.execute(select(UnitPage).where(UnitPage.unit_id == a)).first() is None
    assert world.client.get(path(a)).status_code == 404
    html = shown(world, keep.id)
    assert "Unit Gabungan" in html and html == computed(world, keep.id)


def test_a_kept_page_costs_two_statements_whatever_the_unit(world):
    """A kept page reads the user's session state, then the unit, its questionnaire and its
    kept figures in one query: nothing of results, plans or respondents."""
    a, b = world.a_id, world.b_id
    world.accepted_plan("2021-S1")
    world.login("inspektur@kota.go.id")
    _primed(world, a, b)
    counts = []
    for unit_id in (a, b):
        with QueryCounter() as counted:
            shown(world, unit_id)
        counts.append(counted.count)
        sent = " ".join(s for s, _ in counted.sent)
        assert "unit_result" not in sent and '"plan"' not in sent and "response_block" not in sent
    world.app.config["UNIT_PAGE_KEPT"] = False
    with QueryCounter() as full:
        shown(world, a)
    assert counts[0] == counts[1] < full.count
