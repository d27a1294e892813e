"""Follow-up planning workflow through the web: plans, actions, the plan state machine,
priority overrides, catalogue, carry-over, audit, notifications, optimistic locking, and the
realisation numbers agreeing across screen, rates.py and `skm summary`."""
from __future__ import annotations

import io
import re

import pytest

from tests.conftest import make_user
from tests.helpers import snapshot
from tests.helpers import login
from tracker.extensions import db
from tracker.models import Action, AuditLog, CatalogueAction, Notification, Plan, ProgressEntry, Unit

UNIT_A = "Badan Pendapatan, Pengelolaan Keuangan Dan Aset Daerah"
UNIT_B = "Badan Perencanaan Penelitian Dan Pengembangan Daerah"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class World:
    def __init__(self, client):
        self.client = client
        self.a = Unit.query.filter_by(name=UNIT_A).one()
        self.b = Unit.query.filter_by(name=UNIT_B).one()
        self.admin = make_user("admin@kota.go.id", "admin")
        self.inspector = make_user("inspektur@kota.go.id", "inspector")
        self.m1 = make_user("m1@kota.go.id", "manager", [UNIT_A])
        self.m2 = make_user("m2@kota.go.id", "manager", [UNIT_B])
        self.a_id, self.b_id = self.a.id, self.b.id

    def login(self, email):
        login(self.client, email)

    # --- steps through the web, asserting success ------------------------------------------
    def create_plan(self, code="2021-S1", unit_id=None):
        unit_id = unit_id or self.a_id
        r = self.client.post(f"/rtl/{code}/unit/{unit_id}/buat")
        assert r.status_code == 302, r.data.decode()[:2000]
        return Plan.query.filter_by(unit_id=unit_id).join(Plan.period).filter_by(code=code).one()

    def add_action(self, plan, element, text="Evaluasi SOP pelayanan", quarters=("2021-TW2",),
                   owner="Sub Bagian Umum", expect=302, **extra):
        data = {"element": element, "text": text, "quarters": list(quarters), "owner": owner}
        data.update(extra)
        r = self.client.post(f"/rtl/rencana/{plan.id}/kegiatan", data=data)
        assert r.status_code == expect, r.data.decode()[:3000]
        return r

    def full_plan(self, code="2021-S1"):
        """A plan with one action per derived priority element."""
        plan = self.create_plan(code)
        from tracker.followup.service import derived_priorities
        window = [q for q in self.window(code)]
        for k in derived_priorities(plan.unit, code):
            self.add_action(plan, k, f"Perbaikan {k}", quarters=window[:2])
        return plan

    @staticmethod
    def window(code):
        from tracker.followup.service import plan_window
        return plan_window(code)

    def submit(self, plan, expect=302):
        db.session.refresh(plan)
        r = self.client.post(f"/rtl/rencana/{plan.id}/ajukan", data={"version": plan.version})
        assert r.status_code == expect, r.data.decode()[:3000]
        return r

    def accept(self, plan, expect=302):
        db.session.refresh(plan)
        r = self.client.post(f"/rtl/rencana/{plan.id}/terima", data={"version": plan.version})
        assert r.status_code == expect, r.data.decode()[:3000]
        return r

    def accepted_plan(self, code="2021-S1"):
        self.login("m1@kota.go.id")
        plan = self.full_plan(code)
        self.submit(plan)
        self.login("admin@kota.go.id")
        self.accept(plan)
        db.session.refresh(plan)
        assert plan.status == "accepted"
        return plan

    def log(self, action, quarter, percent, narrative="Sudah dilaksanakan", evidence=PDF,
            name="bukti.pdf", link=None, expect=302):
        data = {"quarter": quarter, "percent": str(percent), "narrative": narrative}
        if evidence is not None:
            data["evidence"] = (io.BytesIO(evidence), name)
        if link is not None:
            data["link"] = link
        r = self.client.post(f"/rtl/kegiatan/{action.id}/kemajuan", data=data,
                             content_type="multipart/form-data")
        assert r.status_code == expect, r.data.decode()[:3000]
        return r

    def review(self, entry, decision, comment="", expect=302):
        db.session.refresh(entry)
        r = self.client.post(f"/rtl/laporan/{entry.id}/periksa",
                             data={"version": entry.version, "decision": decision, "comment": comment})
        assert r.status_code == expect, r.data.decode()[:3000]
        return r


