"""The JSON API (/api/v1): bearer tokens per user acting with the user's role and units, every
route per role, the progress report through the web's rules, tokens made and revoked on their
page, rate limits per token and per address, the spec served, and query counts that stay flat
as the city grows. The spec itself is exercised by schemathesis in test_api_schema.py."""
from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
from werkzeug.security import generate_password_hash

from tests.factories import ActionFactory, PlanFactory
from tests.helpers import QueryCounter, login
from tests.helpers import snapshot as _snapshot
from tracker.api import auth as api_auth
from tracker.extensions import db
from tracker.models import ApiToken, AuditLog, Notification, Period, ProgressEntry, Unit, User
from tracker.models._base import utcnow

PERIOD = "2023-S1"
UNITS = ["Dinas Alpha", "Dinas Beta", "Kecamatan Gamma"]
LINK = "https://drive.kota.go.id/bukti/sop.pdf"


def scores_csv(names) -> bytes:
    """Aggregated results (NRR per element) for the given units, slightly different each."""
    lines = ["unit,respondents," + ",".join(f"nrr_u{i}" for i in range(1, 10)) + ",unit_group"]
    for n, name in enumerate(names):
        nrrs = [3.0 + ((n * 7 + i * 3) % 10) / 12 for i in range(1, 10)]
        lines.append(f'"{name}",{100 + n},' + ",".join(f"{v:.3f}" for v in nrrs) + ",Perangkat Daerah")
    return ("\n".join(lines) + "\n").encode()


# One cheap hash of the tests' password: these tests exercise tokens, not password hashing
# (users made through tracker.users cost a deliberate scrypt each, and most tests here need four).
QUICK_HASH = generate_password_hash("rahasia123", method="pbkdf2:sha256:1")


def quick_user(email: str, role: str, units=()) -> User:
    user = User(email=email, role=role, units=list(units), password_hash=QUICK_HASH)
    db.session.add(user)
    db.session.commit()
    return user


class ApiWorld:
    """Three units with results for 2023-S1; unit A (m1) and B (m2) with accepted plans, C with
    a draft; A also has a draft plan for 2023-S2. One token per user."""

    def __init__(self, client):
        from tracker.imports.service import import_scores
        self.client = client
        import_scores(scores_csv(UNITS), "hasil.csv", PERIOD, "questionnaire", user="test")
        self.a, self.b, self.c = (Unit.query.filter_by(name=n).one() for n in UNITS)
        self.period = Period.query.filter_by(code=PERIOD).one()
        self.admin = quick_user("admin@kota.go.id", "admin")
        self.inspector = quick_user("inspektur@kota.go.id", "inspector")
        self.m1 = quick_user("m1@kota.go.id", "manager", [self.a])
        self.m2 = quick_user("m2@kota.go.id", "manager", [self.b])
        self.plan_a = PlanFactory(unit=self.a, period=self.period, status="accepted")
        self.action_a = ActionFactory(plan=self.plan_a, element="waktu", quarters=["2023-TW2", "2023-TW3"])
        self.action_a2 = ActionFactory(plan=self.plan_a, element="biaya", quarters=["2023-TW3"])
        self.plan_b = PlanFactory(unit=self.b, period=self.period, status="accepted")
        self.action_b = ActionFactory(plan=self.plan_b, element="prosedur", quarters=["2023-TW2"])
        self.plan_c = PlanFactory(unit=self.c, period=self.period, status="draft")
        ActionFactory(plan=self.plan_c, element="waktu", quarters=["2023-TW3"])
        from tracker.results.service import ensure_period
        s2 = ensure_period("2023-S2")
        db.session.commit()
        self.draft_a = PlanFactory(unit=self.a, period=s2, status="draft")
        self.action_draft = ActionFactory(plan=self.draft_a, element="waktu", quarters=["2024-TW1"])
        self.tokens = {role: self.token(user) for role, user in (
            ("admin", self.admin), ("inspector", self.inspector), ("own", self.m1), ("other", self.m2))}

    def token(self, user, name="Dasbor kota", expires_at=None) -> str:
        made = api_auth.create_token(user, name, expires_at)
        db.session.commit()
        return made.token

    def call(self, role_or_token, path, method="GET", body=None, raw=None, headers=None, **kw):
        token = self.tokens.get(role_or_token, role_or_token)
        h = {"Authorization": f"Bearer {token}"} if token else {}
        h.update(headers or {})
        if raw is not None:
            kw.update(data=raw, content_type="application/json")
        elif body is not None:
            kw["json"] = body
        r = self.client.open(f"/api/v1{path}", method=method, headers=h, **kw)
        db.session.rollback()  # the test's session sees what the request committed
        return r

    def report(self, role, action, quarter="2023-TW2", percent=50, link=LINK, **extra):
        body = {"quarter": quarter, "percent": percent, "narrative": "Sosialisasi SOP kepada petugas.",
                "evidence_link": link, **extra}
        return self.call(role, f"/actions/{action.id}/progress", "POST", body)


