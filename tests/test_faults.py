"""Faults against real services: a worker killed mid-export, Redis stopped, PostgreSQL restarted
under the running app, and two people saving the same action or progress entry at once.

Redis and PostgreSQL here are throwaway instances on their own ports (tests/fault_services.py):
stopping them never disturbs the shared services other tests use."""
from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import make_app, make_user
from tests.helpers import login
from tests.fault_services import (PgInstance, RedisInstance, descendants, kill, stop_process,
                                  wait_port)
from tracker.extensions import db

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
STALE = "Data telah diubah oleh pengguna lain"


def _have(exe: str) -> bool:
    import glob
    import shutil
    return bool(shutil.which(exe) or glob.glob(f"/usr/lib/postgresql/*/bin/{exe}"))


def _missing(what: str):
    if os.environ.get("TRACKER_REQUIRE_SERVICES") == "1":  # CI: a missing service is a failure
        pytest.fail(f"{what} not installed")
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="module")
def own_redis():
    if not _have("redis-server"):
        _missing("redis-server")
    r = RedisInstance().start()
    yield r
    r.close()


@pytest.fixture(scope="module")
def own_pg():
    if not _have("initdb"):
        _missing("PostgreSQL server binaries (initdb)")
    pg = PgInstance().start()
    yield pg
    pg.close()


def _load(codes=("S1", "S2")):
    from tracker.imports.service import import_scores
    for code in codes:
        path = SAMPLE / f"surakarta-2021-{code}.csv"
        import_scores(path.read_bytes(), path.name, f"2021-{code}", "questionnaire", user="test")


def _login(app, email="admin@kota.go.id"):
    client = app.test_client()
    login(client, email)
    return client


def _job(job_id):
    from tracker.models import ExportJob
    db.session.expire_all()
    return db.session.get(ExportJob, job_id)


def _wait(predicate, timeout: float, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


# ---------------------------------------------------------------------------- export worker killed

@pytest.fixture
def rq_app(own_redis, tmp_path):
    queue = f"skm-fault-{uuid.uuid4().hex[:8]}"
    app = make_app("postgresql", tmp_path, REDIS_URL=own_redis.url, RQ_QUEUE=queue,
                   EXPORT_HEARTBEAT_SECONDS=5)
    with app.app_context():
        _load()
        make_user("admin@kota.go.id", "admin")
        yield app
        db.session.remove()
        db.engine.dispose()


def _worker(app, redis_url, **env):
    environ = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                   EXPORT_DIR=app.config["EXPORT_DIR"], REDIS_URL=redis_url,
                   RQ_QUEUE=app.config["RQ_QUEUE"], SECRET_KEY="test-secret", PYTHONPATH=str(ROOT),
                   **env)
    return subprocess.Popen([str(Path(sys.executable).parent / "rq"), "worker", "-w", "jobs.worker.AppWorker", "--url", redis_url,
                             "--path", str(ROOT), "--name", f"fault-{uuid.uuid4().hex[:8]}",
                             app.config["RQ_QUEUE"]],
                            cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def test_work_horse_killed_mid_export_fails_cleanly_and_retry_succeeds(rq_app, own_redis):
    """SIGKILL the process writing the workbook (RQ's work horse) while the worker survives:
    the job is marked failed, nothing partial is offered, and a retry on the same worker works."""
    client = _login(rq_app)
    export_dir = Path(rq_app.config["EXPORT_DIR"])
    worker = _worker(rq_app, own_redis.url, SKM_EXPORT_TEST_DELAY="0.3")
    try:
        r = client.post("/laporan/ekspor", data={"kind": "period", "period": "2021"})
        assert r.status_code == 302
        job_id = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        job = _wait(lambda: (lambda j: j if j.status == "running" and j.progress >= 20 else None)(_job(job_id)), 90)
        assert job is not None, f"export never got going: {_job(job_id).status}"
        horses = descendants(worker.pid)
        assert horses, "RQ forks a work horse per job"
        kill(horses)
        status = _wait(lambda: (lambda s: s if s["status"] == "failed" else None)(
            client.get(f"/laporan/ekspor/{job_id}/status.json").get_json()), 45, 0.5)
        assert status and status["status"] == "failed", status
        assert status["error"] and status["download_url"] is None and status["retry_url"]
        assert client.get(f"/laporan/ekspor/{job_id}/unduh").status_code == 404
        assert not (export_dir / f"{job_id}.xlsx").exists()
        page = client.get("/laporan/ekspor").get_data(as_text=True)
        assert f"/laporan/ekspor/{job_id}/unduh" not in page

        assert client.post(f"/laporan/ekspor/{job_id}/ulang").status_code == 302
        done = _wait(lambda: (lambda j: j if j.status in ("finished", "failed") else None)(_job(job_id)), 120, 0.5)
        assert done is not None and done.status == "finished", (done and done.status, done and done.error)
        d = client.get(f"/laporan/ekspor/{job_id}/unduh")
        assert d.status_code == 200
        from openpyxl import load_workbook
        assert "Lampiran 1" in load_workbook(io.BytesIO(d.data), read_only=True).sheetnames
        # Only complete files carry the job's name; the killed attempt left at most a hidden .part.
        finals = [p.name for p in export_dir.iterdir() if not p.name.startswith(".part-")]
        assert finals == [f"{job_id}.xlsx"]
    finally:
        stop_process(worker)


# ---------------------------------------------------------------------------- worker and Redis outage

def _module_worker(app, redis_url):
    """``python -m jobs.worker``, the production entry point, with its log captured."""
    environ = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                   EXPORT_DIR=app.config["EXPORT_DIR"], REDIS_URL=redis_url,
                   RQ_QUEUE=app.config["RQ_QUEUE"], SECRET_KEY="test-secret", PYTHONPATH=str(ROOT))
    log = open(Path(app.config["EXPORT_DIR"]).parent / "worker.log", "w")
    return subprocess.Popen([sys.executable, "-m", "jobs.worker"], cwd=ROOT, env=environ,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True), log.name


