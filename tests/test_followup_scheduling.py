"""No action stays unscheduled (DOMAIN.md section 3): a plan is not submitted with an action
without a quarter, unscheduled actions of accepted or imported plans are flagged, counted and
listed until the unit's manager or the admin schedules them (audited), and carried-over actions
are rescheduled in the new plan's window with their history kept."""
from __future__ import annotations

import html as htmllib
from datetime import datetime
from types import SimpleNamespace

import pytest

from tests.helpers import snapshot
from tests.test_followup_workflow import UNIT_A, UNIT_B, World
from tracker.extensions import db
from tracker.followup import rates
from tracker.followup import service as S
from tracker.models import Action, AuditLog, Plan, ProgressEntry

LIST = "/rtl/belum-dijadwalkan"
BADGE = '<span class="badge unscheduled">belum dijadwalkan</span>'


@pytest.fixture
def world(loaded, client):
    return World(client)


def page(resp) -> str:
    return htmllib.unescape(resp.data.decode())


def _draft_with_priorities(world, unscheduled_element=None):
    """A draft of unit A for 2021-S1 covering every priority; the action of
    ``unscheduled_element`` (if given) has no quarter."""
    world.login("m1@kota.go.id")
    plan = world.create_plan()
    window = world.window("2021-S1")
    for k in S.derived_priorities(plan.unit, "2021-S1"):
        quarters = () if k == unscheduled_element else window[:2]
        world.add_action(plan, k, f"Perbaikan {k}", quarters=quarters)
    return plan


def _import_unscheduled(code="2021-S2"):
    """Accepted imported plans for units A and B with one unscheduled action each (and one
    scheduled action for A)."""
    from tracker.followup.rtl_import import import_rtl
    text = ("unit,element,action,quarters,owner\n"
            f'"{UNIT_A}",Waktu Penyelesaian,Percepatan layanan A,,Kabid\n'
            f'"{UNIT_A}",Persyaratan,Papan persyaratan A,2021-TW4,Umpeg\n'
            f'"{UNIT_B}",Sarana dan Prasarana,Perbaikan ruang tunggu B,,Sekretariat\n')
    import_rtl(text.encode(), "rtl.csv", code, "regulation", user="test")
    a = Action.query.filter_by(text="Percepatan layanan A").one()
    b = Action.query.filter_by(text="Perbaikan ruang tunggu B").one()
    return a, b


# --------------------------------------------------------------------------- submit rule

def test_draft_saves_without_quarters_but_submit_is_refused(world):
    prios = S.derived_priorities(world.a, "2021-S1")
    plan = _draft_with_priorities(world, unscheduled_element=prios[0])
    a = Action.query.filter_by(element=prios[0]).one()
    assert a.quarters == []  # a draft may be saved without quarters
    html = page(world.client.get(f"/rtl/2021-S1/unit/{world.a_id}"))
    assert BADGE in html and "1 kegiatan belum dijadwalkan" in html
    assert html.count(BADGE) == 1  # only the unscheduled action carries the badge
    assert "harus dijadwalkan" in html  # the action form says it
    edit = page(world.client.get(f"/rtl/kegiatan/{a.id}/ubah"))
    assert "harus dijadwalkan" in edit and "belum dijadwalkan" in edit
    before = snapshot()
    r = world.submit(plan, expect=400)
    from tracker.domain.elements import ELEMENTS
    assert (f"Kegiatan 'Perbaikan {prios[0]}' (unsur {ELEMENTS[prios[0]].short}) belum dijadwalkan: "
            "pilih minimal satu triwulan") in page(r)
    assert snapshot() == before
    db.session.refresh(plan)
    assert plan.status == "draft"


def test_submit_names_every_unscheduled_action_and_works_once_scheduled(world):
    plan = _draft_with_priorities(world)
    world.add_action(plan, "waktu", "Kegiatan tanpa jadwal satu", quarters=())
    world.add_action(plan, "biaya", "Kegiatan tanpa jadwal dua", quarters=())
    r = world.submit(plan, expect=400)
    assert "'Kegiatan tanpa jadwal satu' (unsur Waktu)" in page(r)
    assert "'Kegiatan tanpa jadwal dua' (unsur Biaya)" in page(r)
    db.session.refresh(plan)
    assert plan.status == "draft"
    for a in Action.query.filter(Action.text.like("Kegiatan tanpa jadwal%")).all():
        r = world.client.post(f"/rtl/kegiatan/{a.id}/ubah", data={
            "version": a.version, "element": a.element, "text": a.text, "owner": a.owner,
            "quarters": ["2021-TW3"]})
        assert r.status_code == 302
    world.submit(plan)
    db.session.refresh(plan)
    assert plan.status == "submitted"


