"""Unit aliases and merging duplicate units ("Kelurahan Tirta" / "Kelurahan Tirto").

Imports match a unit's own name or one of its aliases, case- and whitespace-insensitively; the
admin adds or removes aliases on the unit page and merges a duplicate unit into the one kept.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import make_user
from tests.helpers import QueryCounter, snapshot
from tracker.extensions import db
from tests.factories import UnitFactory
from tracker.models import (AuditLog, Notification, Plan, ResponseBlock, Unit, UnitAlias, UnitResult,
                            User)

HEADER = "unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
ROW = "{},100,300,310,280,350,320,330,340,290,360\n"
ADMIN = "admin@kota.go.id"


def scores_file(tmp_path, *units, name="skor.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(ROW.format(u) for u in units), encoding="utf-8")
    return str(path)


def import_scores(runner, path, period, *extra):
    r = runner.invoke(args=["skm", "import-scores", path, "--period", period,
                            "--numbering", "questionnaire", *extra])
    return r


def import_rtl(runner, tmp_path, period, *units, name="rtl.csv"):
    path = tmp_path / name
    path.write_text("unit,element,action,quarters,owner\n" + "".join(
        f"{u},Waktu Penyelesaian,Percepatan layanan {u},2024-TW1,Sekretariat\n" for u in units),
        encoding="utf-8")
    r = runner.invoke(args=["rtl", "import", str(path), "--period", period, "--numbering", "questionnaire"])
    assert r.exit_code == 0, r.output
    return r


def unit(name) -> Unit:
    return Unit.query.filter_by(name=name).one()


def summary_units(runner, period):
    r = runner.invoke(args=["skm", "summary", "--period", period])
    assert r.exit_code == 0, r.output
    return {u["unit"] for u in json.loads(r.output)["units"]}


@pytest.fixture
def admin(client, auth):
    make_user(ADMIN, "admin")
    auth.login(ADMIN)
    return client


def merge(client, dup, keep, confirm=True):
    data = {"duplicate_id": dup.id, "keep_id": keep.id}
    if confirm:
        data["confirm"] = "1"
    return client.post("/admin/unit/gabung", data=data)


# --------------------------------------------------------------------------- lookup

def test_lookup_units_matches_names_and_aliases_in_two_queries(app):
    from tracker.imports.service import lookup_units
    tirta = UnitFactory(name="Kelurahan Tirta", alias_names=["Kelurahan Tirto"])
    other = UnitFactory(name="Dinas Kesehatan")
    names = ["  KELURAHAN   tirto ", "Kelurahan Tirta", "dinas\tkesehatan", "Kelurahan Entah", ""]
    with QueryCounter() as q:
        found = lookup_units(names)
    assert q.count <= 2
    assert found == {"kelurahan tirto": tirta, "kelurahan tirta": tirta, "dinas kesehatan": other}
    with QueryCounter() as q:
        assert lookup_units(["Kelurahan Tirta"]) == {"kelurahan tirta": tirta}
    assert q.count == 1  # every name found by its own name: no alias query
    assert lookup_units([]) == {}


# --------------------------------------------------------------------------- aliases in imports

def test_alias_sends_next_semester_to_the_same_unit(admin, runner, tmp_path):
    r = import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta", "Dinas Kesehatan"), "2023-S1")
    assert r.exit_code == 0, r.output
    tirta = unit("Kelurahan Tirta")
    r = admin.post(f"/admin/unit/{tirta.id}/alias", data={"name": "  Kelurahan   Tirto "})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert [a.name for a in tirta.aliases] == ["Kelurahan Tirto"]
    log = AuditLog.query.filter_by(entity="unit", entity_id=tirta.id, event="alias_add").one()
    assert log.after == {"alias": "Kelurahan Tirto"}
    # case and spaces do not matter, and --no-create-units accepts the alias as a known unit
    r = import_scores(runner, scores_file(tmp_path, "KELURAHAN  tirto", "Dinas Kesehatan", name="s2.csv"),
                      "2023-S2", "--no-create-units")
    assert r.exit_code == 0, r.output
    assert "Unit baru dibuat" not in r.output
    assert Unit.query.count() == 2
    assert {res.period.code for res in UnitResult.query.filter_by(unit_id=tirta.id)} == {"2023-S1", "2023-S2"}
    assert summary_units(runner, "2023-S2") == {"Kelurahan Tirta", "Dinas Kesehatan"}


def test_name_and_alias_of_one_unit_in_one_results_file_is_refused(app, runner, tmp_path):
    UnitFactory(name="Kelurahan Tirta", alias_names=["Kelurahan Tirto"])
    before = snapshot()
    r = import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta", "Kelurahan Tirto"), "2023-S1")
    assert r.exit_code != 0
    assert "Kelurahan Tirto" in r.output and "alias" in r.output
    assert snapshot() == before


def test_rtl_import_finds_unit_by_alias(app, runner, tmp_path):
    tirta = UnitFactory(name="Kelurahan Tirta", alias_names=["Kelurahan Tirto"])
    import_rtl(runner, tmp_path, "2023-S2", "kelurahan tirto", "Kelurahan Tirta")
    assert Unit.query.count() == 1
    plan = Plan.query.one()
    assert plan.unit_id == tirta.id and len(plan.actions) == 2


def test_users_create_finds_unit_by_alias(app, runner):
    UnitFactory(name="Kelurahan Tirta", alias_names=["Kelurahan Tirto"])
    r = runner.invoke(args=["users", "create", "--email", "lurah@kota.go.id", "--password", "rahasia123",
                            "--role", "manager", "--unit", " kelurahan  TIRTO", "--unit", "Kelurahan Tirta"])
    assert r.exit_code == 0, r.output
    user = User.query.filter_by(email="lurah@kota.go.id").one()
    assert [u.name for u in user.units] == ["Kelurahan Tirta"]
    r = runner.invoke(args=["users", "create", "--email", "x@kota.go.id", "--password", "rahasia123",
                            "--role", "manager", "--unit", "Kelurahan Entah"])
    assert r.exit_code != 0 and "Kelurahan Entah" in r.output


# --------------------------------------------------------------------------- alias screens

def test_alias_rules_on_the_unit_page(admin, runner, tmp_path):
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta", "Kelurahan Sondakan"), "2023-S1")
    tirta, sondakan = unit("Kelurahan Tirta"), unit("Kelurahan Sondakan")
    assert admin.post(f"/admin/unit/{sondakan.id}/alias", data={"name": "Kel. Sondakan"}).status_code == 302
    before = snapshot()
    for name, message in [("", "wajib diisi"),
                          ("KELURAHAN  sondakan", "nama unit lain"),
                          ("kel.  SONDAKAN", "alias unit Kelurahan Sondakan"),
                          ("kelurahan tirta", "nama unit ini")]:
        r = admin.post(f"/admin/unit/{tirta.id}/alias", data={"name": name})
        assert r.status_code == 400, name
        assert message in r.get_data(as_text=True), name
    assert snapshot() == before
    # renaming a unit to another unit's alias is refused too
    r = admin.post(f"/admin/unit/{tirta.id}", data={"name": "Kel. Sondakan", "parent_id": 0})
    assert r.status_code == 400 and "alias unit Kelurahan Sondakan" in r.get_data(as_text=True)
    # the page lists the alias with a remove button; another unit cannot remove it
    page = admin.get(f"/admin/unit/{sondakan.id}").get_data(as_text=True)
    alias = UnitAlias.query.one()
    assert "Kel. Sondakan" in page and f'name="remove_id" value="{alias.id}"' in page
    assert admin.post(f"/admin/unit/{tirta.id}/alias", data={"remove_id": alias.id}).status_code == 404
    r = admin.post(f"/admin/unit/{sondakan.id}/alias", data={"remove_id": alias.id})
    assert r.status_code == 302
    assert UnitAlias.query.count() == 0
    log = AuditLog.query.filter_by(event="alias_remove").one()
    assert log.unit_id == sondakan.id and log.before == {"alias": "Kel. Sondakan"}


# --------------------------------------------------------------------------- merging

def _duplicate_world(runner, tmp_path):
    """Kelurahan Tirta (kept) with 2023-S1; its duplicate Kelurahan Tirto with 2022-S2 and
    2023-S2 results, a plan for 2023-S2, two managers, a child unit, an alias and a
    notification linking to its plan."""
    assert import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta", "Kecamatan Jebres"), "2023-S1").exit_code == 0
    assert import_scores(runner, scores_file(tmp_path, "Kelurahan Tirto", "Kecamatan Jebres", name="b.csv"),
                         "2022-S2").exit_code == 0
    assert import_scores(runner, scores_file(tmp_path, "Kelurahan Tirto", "Kecamatan Jebres", name="c.csv"),
                         "2023-S2").exit_code == 0
    import_rtl(runner, tmp_path, "2023-S2", "Kelurahan Tirto")
    tirta, tirto = unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    make_user("m1@kota.go.id", "manager", ["Kelurahan Tirto"])
    make_user("m2@kota.go.id", "manager", ["Kelurahan Tirto", "Kelurahan Tirta"])
    child = Unit(name="Posyandu Tirto", name_key="posyandu tirto", parent_id=tirto.id)
    tirto.aliases.append(UnitAlias(name="Kel. Tirto", name_key="kel. tirto"))
    plan = Plan.query.one()
    note = Notification(user_id=User.query.filter_by(email="m1@kota.go.id").one().id,
                        message="RTL diterima", link=f"/rtl/2023-S2/unit/{tirto.id}")
    db.session.add_all([child, note])
    db.session.commit()
    return tirta.id, tirto.id, plan.id


def test_merge_moves_everything_and_later_imports_land_on_the_kept_unit(admin, runner, tmp_path):
    tirta_id, tirto_id, plan_id = _duplicate_world(runner, tmp_path)
    tirta, tirto = db.session.get(Unit, tirta_id), db.session.get(Unit, tirto_id)
    plan_version = db.session.get(Plan, plan_id).version

    # first the confirm step: it shows what moves and changes nothing
    before = snapshot()
    page = admin.get(f"/admin/unit/gabung?duplikat={tirto_id}")
    assert page.status_code == 200 and f'<option selected value="{tirto_id}">' in page.get_data(as_text=True)
    r = merge(admin, tirto, tirta, confirm=False)
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    for text in ("2022-S2", "2023-S2", "m1@kota.go.id", "m2@kota.go.id", "Posyandu Tirto", "Kel. Tirto",
                 'name="confirm" type="hidden" value="1"'):
        assert text in html, text
    assert snapshot() == before

    r = merge(admin, tirto, tirta)
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Unit, tirto_id) is None
    tirta = db.session.get(Unit, tirta_id)
    results = UnitResult.query.filter_by(unit_id=tirta_id).all()
    assert sorted(res.period.code for res in results) == ["2022-S2", "2023-S1", "2023-S2"]
    assert UnitResult.query.filter_by(unit_id=tirto_id).count() == 0
    plan = db.session.get(Plan, plan_id)
    assert plan.unit_id == tirta_id and plan.version > plan_version
    assert [u.name for u in User.query.filter_by(email="m1@kota.go.id").one().units] == ["Kelurahan Tirta"]
    assert [u.name for u in User.query.filter_by(email="m2@kota.go.id").one().units] == ["Kelurahan Tirta"]
    assert unit("Posyandu Tirto").parent_id == tirta_id
    assert sorted(a.name for a in tirta.aliases) == ["Kel. Tirto", "Kelurahan Tirto"]
    assert Notification.query.one().link == f"/rtl/2023-S2/unit/{tirta_id}"
    assert AuditLog.query.filter_by(unit_id=tirto_id).count() == 0
    assert AuditLog.query.filter_by(entity="plan", event="import").one().unit_id == tirta_id
    log = AuditLog.query.filter_by(entity="unit", event="merge").one()
    assert log.entity_id == tirta_id and log.unit_id == tirta_id and log.user_label == ADMIN
    assert log.before["duplicate"]["name"] == "Kelurahan Tirto" and log.before["duplicate"]["id"] == tirto_id
    assert log.after["plans"] == ["2023-S2"] and log.after["managers"] == ["m1@kota.go.id", "m2@kota.go.id"]
    assert sorted(log.after["results"]) == ["2022-S2", "2023-S2"]
    assert summary_units(runner, "2022-S2") == {"Kelurahan Tirta", "Kecamatan Jebres"}
    assert admin.get(f"/rtl/2023-S2/unit/{tirta_id}").status_code == 200

    # the next semester's file still says "Kelurahan Tirto": it lands on the kept unit
    r = import_scores(runner, scores_file(tmp_path, " kelurahan TIRTO ", "Kecamatan Jebres", name="d.csv"),
                      "2024-S1")
    assert r.exit_code == 0, r.output
    assert "Unit baru dibuat" not in r.output
    assert {res.period.code for res in UnitResult.query.filter_by(unit_id=tirta_id)} == \
        {"2022-S2", "2023-S1", "2023-S2", "2024-S1"}
    assert Unit.query.filter(Unit.name.like("Kelurahan%")).count() == 1


def test_merge_moves_respondent_answers(admin, runner, tmp_path):
    path = tmp_path / "resp.csv"
    path.write_text("unit,u1,u2,u3,u4,u5,u6,u7,u8,u9\n" + "Kelurahan Tirto,3,3,3,3,3,3,3,3,3\n" * 3,
                    encoding="utf-8")
    r = runner.invoke(args=["skm", "import-responses", str(path), "--period", "2023-S2",
                            "--numbering", "questionnaire"])
    assert r.exit_code == 0, r.output
    assert import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta"), "2023-S1").exit_code == 0
    tirta, tirto = unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    tirta_id = tirta.id
    assert merge(admin, tirto, tirta).status_code == 302
    assert {b.unit_id for b in ResponseBlock.query} == {tirta_id}
    assert sum(b.respondents for b in ResponseBlock.query) == 3


def test_merge_refused_when_both_have_a_result_for_the_same_period(admin, runner, tmp_path):
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta", "Kelurahan Tirto"), "2023-S1")
    tirta, tirto = unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    make_user("m1@kota.go.id", "manager", ["Kelurahan Tirto"])
    before = snapshot()
    for confirm in (False, True):
        r = merge(admin, tirto, tirta, confirm=confirm)
        html = r.get_data(as_text=True)
        assert r.status_code == 400
        assert "sama-sama memiliki hasil survei periode 2023-S1" in html
        assert "tidak ada yang diubah" in html
        assert 'name="confirm" type="hidden" value=""' in html  # back to choosing, not confirmed
        assert snapshot() == before


def test_merge_refused_when_both_have_a_plan_for_the_same_period(admin, runner, tmp_path):
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta"), "2023-S1")
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirto", name="b.csv"), "2022-S2")
    import_rtl(runner, tmp_path, "2023-S1", "Kelurahan Tirta", "Kelurahan Tirto")
    tirta, tirto = unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    before = snapshot()
    r = merge(admin, tirto, tirta)
    assert r.status_code == 400
    assert "sama-sama memiliki RTL periode 2023-S1" in r.get_data(as_text=True)
    assert snapshot() == before


def test_a_replaced_import_is_no_conflict(admin, runner, tmp_path):
    """Only the active import counts: a duplicate whose result was replaced can be merged."""
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirto"), "2023-S1")
    r = import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta", name="b.csv"), "2023-S1", "--replace")
    assert r.exit_code == 0, r.output
    tirta, tirto = unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    tirta_id = tirta.id
    r = merge(admin, tirto, tirta, confirm=False)
    assert r.status_code == 200 and "2023-S1 (arsip)" in r.get_data(as_text=True)
    assert merge(admin, tirto, tirta).status_code == 302
    assert {res.unit_id for res in UnitResult.query} == {tirta_id}
    assert summary_units(runner, "2023-S1") == {"Kelurahan Tirta"}


def test_merge_form_errors(admin, runner, tmp_path):
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta"), "2023-S1")
    tirta = unit("Kelurahan Tirta")
    before = snapshot()
    r = admin.post("/admin/unit/gabung", data={})
    assert r.status_code == 400 and "Pilih unit duplikat" in r.get_data(as_text=True)
    r = merge(admin, tirta, tirta)
    assert r.status_code == 400 and "harus berbeda" in r.get_data(as_text=True)
    r = admin.post("/admin/unit/gabung", data={"duplicate_id": 999999, "keep_id": tirta.id, "confirm": "1"})
    assert r.status_code == 400
    assert snapshot() == before


def test_keep_unit_under_the_duplicate_takes_its_parent(admin, runner, tmp_path):
    import_scores(runner, scores_file(tmp_path, "Kecamatan Jebres", "Kelurahan Tirta"), "2023-S1")
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirto", name="b.csv"), "2023-S2")
    jebres, tirta, tirto = unit("Kecamatan Jebres"), unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    ids = jebres.id, tirta.id
    # odd but possible: the kept unit sits under its duplicate
    tirto.parent_id, tirta.parent_id = jebres.id, tirto.id
    db.session.commit()
    assert merge(admin, tirto, tirta).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, ids[1]).parent_id == ids[0]


# --------------------------------------------------------------------------- who may merge

@pytest.mark.parametrize("role", ["manager", "inspector"])
def test_only_the_admin_merges_or_edits_aliases(client, auth, runner, tmp_path, role):
    import_scores(runner, scores_file(tmp_path, "Kelurahan Tirta", "Kelurahan Tirto"), "2023-S2")
    tirta, tirto = unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    make_user("x@kota.go.id", role, ["Kelurahan Tirto"] if role == "manager" else [])
    before = snapshot()
    auth.login("x@kota.go.id")
    assert client.get("/admin/unit/gabung").status_code in (403, 404)
    assert merge(client, tirto, tirta).status_code in (403, 404)
    assert client.post(f"/admin/unit/{tirto.id}/alias", data={"name": "Tirto"}).status_code in (403, 404)
    auth.logout()
    r = merge(client, tirto, tirta)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert snapshot() == before


def _token(html):
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "form carries a csrf_token"
    return m.group(1)


def test_merge_and_alias_posts_need_the_csrf_token(csrf_app):
    from tracker.imports.service import import_scores as do_import
    text = HEADER + ROW.format("Kelurahan Tirta") + ROW.format("Kelurahan Tirto")
    do_import(text.encode(), "k.csv", "2023-S1", "questionnaire", user="t")
    do_import((HEADER + ROW.format("Kelurahan Tirto")).encode(), "k.csv", "2023-S2", "questionnaire",
              user="t", replace=False)
    make_user(ADMIN, "admin")
    tirta, tirto = unit("Kelurahan Tirta"), unit("Kelurahan Tirto")
    client = csrf_app.test_client()
    client.post("/login", data={"email": ADMIN, "password": "rahasia123",
                                "csrf_token": _token(client.get("/login").get_data(as_text=True))})
    before = snapshot()
    data = {"duplicate_id": tirto.id, "keep_id": tirta.id, "confirm": "1"}
    for url, form in (("/admin/unit/gabung", data), (f"/admin/unit/{tirta.id}/alias", {"name": "Tirta Baru"})):
        r = client.post(url, data=form)
        assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True), url
    assert snapshot() == before
    # with the page's token the alias is added (the merge itself is refused: same period)
    token = _token(client.get(f"/admin/unit/{tirta.id}").get_data(as_text=True))
    r = client.post(f"/admin/unit/{tirta.id}/alias", data={"name": "Tirta Baru", "csrf_token": token})
    assert r.status_code == 302
    token = _token(client.get("/admin/unit/gabung").get_data(as_text=True))
    r = client.post("/admin/unit/gabung", data=dict(data, csrf_token=token))
    assert r.status_code == 400 and "sama-sama memiliki hasil survei periode 2023-S1" in r.get_data(as_text=True)