def _export_finishes(client, period, timeout=90):
    r = client.post("/laporan/ekspor", data={"kind": "period", "period": period})
    assert r.status_code == 302
    job_id = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    return _wait(lambda: (lambda j: j if j.status in ("finished", "failed") else None)(_job(job_id)),
                 timeout, 0.5)


def test_worker_survives_a_redis_outage_and_takes_jobs_again(rq_app, own_redis):
    """The production worker (``python -m jobs.worker``, with its scheduler) through Redis
    killed and restarted empty, then hanging; jobs queued afterwards are done by the same
    process. tests/test_worker.py covers the restart loop for the exits RQ's loop can take."""
    client = _login(rq_app)
    # No worker yet: the export waits, and the export page and the admin's queue view say so.
    r = client.post("/laporan/ekspor", data={"kind": "period", "period": "2021-S2"})
    waiting_id = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert _job(waiting_id).status == "queued"
    for path in ("/laporan/ekspor", f"/laporan/ekspor/{waiting_id}", "/admin/antrean/"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="no-worker"' in page and "1 tugas menunggu" in page, path
    worker, log_path = _module_worker(rq_app, own_redis.url)
    try:
        done = _wait(lambda: (lambda j: j if j.status == "finished" else None)(_job(waiting_id)), 90, 0.5)
        assert done is not None, Path(log_path).read_text()[-3000:]
        page = client.get("/admin/antrean/").get_data(as_text=True)
        assert 'id="no-worker"' not in page and 'class="worker"' in page and "Menunggu tugas" in page
        assert 'id="no-worker"' not in client.get("/laporan/ekspor").get_data(as_text=True)

        # Redis killed and started again (empty: it keeps nothing on disk).
        own_redis.stop()
        time.sleep(4)
        page = client.get("/laporan/ekspor").get_data(as_text=True)
        assert "Antrean tugas (Redis) tidak dapat dihubungi" in page
        assert worker.poll() is None, Path(log_path).read_text()[-3000:]
        own_redis.start()
        done = _export_finishes(client, "2021-S1")
        assert done is not None and done.status == "finished", Path(log_path).read_text()[-3000:]

        # Redis hanging (a stalled host or a network partition) for longer than the socket
        # timeouts.
        os.kill(own_redis.proc.pid, signal.SIGSTOP)
        try:
            time.sleep(12)
            assert worker.poll() is None, Path(log_path).read_text()[-3000:]
        finally:
            os.kill(own_redis.proc.pid, signal.SIGCONT)
        done = _export_finishes(client, "2021-S2")
        assert done is not None and done.status == "finished", Path(log_path).read_text()[-3000:]
        assert worker.poll() is None
    finally:
        stop_process(worker)
    assert worker.returncode == 0  # SIGTERM: a warm shutdown, not a crash


# ---------------------------------------------------------------------------- Redis stopped

PAGES = ("/", "/periode/2021", "/periode/2021-S1", "/laporan/dasbor", "/rtl/pemantauan",
         "/laporan/ekspor", "/readyz", "/healthz")


@pytest.fixture
def redis_app(own_redis, tmp_path):
    if own_redis.proc is None or own_redis.proc.poll() is not None:
        own_redis.start()
    app = make_app("postgresql", tmp_path, REDIS_URL=own_redis.url,
                   RQ_QUEUE=f"skm-fault-{uuid.uuid4().hex[:8]}")
    with app.app_context():
        _load()
        make_user("admin@kota.go.id", "admin")
        yield app
        if own_redis.proc is None or own_redis.proc.poll() is not None:
            own_redis.start()
        db.session.remove()
        db.engine.dispose()


def _pages_ok(client):
    for path in PAGES:
        t0 = time.monotonic()
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert time.monotonic() - t0 < 10, f"{path} waited on the dead Redis"


def test_pages_work_and_exports_explain_when_redis_is_down(redis_app, own_redis):
    client = _login(redis_app)
    own_redis.stop()
    _pages_ok(client)
    # A new export cannot be queued: it fails at once and says why (or runs inline).
    r = client.post("/laporan/ekspor", data={"kind": "period", "period": "2021-S2"})
    assert r.status_code == 302
    job_id = r.headers["Location"].rsplit("/", 1)[-1]
    status = client.get(f"/laporan/ekspor/{job_id}/status.json").get_json()
    if status["status"] != "finished":
        assert status["status"] == "failed"
        assert "antrean" in status["error"].lower()
        page = client.get(f"/laporan/ekspor/{job_id}").get_data(as_text=True)
        assert "Antrean tidak dapat dihubungi" in page
    _pages_ok(client)  # the failed job is listed on the exports page without touching Redis
    # Redis is back: the same app queues again without a restart.
    own_redis.start()
    r = client.post("/laporan/ekspor", data={"kind": "period", "period": "2021-S1"})
    job_id = r.headers["Location"].rsplit("/", 1)[-1]
    assert _job(job_id).status == "queued"


def test_pages_work_when_redis_goes_down_with_a_job_queued(redis_app, own_redis):
    client = _login(redis_app)
    r = client.post("/laporan/ekspor", data={"kind": "period", "period": "2021-S1"})
    queued_id = r.headers["Location"].rsplit("/", 1)[-1]
    assert _job(queued_id).status == "queued"
    own_redis.stop()
    for path in (f"/laporan/ekspor/{queued_id}", f"/laporan/ekspor/{queued_id}/status.json"):
        assert client.get(path).status_code == 200, path
    _pages_ok(client)


# ---------------------------------------------------------------------------- PostgreSQL restarted

def test_app_recovers_after_postgresql_restart(own_pg, tmp_path):
    url = own_pg.create_database("skm_fault")
    app = make_app("sqlite", tmp_path, SQLALCHEMY_DATABASE_URI=url, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping") is True
        db.create_all()
        _load(("S1",))
        make_user("admin@kota.go.id", "admin")
        db.session.remove()
    client = _login(app)
    assert client.get("/periode/2021-S1").status_code == 200

    own_pg.restart("fast")  # every pooled connection is now dead
    for path in ("/periode/2021-S1", "/readyz", "/rtl/pemantauan"):
        assert client.get(path).status_code == 200, path

    own_pg.stop("immediate")
    try:
        t0 = time.monotonic()
        assert client.get("/readyz").status_code == 503
        # A signed-in page needs the database for the user itself: a 503 with a sentence,
        # never an exception escaping the app.
        r = client.get("/periode/2021-S1")
        assert r.status_code == 503
        assert "Basis data sedang tidak dapat dihubungi" in r.get_data(as_text=True)
        assert time.monotonic() - t0 < 30, "requests fail fast while the database is down"
    finally:
        own_pg.start()
    wait_port(own_pg.port, up=True)
    assert _wait(lambda: client.get("/readyz").status_code == 200, 30)
    assert client.get("/periode/2021-S1").status_code == 200
    with app.app_context():
        db.engine.dispose()


def _gunicorn(url: str, tmp_path: Path, workers: int = 2):
    from bench.pages import free_port
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="fault-secret",
               EXPORT_DIR=str(tmp_path / "exports"), UPLOAD_DIR=str(tmp_path / "uploads"))
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_port(port, up=True, timeout=60)
    except BaseException:
        stop_process(proc)
        raise
    return proc, port


def _get(port: int, path: str, cookie: str | None = None) -> int:
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_gunicorn_recovers_after_postgresql_restart(own_pg, tmp_path):
    """The production shape: gunicorn workers with warm connection pools, PostgreSQL restarted
    under them, no restart of the app."""
    from bench import http as bhttp
    url = own_pg.create_database("skm_fault_gunicorn")
    app = make_app("sqlite", tmp_path, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        _load(("S1",))
        make_user("admin@kota.go.id", "admin")
        db.session.remove()
        db.engine.dispose()
    proc, port = _gunicorn(url, tmp_path)
    try:
        cookie = bhttp.login("127.0.0.1", port, "admin@kota.go.id", "rahasia123")
        for _ in range(6):  # warm the pools of both workers
            assert _get(port, "/periode/2021-S1", cookie) == 200
        own_pg.restart("fast")
        statuses = [_get(port, "/periode/2021-S1", cookie) for _ in range(8)]
        assert statuses == [200] * 8, statuses
        own_pg.stop("immediate")
        try:
            assert _get(port, "/readyz") == 503
            assert _get(port, "/periode/2021-S1", cookie) >= 500
        finally:
            own_pg.start()
        assert _wait(lambda: _get(port, "/readyz") == 200, 30)
        assert [_get(port, "/periode/2021-S1", cookie) for _ in range(4)] == [200] * 4
    finally:
        stop_process(proc)


# ---------------------------------------------------------------------------- concurrent saves

@pytest.fixture
def workflow(app):
    from bench.dataset import build_city
    from tracker.models import Action, ProgressEntry, Unit
    city = build_city(1, ["2024-S1"], priorities=1, actions=1, progress=False, unit_prefix="Dinas Uji")
    unit = db.session.get(Unit, city.unit_ids[0])
    make_user("mgr1@kota.go.id", "manager", [unit.name])
    make_user("mgr2@kota.go.id", "manager", [unit.name])
    make_user("insp1@kota.go.id", "inspector")
    make_user("insp2@kota.go.id", "inspector")
    action = db.session.get(Action, city.action_ids[0])
    entry = ProgressEntry(action_id=action.id, quarter=action.quarters[0], percent=50.0,
                          narrative="Pelatihan tahap 1.", evidence_link="https://example.go.id/a.pdf",
                          status="submitted")
    db.session.add(entry)
    db.session.commit()
    return {"plan_id": action.plan_id, "action_id": action.id, "entry_id": entry.id,
            "quarter": action.quarters[0], "element": action.element, "quarters": list(action.quarters)}


def _version(html: str) -> str:
    m = re.search(r'name="version"[^>]*value="(\d+)"', html) or re.search(r'value="(\d+)"[^>]*name="version"', html)
    assert m, "the form carries the row's version"
    return m.group(1)


def _edit(client, wf, version, text):
    return client.post(f"/rtl/kegiatan/{wf['action_id']}/ubah",
                       data={"version": version, "element": wf["element"], "catalogue": "",
                             "text": text, "quarters": wf["quarters"][:2], "owner": "Kabid Pelayanan",
                             "target": ""})


def test_second_save_of_the_same_action_gets_409(app, workflow):
    from tracker.models import Action, Plan, ProgressEntry
    Plan.query.filter_by(id=workflow["plan_id"]).update({"status": "draft"})
    # A report waiting for the inspector locks its action; this test is about stale versions.
    ProgressEntry.query.filter_by(id=workflow["entry_id"]).update({"status": "verified"})
    db.session.commit()
    a, b = _login(app, "mgr1@kota.go.id"), _login(app, "mgr2@kota.go.id")
    va = _version(a.get(f"/rtl/kegiatan/{workflow['action_id']}/ubah").get_data(as_text=True))
    vb = _version(b.get(f"/rtl/kegiatan/{workflow['action_id']}/ubah").get_data(as_text=True))
    assert va == vb
    assert _edit(a, workflow, va, "Pelatihan service excellent (versi A)").status_code == 302
    r = _edit(b, workflow, vb, "Evaluasi SOP (versi B)")
    assert r.status_code == 409
    assert STALE in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Action, workflow["action_id"]).text == "Pelatihan service excellent (versi A)"


def test_second_review_of_the_same_entry_gets_409(app, workflow):
    from tracker.models import ProgressEntry
    a, b = _login(app, "insp1@kota.go.id"), _login(app, "insp2@kota.go.id")
    page = a.get(f"/rtl/kegiatan/{workflow['action_id']}").get_data(as_text=True)
    version = _version(page)
    url = f"/rtl/laporan/{workflow['entry_id']}/periksa"
    assert a.post(url, data={"version": version, "decision": "verified", "comment": ""}).status_code == 302
    r = b.post(url, data={"version": version, "decision": "rejected", "comment": "Bukti kurang."})
    assert r.status_code == 409 and STALE in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgressEntry, workflow["entry_id"]).status == "verified"