def test_returned_plan_is_held_to_the_same_rule(world):
    plan = _draft_with_priorities(world)
    world.submit(plan)
    world.login("admin@kota.go.id")
    db.session.refresh(plan)
    r = world.client.post(f"/rtl/rencana/{plan.id}/kembalikan",
                          data={"version": plan.version, "comment": "Tambah kegiatan."})
    assert r.status_code == 302
    world.login("m1@kota.go.id")
    world.add_action(plan, "waktu", "Tambahan tanpa jadwal", quarters=())
    r = world.submit(plan, expect=400)
    assert "'Tambahan tanpa jadwal' (unsur Waktu) belum dijadwalkan" in page(r)
    db.session.refresh(plan)
    assert plan.status == "returned"


# --------------------------------------------------------------------------- listing

def test_listing_per_role_and_counts(world):
    a, b = _import_unscheduled()
    scheduled = Action.query.filter_by(text="Papan persyaratan A").one()
    # Manager of A: A's unscheduled action only, with a form to schedule it.
    world.login("m1@kota.go.id")
    html = page(world.client.get(LIST))
    assert a.text in html and b.text not in html and scheduled.text not in html
    assert f'action="{LIST}?kegiatan={a.id}"' in html
    # Manager of B: B's only; A's action is not found.
    world.login("m2@kota.go.id")
    html = page(world.client.get(LIST))
    assert b.text in html and a.text not in html
    assert world.client.get(f"{LIST}?kegiatan={a.id}").status_code == 404
    # Admin: both, each schedulable; inspector: both, read only.
    world.login("admin@kota.go.id")
    html = page(world.client.get(LIST))
    assert a.text in html and b.text in html and html.count("Jadwalkan</button>") == 2
    world.login("inspektur@kota.go.id")
    html = page(world.client.get(LIST))
    assert a.text in html and b.text in html and "Jadwalkan</button>" not in html
    assert world.client.post(f"{LIST}?kegiatan={a.id}",
                             data={"version": a.version, "quarters": ["2021-TW4"]}).status_code == 403
    # The plans list counts them per plan; the plan page flags the action.
    world.login("admin@kota.go.id")
    html = page(world.client.get("/rtl/?period=2021-S2"))
    assert html.count('title="kegiatan belum dijadwalkan">1</span>') == 2  # A (1 of 2) and B (1 of 1)
    html = page(world.client.get(f"/rtl/2021-S2/unit/{world.a_id}"))
    assert html.count(BADGE) == 1 and f"{LIST}?kegiatan={a.id}" in html
    world.login("inspektur@kota.go.id")
    html = page(world.client.get(f"/rtl/2021-S2/unit/{world.a_id}"))
    assert "1 kegiatan belum dijadwalkan" in html and f"{LIST}?kegiatan={a.id}" not in html
    # The service query agrees with the pages.
    assert {x.id for x in S.unscheduled_actions(None)} == {a.id, b.id}
    assert [x.id for x in S.unscheduled_actions({world.b_id})] == [b.id]


def test_draft_plans_are_not_listed(world):
    prios = S.derived_priorities(world.a, "2021-S1")
    _draft_with_priorities(world, unscheduled_element=prios[0])
    assert S.unscheduled_actions(None) == []
    html = page(world.client.get(LIST))
    assert "Tidak ada kegiatan yang belum dijadwalkan" in html


