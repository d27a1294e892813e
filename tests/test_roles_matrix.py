"""Every follow-up route x role: admin, inspector, manager of the unit, manager of another unit,
anonymous. Ids used belong to unit A (managed by m1); m2 manages unit B only, so A's ids must be
404 for m2, while wrong roles get 403 and anonymous users are sent to the login page."""
from __future__ import annotations

import io

import pytest

from tests.test_followup_workflow import PDF, World
from tracker.extensions import db
from tracker.models import Notification, ProgressEntry

FORBIDDEN, NOT_FOUND = 403, 404
ROLES = ("admin", "inspector", "own", "other", "anonymous")
EMAILS = {"admin": "admin@kota.go.id", "inspector": "inspektur@kota.go.id",
          "own": "m1@kota.go.id", "other": "m2@kota.go.id"}


def allow(*allowed, **denied):
    """Expectations per role: the roles in ``allowed`` get the route's own answer (the code given
    when the entry is built: 200 for a page, 302 after a post that worked, 400 or 409 for the
    empty form the matrix sends), which proves they passed the role and unit checks; the others
    get the code given for them (403 wrong role, 404 another unit's id)."""
    def expect(code: int = 200) -> dict:
        return {**{role: code for role in allowed}, **denied}
    return expect


def check(role: str, expected: int, response) -> bool:
    """Anonymous users go to the login page; everyone else gets exactly the expected code, and
    a redirect never leads to the login page."""
    to_login = response.status_code == 302 and "/login" in response.headers.get("Location", "")
    if role == "anonymous":
        return to_login
    return response.status_code == expected and not to_login


def matrix(ids):
    """(endpoint, method, url, {role: expectation}) with anonymous always redirected to login."""
    A, P, X, E, N = ids["unit"], ids["plan"], ids["action"], ids["entry"], ids["note"]
    all_ok = allow("admin", "inspector", "own", "other")
    readers = allow("admin", "inspector", "own", other=NOT_FOUND)
    manager_only = allow("own", admin=FORBIDDEN, inspector=FORBIDDEN, other=NOT_FOUND)
    admin_only = allow("admin", inspector=FORBIDDEN, own=FORBIDDEN, other=FORBIDDEN)
    inspector_only = allow("inspector", admin=FORBIDDEN, own=FORBIDDEN, other=FORBIDDEN)
    monitors = allow("admin", "inspector", own=FORBIDDEN, other=FORBIDDEN)
    own_note = allow("own", admin=NOT_FOUND, inspector=NOT_FOUND, other=NOT_FOUND)
    return [
        ("followup.plans", "GET", "/rtl/", all_ok()),
        ("followup.unscheduled", "GET", "/rtl/belum-dijadwalkan", all_ok()),
        ("followup.unscheduled", "GET", f"/rtl/belum-dijadwalkan?kegiatan={X}", readers()),
        ("followup.unscheduled", "POST", f"/rtl/belum-dijadwalkan?kegiatan={X}",
         allow("admin", "own", inspector=FORBIDDEN, other=NOT_FOUND)(409)),
        ("followup.plans", "GET", "/rtl/?period=2021-S1", all_ok()),
        ("followup.plan", "GET", f"/rtl/2021-S1/unit/{A}", readers()),
        ("followup.plan_create", "POST", f"/rtl/2021-S1/unit/{A}/buat", manager_only(400)),
        ("followup.override", "POST", f"/rtl/2021-S1/unit/{A}/prioritas", admin_only(400)),
        ("followup.override_clear", "POST", f"/rtl/rencana/{P}/prioritas/batal", admin_only(400)),
        ("followup.action_add", "POST", f"/rtl/rencana/{P}/kegiatan", manager_only(400)),
        ("followup.plan_submit", "POST", f"/rtl/rencana/{P}/ajukan", manager_only(409)),
        ("followup.plan_accept", "POST", f"/rtl/rencana/{P}/terima", admin_only(409)),
        ("followup.plan_return", "POST", f"/rtl/rencana/{P}/kembalikan", admin_only(400)),
        ("followup.action", "GET", f"/rtl/kegiatan/{X}", readers()),
        ("followup.action_edit", "GET", f"/rtl/kegiatan/{X}/ubah", manager_only()),
        ("followup.action_edit", "POST", f"/rtl/kegiatan/{X}/ubah", manager_only(400)),
        ("followup.action_delete", "POST", f"/rtl/kegiatan/{X}/hapus", manager_only(409)),
        ("followup.action_not_actionable", "POST", f"/rtl/kegiatan/{X}/tidak-dapat", admin_only(400)),
        ("followup.progress_add", "POST", f"/rtl/kegiatan/{X}/kemajuan", manager_only(400)),
        ("followup.entry_resubmit", "GET", f"/rtl/laporan/{E}/ajukan-ulang", manager_only()),
        ("followup.entry_resubmit", "POST", f"/rtl/laporan/{E}/ajukan-ulang", manager_only(400)),
        ("followup.entry_review", "POST", f"/rtl/laporan/{E}/periksa", inspector_only(400)),
        ("followup.evidence", "GET", f"/rtl/laporan/{E}/bukti", readers()),
        ("followup.evidence_preview", "GET", f"/rtl/laporan/{E}/pratinjau", readers()),
        ("followup.evidence_zip", "GET", f"/rtl/2021-S1/unit/{A}/bukti.zip", readers()),
        ("followup.evidence_zip", "GET", f"/rtl/2021/unit/{A}/bukti.zip", readers()),
        ("followup.review_queue", "GET", "/rtl/verifikasi", monitors()),
        ("monitoring.index", "GET", "/rtl/pemantauan", monitors()),
        ("monitoring.index", "GET", "/rtl/pemantauan?period=2021-S1&group=Perangkat+Daerah", monitors()),
        ("monitoring.index", "GET", "/rtl/pemantauan?period=2021&urut=pembaruan&outcome=late&induk=1", monitors()),
        ("followup.audit_unit", "GET", f"/rtl/audit/unit/{A}", monitors()),
        ("followup.notifications", "GET", "/notifikasi", all_ok()),
        ("followup.notification_read", "POST", f"/notifikasi/{N}/baca", own_note(302)),
        ("followup.notifications_read_all", "POST", "/notifikasi/baca-semua", all_ok(302)),
    ]