def test_second_resubmission_of_the_same_entry_gets_409(app, workflow):
    from tracker.models import ProgressEntry
    ProgressEntry.query.filter_by(id=workflow["entry_id"]).update({"status": "rejected"})
    db.session.commit()
    a, b = _login(app, "mgr1@kota.go.id"), _login(app, "mgr2@kota.go.id")
    url = f"/rtl/laporan/{workflow['entry_id']}/ajukan-ulang"
    va = _version(a.get(url).get_data(as_text=True))
    vb = _version(b.get(url).get_data(as_text=True))
    data = {"quarter": workflow["quarter"], "percent": "60", "narrative": "Perbaikan bukti.",
            "link": "https://example.go.id/b.pdf"}
    assert a.post(url, data=dict(data, version=va)).status_code == 302
    r = b.post(url, data=dict(data, version=vb, narrative="Versi lain."))
    assert r.status_code == 409 and STALE in r.get_data(as_text=True)
    db.session.expire_all()
    assert ProgressEntry.query.filter_by(supersedes_id=workflow["entry_id"]).count() == 1


def test_simultaneous_saves_on_gunicorn_lose_nothing(tmp_path):
    """Two managers press Save on the same action at the same instant, against a real gunicorn
    with two worker processes on PostgreSQL: one wins, the other gets 409, nothing is lost."""
    from bench import http as bhttp
    from tests.conftest import pg_url
    app = make_app("postgresql", tmp_path)
    with app.app_context():
        from bench.dataset import build_city
        from tracker.models import Action, Plan, Unit
        city = build_city(1, ["2024-S1"], priorities=1, actions=1, progress=False, unit_prefix="Dinas Uji")
        unit = db.session.get(Unit, city.unit_ids[0])
        make_user("mgr1@kota.go.id", "manager", [unit.name])
        make_user("mgr2@kota.go.id", "manager", [unit.name])
        action = db.session.get(Action, city.action_ids[0])
        Plan.query.filter_by(id=action.plan_id).update({"status": "draft"})
        db.session.commit()
        wf = {"action_id": action.id, "element": action.element, "quarters": list(action.quarters)}
        db.session.remove()
        db.engine.dispose()
    server, port = _gunicorn(pg_url(), tmp_path)
    try:
        import http.client
        from urllib.parse import urlencode
        sessions = []
        for email in ("mgr1@kota.go.id", "mgr2@kota.go.id"):
            cookie = bhttp.login("127.0.0.1", port, email, "rahasia123")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", f"/rtl/kegiatan/{wf['action_id']}/ubah", headers={"Cookie": cookie})
            html = conn.getresponse().read().decode()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
                re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
            sessions.append((conn, cookie, token.group(1), _version(html)))
        assert sessions[0][3] == sessions[1][3]
        barrier = threading.Barrier(2)
        statuses = [None, None]

        def save(i):
            conn, cookie, token, version = sessions[i]
            body = urlencode([("csrf_token", token), ("version", version), ("element", wf["element"]),
                              ("catalogue", ""), ("text", f"Teks dari manajer {i + 1}"),
                              ("quarters", wf["quarters"][0]), ("owner", "Kabid"), ("target", "")])
            barrier.wait()
            conn.request("POST", f"/rtl/kegiatan/{wf['action_id']}/ubah", body=body,
                         headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            statuses[i] = (resp.status, resp.read().decode())

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        codes = sorted(s[0] for s in statuses)
        assert codes == [302, 409], (codes, [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", s[1]))[-600:] for s in statuses])
        loser = next(s for s in statuses if s[0] == 409)
        assert STALE in loser[1]
        winner = statuses.index(next(s for s in statuses if s[0] == 302))
        with app.app_context():
            from tracker.models import Action
            saved = db.session.get(Action, wf["action_id"])
            assert saved.text == f"Teks dari manajer {winner + 1}"
            db.session.remove()
            db.engine.dispose()
    finally:
        stop_process(server)