def test_manager_schedules_accepted_action_with_audit(world):
    a, b = _import_unscheduled()
    window = world.window("2021-S2")
    world.login("m1@kota.go.id")
    assert "jadwalkan kegiatan ini" in page(world.client.get(f"/rtl/kegiatan/{a.id}/ubah"))
    # Outside the window: refused, nothing changes.
    before = snapshot()
    r = world.client.post(f"{LIST}?kegiatan={a.id}", data={"version": a.version, "quarters": ["2030-TW1"]})
    assert r.status_code == 400 and "di luar jendela" in page(r)
    r = world.client.post(f"{LIST}?kegiatan={a.id}", data={"version": a.version})
    assert r.status_code == 400 and "belum dijadwalkan: pilih minimal satu triwulan" in page(r)
    assert snapshot() == before
    # Changing other fields of an accepted plan stays refused.
    r = world.client.post(f"/rtl/kegiatan/{a.id}/ubah", data={
        "version": a.version, "element": a.element, "text": "Teks baru", "owner": "Baru",
        "quarters": [window[0]]})
    assert r.status_code == 400 and "tidak dapat diubah" in page(r)
    assert snapshot() == before
    # Scheduling works and is audited.
    r = world.client.post(f"{LIST}?kegiatan={a.id}",
                          data={"version": a.version, "quarters": [window[2], window[1]]})
    assert r.status_code == 302
    db.session.refresh(a)
    assert a.quarters == [window[1], window[2]] and a.text == "Percepatan layanan A"
    log = AuditLog.query.filter_by(entity="action", entity_id=a.id, event="schedule").one()
    assert log.before["quarters"] == [] and log.after["quarters"] == [window[1], window[2]]
    assert log.user_label == "m1@kota.go.id" and log.unit_id == world.a_id
    # No longer listed; scheduling again is refused (the schedule of an accepted plan is kept).
    assert a.text not in page(world.client.get(LIST))
    r = world.client.post(f"{LIST}?kegiatan={a.id}", data={"version": a.version, "quarters": [window[0]]})
    assert r.status_code == 400 and "sudah dijadwalkan" in page(r)
    # The audit page names the event.
    world.login("admin@kota.go.id")
    assert "dijadwalkan" in page(world.client.get(f"/rtl/audit/unit/{world.a_id}"))


def test_other_units_manager_cannot_schedule_admin_can(world):
    a, b = _import_unscheduled()
    window = world.window("2021-S2")
    world.login("m2@kota.go.id")
    before = snapshot()
    r = world.client.post(f"{LIST}?kegiatan={a.id}", data={"version": a.version, "quarters": [window[0]]})
    assert r.status_code == 404
    assert snapshot() == before
    # The service refuses as well, whatever the caller.
    with pytest.raises(S.NotAllowed):
        S.schedule_action(a, a.version, [window[0]], world.m2)
    with pytest.raises(S.NotAllowed):
        S.schedule_action(a, a.version, [window[0]], world.inspector)
    assert snapshot() == before
    world.login("admin@kota.go.id")
    r = world.client.post(f"{LIST}?kegiatan={b.id}", data={"version": b.version, "quarters": [window[0]]})
    assert r.status_code == 302
    db.session.refresh(b)
    assert b.quarters == [window[0]]
    log = AuditLog.query.filter_by(entity="action", entity_id=b.id, event="schedule").one()
    assert log.user_label == "admin@kota.go.id"


def test_stale_schedule_is_409(world):
    a, _ = _import_unscheduled()
    world.login("m1@kota.go.id")
    r = world.client.post(f"{LIST}?kegiatan={a.id}", data={"version": a.version + 3, "quarters": ["2021-TW4"]})
    assert r.status_code == 409
    db.session.refresh(a)
    assert a.quarters == []


# --------------------------------------------------------------------------- carry-over

def _entry(quarter, percent, status="verified"):
    return SimpleNamespace(quarter=quarter, percent=percent, status=status,
                           submitted_at=datetime(2022, 1, 1), id=1)


@pytest.mark.parametrize("quarters,entries,expected", [
    # the next quarter after the last planned one, as many as remain without a verified report
    (["2021-TW2", "2021-TW3"], [_entry("2021-TW2", 40)], ["2021-TW4"]),
    (["2021-TW2", "2021-TW3"], [], ["2021-TW4", "2022-TW1"]),
    (["2021-TW2", "2021-TW3"], [_entry("2021-TW2", 40, "rejected")], ["2021-TW4", "2022-TW1"]),
    # every planned quarter verified but below 100: still one quarter
    (["2021-TW3"], [_entry("2021-TW3", 60)], ["2021-TW4"]),
    # planned into the new window already: the quarters after it
    (["2021-TW4", "2022-TW1"], [], ["2022-TW2", "2022-TW3"]),
    # the window ends first: its last quarters, keeping the count
    (["2022-TW2", "2022-TW3"], [], ["2022-TW3", "2022-TW4"]),
    # nothing after the last planned quarter in the window, or unscheduled: the window's start
    (["2022-TW4"], [], ["2021-TW4"]),
    (["2023-TW2"], [], ["2021-TW4"]),
    ([], [], ["2021-TW4"]),
    # never more than the window
    ([f"{y}-TW{n}" for y in (2019, 2020) for n in (1, 2, 3, 4)], [],
     ["2021-TW4", "2022-TW1", "2022-TW2", "2022-TW3", "2022-TW4"]),
])
def test_carried_quarters_rule(app, quarters, entries, expected):
    window = S.plan_window("2021-S2")
    assert window == ["2021-TW4", "2022-TW1", "2022-TW2", "2022-TW3", "2022-TW4"]
    old = SimpleNamespace(quarters=quarters, entries=entries, not_actionable=False)
    got = S.carried_quarters(old, window)
    assert got == expected
    assert got and set(got) <= set(window)


