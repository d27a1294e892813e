"""Branches no test reached before: refusals of action deletion, evidence removed when a save
fails, plan state guards, the export download path check, export retry refusals, settings."""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from tests.test_followup_workflow import PDF, World
from tracker.extensions import db
from tracker.followup import service as S
from tracker.models import Action, ExportJob, Period, Plan, ProgressEntry


@pytest.fixture
def world(loaded, client):
    return World(client)


def _uploads(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# ------------------------------------------------------------------ action deletion refusals

def test_deleting_an_action_is_refused_while_a_report_waits_and_once_the_plan_is_accepted(world):
    plan = world.accepted_plan()
    action = plan.actions[0]
    with pytest.raises(S.WorkflowError, match="tidak dapat diubah"):
        S.delete_action(action, action.version, world.m1)
    world.login("m1@kota.go.id")
    world.log(action, action.quarters[0], 40)
    db.session.refresh(action)
    with pytest.raises(S.WorkflowError, match="menunggu verifikasi"):
        S.delete_action(action, action.version, world.m1)
    with pytest.raises(S.StaleError):
        S.delete_action(action, action.version - 1, world.m1)
    assert db.session.get(Action, action.id) is not None


def test_deleting_an_action_with_reports_or_carried_forward_is_refused(world):
    """Reached when an accepted plan is reopened (status set back by the admin in the database,
    the only way): the action's history and its continuation are never deleted."""
    plan = world.accepted_plan()
    first, second = plan.actions[:2]
    world.login("m1@kota.go.id")
    world.log(first, first.quarters[0], 40)
    world.login("inspektur@kota.go.id")
    world.review(ProgressEntry.query.one(), "verified")
    nxt = S.create_plan(world.a, "2021-S2", world.m1)
    db.session.commit()
    assert {a.carried_from_id for a in nxt.actions} >= {second.id}
    plan.status = "returned"
    db.session.commit()
    with pytest.raises(S.WorkflowError, match="sudah memiliki laporan kemajuan"):
        S.delete_action(first, first.version, world.m1)
    with pytest.raises(S.WorkflowError, match="sudah dilanjutkan ke periode berikutnya"):
        S.delete_action(second, second.version, world.m1)
    db.session.rollback()
    assert Action.query.filter(Action.id.in_([first.id, second.id])).count() == 2


# ------------------------------------------------------------------ evidence clean-up

def test_a_failed_save_removes_the_evidence_it_stored(world, monkeypatch):
    app = world.client.application
    plan = world.accepted_plan()
    action = plan.actions[0]
    before = _uploads(app)

    def broken(*a, **k):
        raise RuntimeError("notification store down")
    monkeypatch.setattr("tracker.followup.progress.notify", broken)
    data = S.ProgressInput(quarter=action.quarters[0], percent=50, narrative="Sudah",
                           file=FileStorage(io.BytesIO(PDF), filename="bukti.pdf"))
    with pytest.raises(RuntimeError):
        S.log_progress(action, data, world.m1)
    assert _uploads(app) == before  # the stored file went with the failed save
    assert ProgressEntry.query.count() == 0
    monkeypatch.undo()
    S.log_progress(action, S.ProgressInput(quarter=action.quarters[0], percent=50, narrative="Sudah",
                                           file=FileStorage(io.BytesIO(PDF), filename="bukti.pdf")), world.m1)
    assert len(_uploads(app) - before) == 1


# ------------------------------------------------------------------ plan state guards

def test_plan_state_guards(world):
    world.login("m1@kota.go.id")
    plan = world.create_plan()
    empty = S.WorkflowError
    with pytest.raises(empty, match="belum berisi kegiatan"):
        S.submit_plan(plan, plan.version, world.m1)
    with pytest.raises(S.WorkflowError, match="Hanya RTL berstatus Diajukan yang dapat diterima"):
        S.accept_plan(plan, plan.version, world.admin)
    with pytest.raises(S.WorkflowError, match="Hanya RTL berstatus Diajukan yang dapat dikembalikan"):
        S.return_plan(plan, plan.version, "x", world.admin)
    db.session.rollback()
    plan = db.session.get(Plan, plan.id)
    for k in S.derived_priorities(world.a, "2021-S1"):
        world.add_action(plan, k, f"Perbaikan {k}", quarters=("2021-TW3",))
    action = plan.actions[0]
    with pytest.raises(S.WorkflowError, match="sudah diterima"):
        S.log_progress(action, S.ProgressInput(quarter="2021-TW3", percent=10, narrative="x",
                                               link="https://bukti.test/a"), world.m1)
    world.submit(plan)
    r = world.client.post(f"/rtl/rencana/{plan.id}/kegiatan",
                          data={"element": "waktu", "text": "x", "quarters": ["2021-TW3"], "owner": "y"})
    assert r.status_code in (400, 409) and "tidak dapat diubah" in r.get_data(as_text=True)
    db.session.refresh(plan)
    with pytest.raises(S.WorkflowError, match="tidak dapat diajukan"):
        S.submit_plan(plan, plan.version, world.m1)
    db.session.rollback()
    world.login("admin@kota.go.id")
    world.accept(plan)
    db.session.refresh(plan)
    r = world.client.post(f"/rtl/rencana/{plan.id}/terima", data={"version": plan.version})
    assert r.status_code in (400, 409) and "Hanya RTL berstatus Diajukan" in r.get_data(as_text=True)
    r = world.client.post(f"/rtl/rencana/{plan.id}/kembalikan", data={"version": plan.version, "comment": "x"})
    assert r.status_code in (400, 409) and "Hanya RTL berstatus Diajukan" in r.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.status == "accepted"


# ------------------------------------------------------------------ exports

def _job(status="finished", file_path=None, kind="period"):
    job = ExportJob(id=str(uuid.uuid4()), kind=kind, period=Period.query.filter_by(code="2021-S1").one(),
                    status=status, file_path=file_path)
    db.session.add(job)
    db.session.commit()
    return job


def test_export_download_serves_only_finished_files_inside_the_export_directory(world, tmp_path):
    from jobs.exports import export_dir, file_of
    app = world.client.application
    base = export_dir(app)
    (base / "good.xlsx").write_bytes(b"PK")
    outside = tmp_path / "secret.xlsx"
    outside.write_bytes(b"secret")
    (base / "sub").mkdir()
    (base / "sub" / "deep.xlsx").write_bytes(b"PK")
    good = _job(file_path="good.xlsx")
    assert file_of(app, good) == (base / "good.xlsx").resolve()
    for path in ("../secret.xlsx", str(outside), "sub/deep.xlsx", "missing.xlsx", "", "sub"):
        assert file_of(app, _job(file_path=path)) is None, path
    assert file_of(app, _job(status="running", file_path="good.xlsx")) is None
    world.login("admin@kota.go.id")
    assert world.client.get(f"/laporan/ekspor/{good.id}/unduh").status_code == 200
    bad = _job(file_path="../secret.xlsx")
    assert world.client.get(f"/laporan/ekspor/{bad.id}/unduh").status_code == 404


def test_export_retry_refusals(world):
    from flask import current_app

    from jobs.exports import ExportRefused, retry_export
    app = current_app._get_current_object()
    finished = _job(status="finished")
    with pytest.raises(ExportRefused, match="Hanya ekspor yang gagal"):
        retry_export(app, finished)
    failed = _job(status="failed")
    running = _job(status="running")
    with pytest.raises(ExportRefused, match="sedang berjalan") as info:
        retry_export(app, failed)
    assert info.value.existing.id == running.id
    running.status = "failed"
    db.session.commit()
    assert retry_export(app, failed).status == "finished"  # inline without Redis
    world.login("admin@kota.go.id")
    r = world.client.post(f"/laporan/ekspor/{failed.id}/ulang")
    assert r.status_code == 302
    assert "Hanya ekspor yang gagal yang dapat diulang" in world.client.get(r.headers["Location"]).get_data(as_text=True)
    # A second click from a page loaded before the first retry: the row was retried meanwhile.
    again = _job(status="failed")
    from sqlalchemy import text
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE export_job SET status = 'queued' WHERE id = :i"), {"i": again.id})
    assert again.status == "failed"  # what this request still believes
    with pytest.raises(ExportRefused, match="sudah diulang"):
        retry_export(app, again)


# ------------------------------------------------------------------ settings

def test_settings_from_the_environment(tmp_path, monkeypatch):
    from tracker import settings
    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "MAX_UPLOAD_MB", "EVIDENCE_MAX_MB",
                 "SESSION_COOKIE_SECURE", "TRUSTED_PROXIES", "UPLOAD_DIR", "EXPORT_DIR"):
        monkeypatch.delenv(name, raising=False)
    first = settings.load(str(tmp_path / "inst"))
    key = tmp_path / "inst" / "secret_key"
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'tracker.sqlite'}"
    assert first["REDIS_URL"] is None and first["SECRET_KEY"] == key.read_text().strip()
    assert len(first["SECRET_KEY"]) == 64 and oct(key.stat().st_mode & 0o777) == "0o600"
    assert settings.load(str(tmp_path / "inst"))["SECRET_KEY"] == first["SECRET_KEY"]  # kept
    assert first["MAX_CONTENT_LENGTH"] == 64 * 2**20 and first["EVIDENCE_MAX_BYTES"] == 10 * 2**20
    assert first["SESSION_COOKIE_SECURE"] is False and first["TRUSTED_PROXIES"] == 0
    assert "WTF_CSRF_ENABLED" not in first  # on, as Flask-WTF defaults
    for given, expected in (("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
                            ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
                            ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
                            ("sqlite:///x.db", "sqlite:///x.db")):
        monkeypatch.setenv("DATABASE_URL", given)
        assert settings.load(str(tmp_path / "inst"))["SQLALCHEMY_DATABASE_URI"] == expected
    monkeypatch.setenv("SECRET_KEY", "dari-lingkungan")
    monkeypatch.setenv("MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    monkeypatch.setenv("REDIS_URL", "redis://r:6379/1")
    got = settings.load(str(tmp_path / "inst"))
    assert got["SECRET_KEY"] == "dari-lingkungan" and got["MAX_CONTENT_LENGTH"] == 5 * 2**20
    assert got["SESSION_COOKIE_SECURE"] is True and got["TRUSTED_PROXIES"] == 2
    assert got["REDIS_URL"] == "redis://r:6379/1"
    assert settings.engine_options("sqlite:///x") == {"connect_args": {"timeout": 30}}
    assert settings.engine_options("postgresql+psycopg://h/db")["pool_pre_ping"] is True
    assert os.environ["SECRET_KEY"] == "dari-lingkungan"