@pytest.fixture
def world(app, client):
    return ApiWorld(client)


def snapshot() -> dict:
    """Every row but the API's own bookkeeping (request counters, a token's last use)."""
    rows = _snapshot()
    rows.pop("rate_counter", None)
    rows.pop("api_token", None)
    return rows


def message(r) -> str:
    return r.get_json()["error"]


# ------------------------------------------------------------------------------ the gate

def test_without_a_token_the_api_answers_401_in_bahasa(world):
    for headers in ({}, {"Authorization": "Basic YWRtaW46eA=="}, {"Authorization": "Bearer "}):
        r = world.client.get("/api/v1/units", headers=headers)
        assert r.status_code == 401 and r.is_json
        assert message(r).startswith("Token API diperlukan")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = world.call("skm_bukan-token-yang-benar", "/units")
    assert r.status_code == 401 and "tidak valid" in message(r)


def test_a_session_cookie_alone_never_authenticates(world):
    """Signed in on the web, the browser's cookie opens no API route: reads and writes answer
    401, so a page on another site cannot make the browser act through the API."""
    login(world.client, "m1@kota.go.id")
    assert world.client.get("/").status_code == 200  # the session works for pages
    before = snapshot()
    assert world.client.get("/api/v1/me").status_code == 401
    r = world.client.post(f"/api/v1/actions/{world.action_a.id}/progress",
                          json={"quarter": "2023-TW2", "percent": 50, "narrative": "x", "evidence_link": LINK})
    assert r.status_code == 401
    assert snapshot() == before
    # With the token the same client is the token's user, whoever is signed in.
    assert world.call("admin", "/me").get_json()["role"] == "admin"
    assert world.client.get("/").status_code == 200  # and the page is still m1's
    assert "m1@kota.go.id" in world.client.get("/").get_data(as_text=True)


def test_api_answers_set_no_cookie(world):
    r = world.call("own", "/units")
    assert r.status_code == 200
    assert "Set-Cookie" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"


@pytest.fixture
def csrf_world(csrf_app):
    return ApiWorld(csrf_app.test_client())


def csrf_login(client, email):
    """Sign in through the login form with its CSRF token (CSRF protection on)."""
    import re
    from flask import g
    g.pop("_login_user", None)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"email": email, "password": "rahasia123", "csrf_token": token})
    assert r.status_code == 302


def test_bearer_requests_need_no_csrf_token_but_cookies_get_nothing(csrf_world):
    w = csrf_world
    r = w.report("own", w.action_a)
    assert r.status_code == 201, r.get_json()
    # The web's forms still need their CSRF token on this app.
    csrf_login(w.client, "m1@kota.go.id")
    assert w.client.post("/akun/token-api/", data={"name": "x", "validity": "30"}).status_code == 400
    # A signed-in browser posting to the API without a token: 401, not a CSRF refusal.
    r = w.client.post(f"/api/v1/actions/{w.action_a.id}/progress",
                      json={"quarter": "2023-TW3", "percent": 10, "narrative": "x", "evidence_link": LINK})
    assert r.status_code == 401 and r.is_json


