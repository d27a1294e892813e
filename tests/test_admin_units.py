"""The admin corrects a unit's identity: name, group, parent unit, contact and phone."""
from tests.conftest import make_user
from tracker.models import AuditLog, Unit


def _units():
    from tracker.imports.service import import_scores
    text = ("unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
            "Kecamatan Laweyan,100,300,310,280,350,320,330,340,290,360\n"
            "Kelurahan Sondakan,100,300,310,280,350,320,330,340,290,360\n"
            "Kelurahan Pajang,100,300,310,280,350,320,330,340,290,360\n")
    import_scores(text.encode(), "k.csv", "2023-S2", "questionnaire", user="t")
    return {u.name: u for u in Unit.query.all()}


def test_admin_sets_parent_and_contact(app, client, auth):
    units = _units()
    make_user("admin@kota.go.id", "admin")
    auth.login("admin@kota.go.id")
    kel, kec = units["Kelurahan Sondakan"], units["Kecamatan Laweyan"]
    r = client.post(f"/admin/unit/{kel.id}", data={"name": "Kelurahan  Sondakan", "group": "Kelurahan",
                                                  "parent_id": kec.id, "contact": "Bu Lurah", "phone": "0271-1"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert kel.parent_id == kec.id and kel.group == "Kelurahan" and kel.contact == "Bu Lurah"
    assert kel.name == "Kelurahan Sondakan"
    log = AuditLog.query.filter_by(entity="unit", entity_id=kel.id).one()
    assert log.before["parent"] is None and log.after["parent"] == "Kecamatan Laweyan"
    assert "Kecamatan Laweyan" in client.get("/admin/unit").get_data(as_text=True)


def test_no_cycles_and_no_duplicate_names(app, client, auth):
    units = _units()
    make_user("admin@kota.go.id", "admin")
    auth.login("admin@kota.go.id")
    kel, kec = units["Kelurahan Sondakan"], units["Kecamatan Laweyan"]
    client.post(f"/admin/unit/{kel.id}", data={"name": kel.name, "parent_id": kec.id})
    r = client.post(f"/admin/unit/{kec.id}", data={"name": kec.name, "parent_id": kel.id})
    assert r.status_code == 400 and "unit di bawahnya" in r.get_data(as_text=True)
    assert kec.parent_id is None
    r = client.post(f"/admin/unit/{kel.id}", data={"name": "kelurahan pajang", "parent_id": 0})
    assert r.status_code == 400 and "sudah dipakai" in r.get_data(as_text=True)