@pytest.fixture
def world(loaded, client):
    return World(client)


def text_of(resp) -> str:
    return resp.data.decode()


# ------------------------------------------------------------------------------------------

def test_plan_page_shows_derived_priorities(world):
    from tracker.results.service import unit_views
    world.login("m1@kota.go.id")
    r = world.client.get(f"/rtl/2021-S1/unit/{world.a_id}")
    assert r.status_code == 200
    derived = unit_views("2021-S1", {world.a_id})[0].priorities
    assert len(derived) == 3
    from tracker.domain.elements import ELEMENTS
    html = text_of(r)
    positions = [html.index(f"<strong>{ELEMENTS[k].name}</strong>") for k in derived]
    assert positions == sorted(positions)  # lowest first
    assert "Buat RTL" in html


def test_state_machine_draft_submit_return_resubmit_accept(world):
    world.login("m1@kota.go.id")
    plan = world.create_plan()
    assert plan.status == "draft" and plan.source == "web"
    # Submitting without actions is refused with a message, nothing changes.
    r = world.submit(plan, expect=400)
    assert "belum berisi kegiatan" in text_of(r)
    from tracker.followup.service import derived_priorities
    prios = derived_priorities(plan.unit, "2021-S1")
    world.add_action(plan, prios[0])
    r = world.submit(plan, expect=400)  # the other priorities are not covered yet
    assert "Setiap unsur prioritas" in text_of(r)
    for k in prios[1:]:
        world.add_action(plan, k, "Kegiatan " + k)
    world.submit(plan)
    db.session.refresh(plan)
    assert plan.status == "submitted" and plan.submitted_at is not None
    # The manager cannot accept, nor add actions while submitted.
    r = world.client.post(f"/rtl/rencana/{plan.id}/terima", data={"version": plan.version})
    assert r.status_code == 403
    r = world.add_action(plan, prios[0], "Lagi", expect=400)
    assert "tidak dapat diubah" in text_of(r)
    # Admin returns it with a comment (a comment is required).
    world.login("admin@kota.go.id")
    r = world.client.post(f"/rtl/rencana/{plan.id}/kembalikan", data={"version": plan.version, "comment": ""})
    assert r.status_code == 400
    r = world.client.post(f"/rtl/rencana/{plan.id}/kembalikan",
                          data={"version": plan.version, "comment": "Tambahkan target kuantitatif."})
    assert r.status_code == 302
    db.session.refresh(plan)
    assert plan.status == "returned" and plan.return_comment == "Tambahkan target kuantitatif."
    world.accept(plan, expect=400)  # returned cannot be accepted directly
    # Manager sees the comment, edits, resubmits; admin accepts.
    world.login("m1@kota.go.id")
    assert "Tambahkan target kuantitatif." in text_of(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    world.add_action(plan, prios[0], "Tambahan", target="100% petugas")
    world.submit(plan)
    world.login("admin@kota.go.id")
    world.accept(plan)
    db.session.refresh(plan)
    assert plan.status == "accepted"
    world.accept(plan, expect=400)  # accepting twice is refused
    events = [a.event for a in AuditLog.query.filter_by(entity="plan", entity_id=plan.id).order_by(AuditLog.id)]
    assert events == ["create", "submit", "return", "submit", "accept"]
    submit = AuditLog.query.filter_by(entity="plan", entity_id=plan.id, event="submit").first()
    assert submit.before["status"] == "draft" and submit.after["status"] == "submitted"
    assert submit.user_label == "m1@kota.go.id"


def test_notifications_follow_the_workflow(world):
    plan = world.accepted_plan()
    admin_msgs = Notification.query.filter_by(user_id=world.admin.id).all()
    assert any("diajukan" in n.message for n in admin_msgs)
    m1_msgs = Notification.query.filter_by(user_id=world.m1.id).all()
    assert any("diterima" in n.message for n in m1_msgs)
    assert not Notification.query.filter_by(user_id=world.m2.id).all()
    world.login("m1@kota.go.id")
    r = world.client.get("/notifikasi")
    assert r.status_code == 200 and "diterima" in text_of(r)
    n = m1_msgs[0]
    # Someone else's notification is 404.
    other = admin_msgs[0]
    assert world.client.post(f"/notifikasi/{other.id}/baca").status_code == 404
    assert world.client.post(f"/notifikasi/{n.id}/baca").status_code == 302
    db.session.refresh(n)
    assert n.read_at is not None
    world.client.post("/notifikasi/baca-semua")
    assert Notification.query.filter_by(user_id=world.m1.id, read_at=None).count() == 0
    # The admin's "submitted, waiting for a decision" notice was read by the decision itself.
    assert Notification.query.filter_by(user_id=world.admin.id, read_at=None).count() == 0
    assert plan.id


def test_action_validation_and_quarters_window(world):
    world.login("m1@kota.go.id")
    plan = world.create_plan()
    window = world.window("2021-S1")
    assert window == ["2021-TW2", "2021-TW3", "2021-TW4", "2022-TW1", "2022-TW2"]
    html = text_of(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    for q in window:
        assert f'value="{q}"' in html
    assert "<script" in html and "followup.js" in html and "onclick" not in html
    before = snapshot()
    r = world.add_action(plan, "waktu", quarters=["2024-TW1"], expect=400)
    assert "di luar jendela" in text_of(r)
    world.add_action(plan, "waktu", text="", expect=400)
    world.add_action(plan, "waktu", owner="", expect=400)
    world.add_action(plan, "bukanunsur", expect=400)
    assert snapshot() == before
    world.add_action(plan, "waktu", quarters=["2022-TW1", "2021-TW4"], target="Waktu layanan 3 hari")
    a = Action.query.one()
    assert a.quarters == ["2021-TW4", "2022-TW1"] and a.target == "Waktu layanan 3 hari"
    assert AuditLog.query.filter_by(entity="action", entity_id=a.id, event="create").one().after["text"] == a.text


def test_catalogue_seeded_pickable_and_growing_only_from_accepted_plans(world):
    world.login("m1@kota.go.id")
    plan = world.full_plan()
    ours = Action.query.count()
    html = text_of(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    assert "Memberikan pelatihan khusus terkait service excellent" in html
    assert "Perbaikan sarana dan prasarana pelayanan" in html
    seeded = CatalogueAction.query.filter_by(element="sarpras", text_key="perbaikan sarana dan prasarana pelayanan").one()
    assert seeded.seeded and seeded.uses == 0
    # Picking from the catalogue (empty text) uses the catalogue phrase.
    world.add_action(plan, "sarpras", text="", catalogue=str(seeded.id))
    assert Action.query.order_by(Action.id.desc()).first().text == "Perbaikan sarana dan prasarana pelayanan"
    assert Action.query.count() == ours + 1
    # A draft is the unit's own: its phrases, and deleted ones, are offered to nobody.
    world.add_action(plan, "waktu", text="Penerapan antrean daring  untuk loket")
    world.add_action(plan, "waktu", text="Rahasia draf yang kemudian dihapus")
    secret = Action.query.filter_by(text="Rahasia draf yang kemudian dihapus").one()
    r = world.client.post(f"/rtl/kegiatan/{secret.id}/hapus", data={"version": secret.version})
    assert r.status_code == 302
    assert CatalogueAction.query.filter_by(seeded=False).count() == 0
    db.session.refresh(seeded)
    assert seeded.uses == 0
    world.login("m2@kota.go.id")
    world.create_plan(unit_id=world.b_id)
    html = text_of(world.client.get(f"/rtl/2021-S1/unit/{world.b_id}"))
    assert "Penerapan antrean daring" not in html and "Rahasia draf" not in html
    # Accepted: the plan's phrases join the catalogue and are offered to others.
    world.login("m1@kota.go.id")
    world.submit(plan)
    world.login("admin@kota.go.id")
    world.accept(plan)
    grown = CatalogueAction.query.filter_by(element="waktu", text_key="penerapan antrean daring untuk loket").one()
    assert not grown.seeded and grown.uses == 1
    db.session.refresh(seeded)
    assert seeded.uses == 1
    assert CatalogueAction.query.filter(CatalogueAction.text.like("Rahasia%")).count() == 0
    world.login("m2@kota.go.id")
    html = text_of(world.client.get(f"/rtl/2021-S1/unit/{world.b_id}"))
    assert "Penerapan antrean daring" in html and "Rahasia draf" not in html


def test_admin_rewords_and_hides_catalogue_entries(world):
    from tracker.followup.catalogue import ensure_catalogue
    ensure_catalogue()
    entry = CatalogueAction.query.filter_by(element="sarpras", text_key="perbaikan sarana dan prasarana pelayanan").one()
    other = CatalogueAction.query.filter_by(element="sarpras", text_key="pemeliharaan rutin sarana dan prasarana pelayanan").one()
    for email in ("m1@kota.go.id", "inspektur@kota.go.id"):
        world.login(email)
        assert world.client.get("/admin/katalog/").status_code == 403
        assert world.client.post(f"/admin/katalog/{entry.id}", data={"text": "x"}).status_code == 403
    world.login("admin@kota.go.id")
    html = text_of(world.client.get("/admin/katalog/?unsur=sarpras"))
    assert "Perbaikan sarana dan prasarana pelayanan" in html and "Bawaan" in html
    assert "Kecepatan Pelayanan" not in html  # one element only
    assert world.client.get("/admin/katalog/?unsur=bukan").status_code == 404
    assert world.client.get("/admin/katalog/999999").status_code == 404
    # Rewording to another entry's text of the same element is refused and changes nothing.
    r = world.client.post(f"/admin/katalog/{entry.id}", data={"text": other.text.upper()})
    assert r.status_code == 400 and "sudah ada di katalog" in text_of(r)
    db.session.refresh(entry)
    assert entry.text == "Perbaikan sarana dan prasarana pelayanan"
    r = world.client.post(f"/admin/katalog/{entry.id}", data={"text": "  Perbaikan  sarana pelayanan  "})
    assert r.status_code == 302
    r = world.client.post(f"/admin/katalog/{other.id}", data={"text": other.text, "hidden": "y"})
    assert r.status_code == 302
    db.session.refresh(entry)
    db.session.refresh(other)
    assert (entry.text, entry.text_key, entry.hidden) == ("Perbaikan sarana pelayanan", "perbaikan sarana pelayanan", False)
    assert other.hidden
    assert AuditLog.query.filter_by(entity="catalogue", entity_id=other.id).one().after["hidden"] is True
    world.login("m1@kota.go.id")
    world.create_plan()
    html = text_of(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    assert "Perbaikan sarana pelayanan" in html
    assert "Pemeliharaan rutin sarana dan prasarana pelayanan" not in html
    # A hidden entry stays hidden when an accepted plan uses its text again.
    from tracker.followup.catalogue import grow_catalogue
    grow_catalogue("sarpras", "Pemeliharaan rutin sarana dan prasarana pelayanan")
    db.session.commit()
    db.session.refresh(other)
    assert other.hidden and other.uses == 1


def test_edit_and_delete_action_in_draft_with_audit(world):
    world.login("m1@kota.go.id")
    plan = world.create_plan()
    world.add_action(plan, "waktu")
    a = Action.query.one()
    r = world.client.get(f"/rtl/kegiatan/{a.id}/ubah")
    assert r.status_code == 200 and f'value="{a.version}"' in text_of(r)
    r = world.client.post(f"/rtl/kegiatan/{a.id}/ubah", data={
        "version": a.version, "element": "waktu", "text": "Evaluasi SOP pelayanan terpadu",
        "quarters": ["2021-TW3"], "owner": "Kabid Pelayanan"})
    assert r.status_code == 302
    db.session.refresh(a)
    assert a.text == "Evaluasi SOP pelayanan terpadu" and a.quarters == ["2021-TW3"] and a.version == 2
    upd = AuditLog.query.filter_by(entity="action", entity_id=a.id, event="update").one()
    assert upd.before["owner"] == "Sub Bagian Umum" and upd.after["owner"] == "Kabid Pelayanan"
    r = world.client.post(f"/rtl/kegiatan/{a.id}/hapus", data={"version": a.version})
    assert r.status_code == 302
    assert Action.query.count() == 0
    assert AuditLog.query.filter_by(entity="action", entity_id=a.id, event="delete").one().before["text"]


def test_stale_action_save_is_409_and_changes_nothing(world):
    world.login("m1@kota.go.id")
    plan = world.create_plan()
    world.add_action(plan, "waktu")
    a = Action.query.one()
    old_version = a.version
    data = {"version": old_version, "element": "waktu", "quarters": ["2021-TW3"], "owner": "X"}
    r = world.client.post(f"/rtl/kegiatan/{a.id}/ubah", data=dict(data, text="Versi pertama"))
    assert r.status_code == 302
    before = snapshot()
    r = world.client.post(f"/rtl/kegiatan/{a.id}/ubah", data=dict(data, text="Versi kedua"))
    assert r.status_code == 409
    assert "Data telah diubah oleh pengguna lain" in text_of(r)
    assert snapshot() == before
    db.session.refresh(a)
    assert a.text == "Versi pertama"
    # A stale plan submission is refused as well.
    r = world.client.post(f"/rtl/rencana/{plan.id}/ajukan", data={"version": plan.version + 5})
    assert r.status_code == 409


def test_stale_review_is_409(world):
    plan = world.accepted_plan()
    a = plan.actions[0]
    world.login("m1@kota.go.id")
    world.log(a, a.quarters[0], 50)
    e = ProgressEntry.query.one()
    v = e.version
    world.login("inspektur@kota.go.id")
    r = world.client.post(f"/rtl/laporan/{e.id}/periksa", data={"version": v, "decision": "verified"})
    assert r.status_code == 302
    before = snapshot()
    r = world.client.post(f"/rtl/laporan/{e.id}/periksa",
                          data={"version": v, "decision": "rejected", "comment": "Bukti kurang"})
    assert r.status_code == 409 and "Data telah diubah oleh pengguna lain" in text_of(r)
    assert snapshot() == before


def test_admin_override_with_reason(world):
    from tracker.followup.service import derived_priorities
    world.login("admin@kota.go.id")
    derived = derived_priorities(world.a, "2021-S1")
    choice = [k for k in ("biaya", "sarpras") if k not in derived][:1] + derived[:1]
    r = world.client.post(f"/rtl/2021-S1/unit/{world.a_id}/prioritas", data={"elements": choice, "reason": ""})
    assert r.status_code == 400
    r = world.client.post(f"/rtl/2021-S1/unit/{world.a_id}/prioritas",
                          data={"elements": ["a", "b", "c", "d"], "reason": "x"})
    assert r.status_code == 400
    r = world.client.post(f"/rtl/2021-S1/unit/{world.a_id}/prioritas",
                          data={"elements": choice, "reason": "Unit hanya mencantumkan dua unsur di laporannya."})
    assert r.status_code == 302
    plan = Plan.query.one()
    assert sorted(plan.override_elements) == sorted(choice)
    assert plan.override_reason.startswith("Unit hanya")
    log = AuditLog.query.filter_by(entity="plan", event="override").one()
    assert log.before["derived"] == derived and sorted(log.after["elements"]) == sorted(choice)
    assert log.user_label == "admin@kota.go.id"
    # The manager now has to cover the overridden elements, not the derived ones.
    world.login("m1@kota.go.id")
    html = text_of(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    assert "Ditetapkan oleh Bagian Organisasi" in html
    for k in choice:
        world.add_action(plan, k, "Kegiatan " + k)
    world.submit(plan)
    # Managers and inspectors cannot override.
    r = world.client.post(f"/rtl/2021-S1/unit/{world.a_id}/prioritas", data={"elements": choice, "reason": "x"})
    assert r.status_code == 403
    world.login("admin@kota.go.id")
    db.session.refresh(plan)
    r = world.client.post(f"/rtl/rencana/{plan.id}/prioritas/batal", data={"version": plan.version, "reason": "Salah tetap"})
    assert r.status_code == 302
    db.session.refresh(plan)
    assert plan.override_elements is None


def test_carry_over_copies_unfinished_actions_and_shows_chain(world):
    plan = world.accepted_plan("2021-S1")
    actions = list(plan.actions)
    done, half, impossible = actions[0], actions[1], actions[2]
    world.login("m1@kota.go.id")
    world.log(done, done.quarters[0], 100)
    world.log(half, half.quarters[0], 40)
    world.login("inspektur@kota.go.id")
    for e in ProgressEntry.query.all():
        world.review(e, "verified")
    world.login("admin@kota.go.id")
    db.session.refresh(impossible)
    r = world.client.post(f"/rtl/kegiatan/{impossible.id}/tidak-dapat",
                          data={"version": impossible.version, "flag": "1", "reason": "Kewenangan provinsi"})
    assert r.status_code == 302
    world.login("m1@kota.go.id")
    new = world.create_plan("2021-S2")
    carried = [a for a in new.actions]
    assert [a.carried_from_id for a in carried] == [half.id]
    c = carried[0]
    assert c.text == half.text and c.owner == half.owner
    assert set(c.quarters) <= set(world.window("2021-S2"))
    assert AuditLog.query.filter_by(entity="action", entity_id=c.id, event="carry_over").one().before["from_action"] == half.id
    # Chain history on both pages.
    html = text_of(world.client.get(f"/rtl/kegiatan/{c.id}"))
    assert "Riwayat lintas periode" in html and "2021-S1" in html and "40%" in html
    html = text_of(world.client.get(f"/rtl/kegiatan/{half.id}"))
    assert f"/rtl/kegiatan/{c.id}" in html


def test_realisation_agrees_between_ui_rates_and_summary(world):
    from tracker.followup import rates
    from tracker.results.service import get_period
    from tracker.results.summary import build_summary
    plan = world.accepted_plan("2021-S1")
    a1, a2, a3 = plan.actions[:3]
    world.login("m1@kota.go.id")
    world.log(a1, a1.quarters[0], 100)
    world.log(a2, a2.quarters[0], 55)
    world.log(a3, a3.quarters[0], 80)  # stays unverified: shown, not counted
    world.login("inspektur@kota.go.id")
    e1, e2, _ = ProgressEntry.query.order_by(ProgressEntry.id).all()
    world.review(e1, "verified")
    world.review(e2, "verified")
    expected = (100 + 55 + 0) / 3
    rate = rates.rates_by_unit(get_period("2021-S1"))[world.a_id]
    assert rate.realisation == pytest.approx(expected)
    assert rate.completion == pytest.approx(100 / 3)
    summary = build_summary("2021-S2")
    row = next(u for u in summary["units"] if u["unit"] == UNIT_A)
    assert row["realisation_previous"] == round(expected, 2)
    assert next(u for u in summary["units"] if u["unit"] == UNIT_B)["realisation_previous"] is None
    shown = "51,67%"  # Indonesian formatting of 51.666...
    html = text_of(world.client.get("/rtl/pemantauan?period=2021-S1"))
    assert re.search(r'unit-realisation[^"]*"[^>]*>\s*' + re.escape(shown), html)
    assert re.search(r'id="city-realisation">\s*' + re.escape(shown), html)
    html = text_of(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    assert re.search(r'id="plan-realisation">\s*' + re.escape(shown), html)
    # The next period's plan page shows it as the previous period's realisation.
    html = text_of(world.client.get(f"/rtl/2021-S2/unit/{world.a_id}"))
    assert re.search(r'id="previous-realisation">\s*' + re.escape(shown), html)
    html = text_of(world.client.get("/rtl/?period=2021-S1"))
    assert shown in html
    # Trends show the same number (city and group tables of the monitoring page).
    html = text_of(world.client.get("/rtl/pemantauan"))
    trend = html[html.index('id="trend"'):]
    assert shown in trend[:trend.index("</table>")]
    group_trend = html[html.index('id="group-trend"'):]
    assert shown in group_trend[:group_trend.index("</table>")]
    assert rates.trend()[0][1] == pytest.approx(expected)


def test_audit_pages_readable_by_admin_and_inspector_only(world):
    plan = world.accepted_plan()
    for email in ("admin@kota.go.id", "inspektur@kota.go.id"):
        world.login(email)
        r = world.client.get(f"/rtl/audit/unit/{world.a_id}")
        assert r.status_code == 200
        html = text_of(r)
        assert "diajukan" in html and "diterima" in html and "m1@kota.go.id" in html
        r = world.client.get(f"/rtl/kegiatan/{plan.actions[0].id}")
        assert "Jejak audit kegiatan" in text_of(r)
    world.login("m1@kota.go.id")
    assert world.client.get(f"/rtl/audit/unit/{world.a_id}").status_code == 403
    assert "Jejak audit kegiatan" not in text_of(world.client.get(f"/rtl/kegiatan/{plan.actions[0].id}"))


def test_inspector_filters_and_overdue(world, monkeypatch):
    plan = world.accepted_plan("2021-S1")
    a = plan.actions[0]
    html = text_of(world.client.get("/rtl/pemantauan"))  # admin
    assert UNIT_A in html
    world.login("inspektur@kota.go.id")
    html = text_of(world.client.get("/rtl/pemantauan?period=2021-S1"))
    # 2021 quarters are long past: every planned quarter is overdue.
    assert 'id="overdue"' in html and a.text in html
    html = text_of(world.client.get("/rtl/pemantauan?period=2021-S1&status=draft"))
    assert 'data-unit="%d"' % world.a_id not in html
    # Findings: nothing was reported for 2021's long-past quarters, and nothing waits for review.
    html = text_of(world.client.get("/rtl/pemantauan?period=2021-S1&outcome=late"))
    assert 'data-unit="%d"' % world.a_id in html
    html = text_of(world.client.get("/rtl/pemantauan?period=2021-S1&outcome=pending"))
    assert 'data-unit="%d"' % world.a_id not in html
    html = text_of(world.client.get("/rtl/pemantauan?period=2021-S1&group=Kecamatan"))
    assert 'data-unit="%d"' % world.a_id not in html
    # Overdue follows the domain rule: quarter end + the period's grace days, verified entries clear it.
    from datetime import date
    from tracker.followup import rates
    q = a.quarters[0]
    from tracker.domain.periods import parse_quarter
    end = parse_quarter(q).end
    grace = plan.period.progress_grace_days
    from datetime import timedelta
    assert q not in rates.action_overdue(a, end + timedelta(days=grace))
    assert q in rates.action_overdue(a, end + timedelta(days=grace + 1))
    world.login("m1@kota.go.id")
    world.log(a, q, 30)
    world.login("inspektur@kota.go.id")
    world.review(ProgressEntry.query.one(), "verified")
    db.session.refresh(a)
    assert q not in rates.action_overdue(a, date.today())


def test_concurrent_save_between_load_and_flush_is_refused(world):
    """Two requests load the same action (version 1); the other one commits first. The ORM's
    version check turns the second save into a StaleError and nothing of it is written."""
    from tracker.followup import service as S
    world.login("m1@kota.go.id")
    plan = world.create_plan()
    world.add_action(plan, "waktu")
    a = Action.query.one()
    assert a.version == 1
    # The other user's save, committed behind this session's back.
    with db.engine.begin() as conn:
        conn.execute(db.text("UPDATE action SET text='Simpanan lain', version=2 WHERE id=:i"), {"i": a.id})
    data = S.ActionInput(element="waktu", text="Simpanan saya", quarters=["2021-TW3"], owner="X")
    with pytest.raises(S.StaleError) as exc:
        S.update_action(a, 1, data, world.m1)
    assert "Data telah diubah oleh pengguna lain" in exc.value.message
    db.session.expire_all()
    a = db.session.get(Action, a.id)
    assert a.text == "Simpanan lain" and a.version == 2
    assert AuditLog.query.filter_by(entity="action", event="update").count() == 0


def test_manager_sees_own_overdue_actions_only(world):
    plan = world.accepted_plan()
    world.login("m1@kota.go.id")
    html = text_of(world.client.get("/rtl/"))
    assert 'id="overdue"' in html and plan.actions[0].text in html
    assert "Lapor kemajuan" in text_of(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    world.login("m2@kota.go.id")
    assert 'id="overdue"' not in text_of(world.client.get("/rtl/"))