def test_revoked_expired_and_inactive_tokens_are_refused(world):
    assert world.call("own", "/me").status_code == 200
    row = ApiToken.query.filter_by(token_hash=api_auth.hash_token(world.tokens["own"])).one()
    row.revoked_at = utcnow()
    db.session.commit()
    assert world.call("own", "/me").status_code == 401

    expiring = world.token(world.m1, "sebentar", expires_at=utcnow() + timedelta(minutes=5))
    assert world.call(expiring, "/me").status_code == 200
    row = ApiToken.query.filter_by(token_hash=api_auth.hash_token(expiring)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    r = world.call(expiring, "/me")
    assert r.status_code == 401 and "kedaluwarsa" in message(r)

    assert world.call("other", "/me").status_code == 200
    world.m2.active = False
    db.session.commit()
    assert world.call("other", "/me").status_code == 401


def test_only_the_hash_is_stored_and_last_use_is_kept(world):
    token = world.tokens["inspector"]
    row = ApiToken.query.filter_by(user_id=world.inspector.id).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith("skm_") and len(token) > 40 and row.prefix == token[:12]
    assert token not in json.dumps([str(getattr(row, c.name)) for c in ApiToken.__table__.columns])
    assert row.last_used_at is None
    world.call("inspector", "/me")
    db.session.refresh(row)
    assert row.last_used_at is not None


# ------------------------------------------------------------------------------ roles

FORBIDDEN, NOT_FOUND = 403, 404


def api_matrix(w) -> list:
    """(endpoint, method, path, body, {role: status}) for every API route: ids are unit A's
    (managed by 'own'); 'other' manages unit B only."""
    A = w.action_a.id
    everyone = {"admin": 200, "inspector": 200, "own": 200, "other": 200}
    readers = {"admin": 200, "inspector": 200, "own": 200, "other": NOT_FOUND}
    body = {"quarter": "2023-TW2", "percent": 40, "narrative": "Rapat evaluasi SOP.", "evidence_link": LINK}
    return [
        ("api.me", "GET", "/me", None, everyone),
        ("api.units", "GET", "/units", None, everyone),
        ("api.periods", "GET", "/periods", None, everyone),
        ("api.results", "GET", f"/periods/{PERIOD}/results", None, everyone),
        ("api.plans", "GET", f"/periods/{PERIOD}/plans", None, everyone),
        ("api.status", "GET", f"/periods/{PERIOD}/status?as_of=2023-12-31", None, everyone),
        ("api.action", "GET", f"/actions/{A}", None, readers),
        ("api.report_progress", "POST", f"/actions/{A}/progress", body,
         {"admin": FORBIDDEN, "inspector": FORBIDDEN, "own": 201, "other": NOT_FOUND}),
    ]


def test_api_matrix_covers_every_api_route(world):
    covered = {(ep, m) for ep, m, *_ in api_matrix(world)}
    for rule in world.client.application.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, (rule.endpoint, method)


@pytest.mark.parametrize("role", ["admin", "inspector", "own", "other"])
def test_every_api_route_per_role(world, role):
    failures = []
    for endpoint, method, path, body, expect in api_matrix(world):
        r = world.call(role, path, method, body)
        if r.status_code != expect[role] or not r.is_json:
            failures.append((endpoint, method, path, r.status_code, expect[role], r.get_data(as_text=True)[:200]))
        if r.status_code >= 400:
            assert r.get_json()["error"], (endpoint, role)
    assert not failures, failures


def test_manager_sees_and_changes_only_their_units(world):
    units = world.call("own", "/units").get_json()
    assert [u["name"] for u in units] == [UNITS[0]]
    results = world.call("own", f"/periods/{PERIOD}/results").get_json()
    assert [u["unit"] for u in results["units"]] == [UNITS[0]]
    assert results["city"]["units"] == 3  # the city's figures are the city's
    plans = world.call("own", f"/periods/{PERIOD}/plans").get_json()
    assert [p["unit"] for p in plans["plans"]] == [UNITS[0]]
    status = world.call("own", f"/periods/{PERIOD}/status").get_json()
    assert [u["unit"] for u in status["units"]] == [UNITS[0]]
    assert status["city"]["units_without_accepted_plan"] == []  # Gamma is not theirs to see
    assert world.call("own", f"/actions/{world.action_b.id}").status_code == 404
    before = snapshot()
    r = world.report("own", world.action_b)
    assert r.status_code == 404 and message(r) == "Kegiatan tidak ditemukan."
    assert snapshot() == before


def test_admin_and_inspector_see_every_unit_and_cannot_report(world):
    for role in ("admin", "inspector"):
        assert len(world.call(role, "/units").get_json()) == 3
        assert len(world.call(role, f"/periods/{PERIOD}/results").get_json()["units"]) == 3
        assert {p["unit"] for p in world.call(role, f"/periods/{PERIOD}/plans").get_json()["plans"]} == set(UNITS)
        status = world.call(role, f"/periods/{PERIOD}/status").get_json()
        assert status["city"]["units_without_accepted_plan"] == [UNITS[2]]
        r = world.report(role, world.action_a)
        assert r.status_code == 403 and "pengelola unit" in message(r)
    assert ProgressEntry.query.count() == 0


def test_unknown_and_malformed_ids_and_periods_are_404(world):
    for path in ("/periods/2021-S3/results", "/periods/bukan/plans", "/periods/2099-S1/results",
                 "/periods/2099-S1/status", "/actions/999999",
                 "/actions/2147483648", "/actions/0"):
        r = world.call("admin", path)
        assert r.status_code == 404, path
        assert r.is_json and message(r), path
    assert world.call("admin", "/periods/2099-S1/plans").get_json() == {"period": "2099-S1", "plans": []}
    r = world.call("admin", f"/periods/{PERIOD}/status?as_of=kemarin")
    assert r.status_code == 422 and "YYYY-MM-DD" in message(r)


def test_unknown_api_addresses_and_methods_answer_json(world):
    r = world.client.get("/api/v1/tidak-ada")
    assert r.status_code == 404 and r.is_json and message(r) == "Alamat API tidak ditemukan."
    r = world.client.delete("/api/v1/periods")
    assert r.status_code == 405 and r.is_json and "GET" in r.headers["Allow"]
    r = world.client.get(f"/api/v1/actions/{world.action_a.id}/progress")
    assert r.status_code == 405 and r.headers["Allow"].startswith("POST")


# ------------------------------------------------------------------------------ reads

def test_results_are_the_skm_summary_document(world):
    from tracker.results.summary import build_summary
    api = world.call("admin", f"/periods/{PERIOD}/results").get_json()
    expected = json.loads(json.dumps(build_summary(PERIOD)))
    ids = {u.name: u.id for u in Unit.query}
    assert api == {**expected, "units": [{"unit_id": ids[u["unit"]], **u} for u in expected["units"]]}


def test_status_is_the_rtl_status_document(world):
    from tracker.followup.status import period_status, status_json
    world.report("own", world.action_a)
    api = world.call("inspector", f"/periods/{PERIOD}/status?as_of=2023-12-31").get_json()
    st = period_status(PERIOD, date(2023, 12, 31))
    expected = json.loads(json.dumps(status_json(st)))
    assert api == {**expected, "units": [{"unit_id": u.unit.id, **row} for u, row in zip(st.units, expected["units"])]}
    a = next(u for u in api["units"] if u["unit"] == UNITS[0])
    assert a["awaiting_verification"] == 1 and a["plan_status"] == "accepted"


def test_plans_list_actions_with_their_state(world):
    from tracker.followup.progress import review_entry
    world.report("own", world.action_a, percent=60)
    entry = ProgressEntry.query.one()
    review_entry(entry, entry.version, "verified", "", world.inspector)
    world.report("own", world.action_a, quarter="2023-TW3", percent=80)
    plans = world.call("own", f"/periods/{PERIOD}/plans").get_json()["plans"]
    plan = plans[0]
    assert plan["status"] == "accepted" and plan["unit_id"] == world.a.id
    first = next(a for a in plan["actions"] if a["id"] == world.action_a.id)
    assert first["element"] == "waktu" and first["quarters"] == ["2023-TW2", "2023-TW3"]
    assert first["owner"] == "Sub Bagian Umum" and first["status"] == "dalam_proses"
    assert first["realisation"] == 60.0 and first["claimed"] == 80.0
    assert first["verified_quarters"] == ["2023-TW2"] and first["awaiting_verification"] is True
    assert plan["realisation"] == 30.0  # (60 + 0) / 2
    detail = world.call("own", f"/actions/{world.action_a.id}").get_json()
    assert [e["status"] for e in detail["reports"]] == ["verified", "submitted"]
    assert detail["reportable_quarters"] == ["2023-TW2", "2023-TW3"] and detail["can_report"] is True
    assert world.call("admin", f"/actions/{world.action_a.id}").get_json()["can_report"] is False


def test_periods_list_results_plans_and_roll_ups(world):
    periods = {p["code"]: p for p in world.call("own", "/periods").get_json()}
    assert periods[PERIOD]["has_results"] and periods[PERIOD]["has_plans"] and periods[PERIOD]["stored"]
    assert periods["2023"]["has_results"] and not periods["2023"]["stored"]
    assert periods["2023-S2"]["has_plans"] and not periods["2023-S2"]["has_results"]
    assert periods[PERIOD]["label"] == "Semester I 2023" and periods[PERIOD]["start_date"] == "2023-01-01"
    # A year's plans are its semesters' (a unit's own plans for both semesters, both listed).
    year = world.call("own", "/periods/2023/plans").get_json()
    assert year["period"] == "2023"
    assert [(p["unit"], p["period"]) for p in year["plans"]] == [(UNITS[0], PERIOD), (UNITS[0], "2023-S2")]
    assert {p["period"] for p in world.call("admin", "/periods/2023/plans").get_json()["plans"]} == {PERIOD, "2023-S2"}


# ------------------------------------------------------------------------------ writes

def test_progress_report_goes_through_the_web_rules(world):
    r = world.report("own", world.action_a, percent=50.5)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "submitted" and body["percent"] == 50.5 and body["evidence_link"] == LINK
    entry = db.session.get(ProgressEntry, body["id"])
    assert entry.submitted_by_id == world.m1.id
    # the audit trail names the token's user, the inspectors are told
    audit = AuditLog.query.filter_by(entity="progress_entry", entity_id=entry.id).one()
    assert audit.user_id == world.m1.id and audit.event == "create" and audit.unit_id == world.a.id
    assert Notification.query.filter_by(user_id=world.inspector.id).count() == 1
    # a second report for the quarter while the first waits for the inspector: refused
    r = world.report("own", world.action_a, percent=70)
    assert r.status_code == 422 and "menunggu verifikasi" in message(r)
    assert ProgressEntry.query.count() == 1


BAD_REPORTS = [
    ({"percent": 150}, "Persentase harus antara 0 dan 100."),
    ({"percent": -1}, "Persentase harus antara 0 dan 100."),
    ({"percent": "lima puluh"}, "harus berupa angka"),
    ({"quarter": "2025-TW1"}, "Triwulan tidak termasuk jadwal kegiatan."),
    ({"link": None}, "Lampirkan bukti"),
    ({"link": "ftp://bukti"}, "http:// atau https://"),
    ({"narrative": "  "}, "Uraian kegiatan wajib diisi."),
    ({"narrative": "a\x00b"}, "karakter kendali"),
    ({"narrative": "a\ud800b"}, "karakter yang tidak valid"),
    ({"nilai": 1}, "tidak dikenal"),
    ({"supersedes_id": 10**30}, "Nomor harus antara"),
]


def test_bad_reports_are_refused_with_a_message(world):
    before = snapshot()
    for change, text in BAD_REPORTS:
        change = dict(change)
        link = change.pop("link", LINK)
        r = world.report("own", world.action_a, link=link, **change)
        assert r.status_code == 422, (change, r.get_json())
        assert text in message(r), (change, message(r))
    assert snapshot() == before


def test_reports_need_an_accepted_plan_and_a_json_object(world):
    before = snapshot()
    r = world.report("own", world.action_draft, quarter="2024-TW1")
    assert r.status_code == 422 and message(r) == "Kemajuan hanya dapat dilaporkan untuk RTL yang sudah diterima."
    r = world.call("own", f"/actions/{world.action_a.id}/progress", "POST", raw="{bukan json")
    assert r.status_code == 400 and message(r) == "Badan permintaan bukan JSON yang valid."
    r = world.call("own", f"/actions/{world.action_a.id}/progress", "POST", body=[1, 2])
    assert r.status_code == 422 and "objek JSON" in message(r)
    r = world.call("own", f"/actions/{world.action_a.id}/progress", "POST", body={})
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"quarter", "percent", "narrative"}
    assert "wajib diisi" in message(r)
    assert snapshot() == before