@pytest.fixture
def world(loaded, client):
    w = World(client)
    plan = w.accepted_plan()
    action = plan.actions[0]
    w.login("m1@kota.go.id")
    w.log(action, action.quarters[0], 50)
    entry = ProgressEntry.query.one()
    note = Notification.query.filter_by(user_id=w.m1.id).first()
    w.ids = {"unit": w.a_id, "plan": plan.id, "action": action.id, "entry": entry.id, "note": note.id}
    w.client.post("/logout")
    return w


def test_matrix_covers_every_followup_route(app):
    ids = dict(unit=1, plan=1, action=1, entry=1, note=1)
    covered = {(ep, m) for ep, m, _, _ in matrix(ids)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("followup.", "monitoring.")):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, (rule.endpoint, method)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(world, role):
    if role != "anonymous":
        world.login(EMAILS[role])
    failures = []
    for endpoint, method, url, expect in matrix(world.ids):
        if method == "GET":
            r = world.client.get(url)
        else:
            r = world.client.post(url, data={})
        if not check(role, expect.get(role), r):
            failures.append((endpoint, method, url, r.status_code, expect.get(role, "login")))
        db.session.rollback()
    assert not failures, failures


def test_manager_cannot_reach_other_units_by_id(world):
    """m2 tries unit A's pages and forms: always 404, and nothing changes."""
    from tests.helpers import snapshot
    world.login("m2@kota.go.id")
    before = snapshot()
    ids = world.ids
    data = {"element": "waktu", "text": "x", "owner": "y", "quarters": ["2021-TW2"], "version": "1"}
    for url in (f"/rtl/rencana/{ids['plan']}/kegiatan", f"/rtl/kegiatan/{ids['action']}/ubah",
                f"/rtl/kegiatan/{ids['action']}/hapus", f"/rtl/rencana/{ids['plan']}/ajukan"):
        assert world.client.post(url, data=data).status_code == 404
    r = world.client.post(f"/rtl/kegiatan/{ids['action']}/kemajuan", data={
        "quarter": "2021-TW2", "percent": "50", "narrative": "x",
        "evidence": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 404
    assert world.client.get(f"/rtl/2021-S1/unit/{ids['unit']}").status_code == 404
    assert world.client.get("/rtl/2021-S1/unit/999999").status_code == 404
    assert world.client.get("/rtl/kegiatan/999999").status_code == 404
    assert world.client.get("/rtl/bukan-periode/unit/1").status_code == 404
    html = world.client.get("/rtl/?period=2021-S1").data.decode()
    assert world.a.name not in html and world.b.name in html
    assert snapshot() == before