def test_carried_actions_are_rescheduled_keep_history_and_count(world):
    plan = world.accepted_plan("2021-S1")
    done, half, idle = list(plan.actions)[:3]
    world.login("m1@kota.go.id")
    world.log(done, done.quarters[0], 100)
    world.log(half, half.quarters[0], 40)
    world.login("inspektur@kota.go.id")
    for e in ProgressEntry.query.all():
        world.review(e, "verified")
    old_entries = {e.id for e in ProgressEntry.query.all()}
    world.login("m1@kota.go.id")
    new = world.create_plan("2021-S2")
    window = world.window("2021-S2")
    carried = {a.carried_from_id: a for a in new.actions}
    assert set(carried) == {half.id, idle.id}
    # half: planned 2021-TW2..TW3, TW2 verified -> one quarter left, the next one: 2021-TW4
    assert carried[half.id].quarters == ["2021-TW4"]
    # idle: nothing reported -> two quarters, from the next one
    assert carried[idle.id].quarters == ["2021-TW4", "2022-TW1"]
    assert all(set(a.quarters) <= set(window) and a.quarters for a in new.actions)
    log = AuditLog.query.filter_by(entity="action", entity_id=carried[half.id].id, event="carry_over").one()
    assert log.after["quarters"] == ["2021-TW4"] and log.before["from_action"] == half.id
    # History kept: the old actions, their schedule and their entries are untouched.
    db.session.refresh(half)
    assert half.quarters == world.window("2021-S1")[:2] and half.plan_id == plan.id
    assert {e.id for e in ProgressEntry.query.all()} == old_entries
    assert [a.id for a in S.chain_of(carried[half.id])] == [half.id, carried[half.id].id]
    # They count in the new plan like its other actions.
    assert rates.plan_rate(new).actions == len(new.actions) == 2
    html = page(world.client.get(f"/rtl/2021-S2/unit/{world.a_id}"))
    assert "lanjutan dari periode 2021-S1" in html and "diisi otomatis" in html
    assert BADGE not in html
    # Editable before submitting: the manager moves a carried action within the window.
    c = carried[idle.id]
    r = world.client.post(f"/rtl/kegiatan/{c.id}/ubah", data={
        "version": c.version, "element": c.element, "text": c.text, "owner": c.owner,
        "quarters": [window[3], window[4]]})
    assert r.status_code == 302
    db.session.refresh(c)
    assert c.quarters == [window[3], window[4]] and c.carried_from_id == idle.id
    # A carried action emptied in the form blocks the submission like any other.
    r = world.client.post(f"/rtl/kegiatan/{c.id}/ubah", data={
        "version": c.version, "element": c.element, "text": c.text, "owner": c.owner})
    assert r.status_code == 302
    r = world.submit(new, expect=400)
    assert f"'{c.text}'" in page(r) and "belum dijadwalkan" in page(r)
    db.session.refresh(new)
    assert new.status == "draft"


def test_submit_refused_through_the_service_too(world):
    prios = S.derived_priorities(world.a, "2021-S1")
    plan = _draft_with_priorities(world, unscheduled_element=prios[-1])
    db.session.refresh(plan)
    with pytest.raises(S.WorkflowError) as exc:
        S.submit_plan(plan, plan.version, world.m1)
    assert "belum dijadwalkan" in exc.value.message
    db.session.refresh(plan)
    assert plan.status == "draft"
    # A draft is scheduled through its edit form, not the accepted-plan scheduling step.
    a = S.unscheduled_of(plan)[0]
    with pytest.raises(S.WorkflowError) as exc:
        S.schedule_action(a, a.version, ["2021-TW3"], world.m1)
    assert "halaman ubah kegiatan" in exc.value.message
    db.session.refresh(a)
    assert a.quarters == []
    assert Plan.query.filter_by(status="submitted").count() == 0