def test_resubmission_checks_the_rejected_reports_version(world):
    from tracker.followup.progress import review_entry
    world.report("own", world.action_a, percent=40)
    entry = ProgressEntry.query.one()
    review_entry(entry, entry.version, "rejected", "Bukti belum lengkap", world.inspector)
    db.session.refresh(entry)
    r = world.report("own", world.action_a, percent=45, supersedes_id=entry.id, supersedes_version=entry.version - 1)
    assert r.status_code == 409 and "diubah oleh pengguna lain" in message(r)
    r = world.report("own", world.action_a, percent=45, supersedes_id=entry.id)
    assert r.status_code == 422 and "supersedes_version" in r.get_json()["errors"]
    r = world.report("own", world.action_a2, quarter="2023-TW3", supersedes_id=entry.id,
                     supersedes_version=entry.version)
    assert r.status_code == 422 and "tidak ditemukan pada kegiatan ini" in message(r)
    r = world.report("own", world.action_a, percent=45, supersedes_id=entry.id, supersedes_version=entry.version)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["supersedes_id"] == entry.id
    r = world.report("own", world.action_a, percent=46, supersedes_id=entry.id, supersedes_version=entry.version + 1)
    assert r.status_code in (409, 422) and message(r)


# ------------------------------------------------------------------------------ rate limits

def test_requests_beyond_the_token_limit_are_429_with_retry_after(world, monkeypatch):
    world.client.application.config["API_RATE_LIMIT"] = "3/60"
    monkeypatch.setattr(api_auth, "_clock", lambda: 6_000_000.0 + 10)  # 50 s left in the window
    codes = [world.call("own", "/me").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    r = world.call("own", "/me")
    assert r.status_code == 429 and r.headers["Retry-After"] == "50"
    assert "Batas permintaan API" in message(r) and r.headers["X-RateLimit-Remaining"] == "0"
    assert world.call("other", "/me").status_code == 200  # each token counts apart
    monkeypatch.setattr(api_auth, "_clock", lambda: 6_000_000.0 + 61)  # the next window
    r = world.call("own", "/me")
    assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "3"


def test_failed_token_checks_are_limited_per_address(world, monkeypatch):
    world.client.application.config["API_AUTH_FAILURE_LIMIT"] = "3/600"
    monkeypatch.setattr(api_auth, "_clock", lambda: 6_000_000.0)
    bad = [world.call(f"skm_tebakan{i}", "/me").status_code for i in range(4)]
    assert bad == [401, 401, 401, 429]
    # while the address waits, even a good token is not checked from it
    r = world.call("own", "/me")
    assert r.status_code == 429 and "percobaan token API yang gagal" in message(r)
    assert int(r.headers["Retry-After"]) == 600
    # another address is not held up; requests without any token are not guesses
    r = world.call("own", "/me", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert r.status_code == 200
    monkeypatch.setattr(api_auth, "_clock", lambda: 6_000_000.0 + 600)
    assert world.call("own", "/me").status_code == 200


# ------------------------------------------------------------------------------ token page

def test_token_page_makes_shows_once_and_revokes(world):
    login(world.client, "m1@kota.go.id")
    page = world.client.get("/akun/token-api/")
    assert page.status_code == 200 and "Token API" in page.get_data(as_text=True)
    r = world.client.post("/akun/token-api/", data={"name": "e-SAKIP", "validity": "30"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    html = r.get_data(as_text=True)
    row = ApiToken.query.filter_by(user_id=world.m1.id, name="e-SAKIP").one()
    token = next(w for w in html.replace("<", " ").replace(">", " ").split() if w.startswith("skm_") and len(w) > 40)
    assert api_auth.hash_token(token) == row.token_hash
    assert row.expires_at is not None and (row.expires_at - utcnow()).days in (29, 30)
    assert "Set-Cookie" not in r.headers or token not in r.headers["Set-Cookie"]
    assert world.call(token, "/me").status_code == 200
    later = world.client.get("/akun/token-api/").get_data(as_text=True)
    assert token not in later and row.prefix in later and "e-SAKIP" in later
    assert AuditLog.query.filter_by(entity="api_token", entity_id=row.id, event="create").count() == 1
    # revoke
    r = world.client.post(f"/akun/token-api/{row.id}/cabut")
    assert r.status_code == 302
    assert world.call(token, "/me").status_code == 401
    assert "dicabut" in world.client.get("/akun/token-api/").get_data(as_text=True)


def test_reloading_the_answer_makes_no_second_token(world):
    """The browser sends the form again when its answer is reloaded: the form's nonce has made
    a token already, so the user is told so and no second token is made."""
    import re
    login(world.client, "m1@kota.go.id")
    page = world.client.get("/akun/token-api/").get_data(as_text=True)
    nonce = re.search(r'id="nonce" name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    form = {"name": "Portal data", "validity": "90", "nonce": nonce}
    first = world.client.post("/akun/token-api/", data=form)
    assert first.status_code == 200
    again = world.client.post("/akun/token-api/", data=form)
    assert again.status_code == 302
    assert "sudah dibuat" in world.client.get(again.headers["Location"]).get_data(as_text=True)
    assert ApiToken.query.filter_by(user_id=world.m1.id, name="Portal data").count() == 1
    # The answer's own form has a new nonce: it makes a second token when the user asks.
    fresh = re.search(r'id="nonce" name="nonce" type="hidden" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert fresh != nonce
    assert world.client.post("/akun/token-api/", data=dict(form, nonce=fresh)).status_code == 200
    assert ApiToken.query.filter_by(user_id=world.m1.id, name="Portal data").count() == 2


def test_token_page_refuses_bad_input_in_bahasa(world):
    from tests.test_indonesian import english_in, visible
    login(world.client, "m1@kota.go.id")
    r = world.client.post("/akun/token-api/", data={"name": "", "validity": "999"})
    assert r.status_code == 400
    text = visible(r.get_data(as_text=True))
    assert "Nama token wajib diisi." in text and "Pilihan tidak valid." in text
    assert not english_in(text)
    assert ApiToken.query.filter_by(user_id=world.m1.id).count() == 1  # the world's own
    for i in range(api_auth.MAX_ACTIVE_TOKENS - 1):
        world.token(world.m1, f"t{i}")
    r = world.client.post("/akun/token-api/", data={"name": "satu lagi", "validity": "30"})
    assert r.status_code == 400 and "token aktif" in r.get_data(as_text=True)


def test_managers_revoke_only_their_own_tokens_and_the_admin_anyones(world):
    theirs = ApiToken.query.filter_by(user_id=world.m2.id).one()
    login(world.client, "m1@kota.go.id")
    assert world.client.post(f"/akun/token-api/{theirs.id}/cabut").status_code == 404
    assert world.client.post("/akun/token-api/999999/cabut").status_code == 404
    page = world.client.get("/akun/token-api/").get_data(as_text=True)
    assert theirs.prefix not in page
    assert world.call("other", "/me").status_code == 200
    login(world.client, "admin@kota.go.id")
    page = world.client.get("/akun/token-api/").get_data(as_text=True)
    assert theirs.prefix in page and "m2@kota.go.id" in page
    assert world.client.post(f"/akun/token-api/{theirs.id}/cabut").status_code == 302
    assert world.call("other", "/me").status_code == 401
    audit = AuditLog.query.filter_by(entity="api_token", entity_id=theirs.id, event="revoke").one()
    assert audit.user_id == world.admin.id


def test_token_page_needs_a_signed_in_user(world):
    r = world.client.get("/akun/token-api/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert world.client.post("/akun/token-api/", data={"name": "x"}).status_code == 302
    assert ApiToken.query.count() == 4


def test_token_page_forms_need_their_csrf_token(csrf_world):
    w = csrf_world
    csrf_login(w.client, "m1@kota.go.id")
    own = ApiToken.query.filter_by(user_id=w.m1.id).one()
    assert w.client.post(f"/akun/token-api/{own.id}/cabut").status_code == 400
    db.session.refresh(own)
    assert own.revoked_at is None
    import re
    page = w.client.get("/akun/token-api/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = w.client.post("/akun/token-api/", data={"name": "Dasbor", "validity": "90", "csrf_token": csrf})
    assert r.status_code == 200 and "skm_" in r.get_data(as_text=True)
    assert w.client.post(f"/akun/token-api/{own.id}/cabut", data={"csrf_token": csrf}).status_code == 302


# ------------------------------------------------------------------------------ spec and docs

def test_spec_is_served_and_documents_every_api_route(world):
    r = world.client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.is_json
    spec = r.get_json()
    assert spec["openapi"].startswith("3.") and spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item
                  if method != "parameters"}
    app = world.client.application
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)


def test_docs_page_lists_the_endpoints_without_outside_assets(world):
    r = world.client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "/api/v1/periods/{code}/results" in html and "POST /api/v1/actions/{action_id}/progress" in html
    assert "<script" not in html and "cdn" not in html.lower()


# ------------------------------------------------------------------------------ query counts

def _counts(world) -> dict:
    out = {}
    for role in ("admin", "own"):
        world.call(role, "/me")  # the token's first use is written once (last_used_at)
    for path in ("/units", "/periods", f"/periods/{PERIOD}/results", f"/periods/{PERIOD}/plans",
                 f"/periods/{PERIOD}/status?as_of=2023-12-31"):
        for role in ("admin", "own"):
            with QueryCounter() as q:
                r = world.call(role, path)
            assert r.status_code == 200, (path, r.get_json())
            out[(path, role)] = q.count
    return out


def test_list_endpoints_query_counts_stay_flat_as_the_city_grows(world):
    from tracker.imports.service import import_scores
    small = _counts(world)
    more = UNITS + [f"Kelurahan {i}" for i in range(12)]
    import_scores(scores_csv(more), "hasil-2.csv", PERIOD, "questionnaire", user="test", replace=True)
    for name in more[3:]:
        plan = PlanFactory(unit=Unit.query.filter_by(name=name).one(), period=world.period, status="accepted")
        for element in ("waktu", "biaya", "prosedur"):
            ActionFactory(plan=plan, element=element, quarters=["2023-TW2"])
    user = db.session.get(User, world.m1.id)  # the manager gets two more units
    user.units.extend(Unit.query.filter(Unit.name.in_(more[3:5])).all())
    db.session.commit()
    assert len(world.call("own", f"/periods/{PERIOD}/plans").get_json()["plans"]) == 3
    grown = _counts(world)
    assert small == grown, {k: (small[k], grown[k]) for k in small if small[k] != grown[k]}
