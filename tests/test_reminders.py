"""The daily deadline check: notifications for the people concerned, idempotent, inline from
the CLI and as an RQ job run by a real worker."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_app, make_user
from tests.factories import ActionFactory, PlanFactory, ReportFactory
from tracker.extensions import db
from tracker.models import Notification, Unit
from tracker.models._base import utcnow

REDIS_URL = os.environ.get("TEST_REDIS_URL_REMINDERS", "redis://127.0.0.1:6379/12")


def _setup():
    from tracker.imports.service import import_scores
    text = ("unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
            "Kecamatan Laweyan,100,300,310,280,350,320,330,340,290,360\n"
            "Kecamatan Jebres,100,300,310,280,350,320,330,340,290,360\n")
    import_scores(text.encode(), "k.csv", "2023-S2", "questionnaire", user="t")
    from tracker.models import Period
    period = Period.query.filter_by(code="2023-S2").one()
    period.plan_deadline = date(2024, 1, 31)
    period.progress_grace_days = 15
    laweyan = Unit.query.filter_by(name="Kecamatan Laweyan").one()
    jebres = Unit.query.filter_by(name="Kecamatan Jebres").one()
    action = ActionFactory(plan=PlanFactory(unit=laweyan, period=period), text="Evaluasi SOP pelayanan",
                           quarters=["2023-TW4", "2024-TW1"], owner="Sekretaris")
    mgr_l = make_user("laweyan@kota.go.id", "manager", [laweyan.name])
    mgr_j = make_user("jebres@kota.go.id", "manager", [jebres.name])
    insp = make_user("insp@kota.go.id", "inspector")
    return {"period": period, "action": action, "mgr_l": mgr_l, "mgr_j": mgr_j, "insp": insp}


def _messages(user):
    return sorted(n.message for n in Notification.query.filter_by(user_id=user.id).all())


def test_plan_deadline_due_and_overdue(app):
    from jobs.reminders import check_deadlines
    s = _setup()
    assert check_deadlines(date(2024, 1, 1)) == 0  # more than a week before the deadline
    check_deadlines(date(2024, 1, 26))
    assert any("harus diajukan" in m for m in _messages(s["mgr_j"]))
    assert not any("RTL periode" in m for m in _messages(s["mgr_l"]))  # accepted plan: nothing due
    check_deadlines(date(2024, 2, 2))
    assert any("terlambat" in m for m in _messages(s["mgr_j"]))


def test_progress_overdue_reaches_manager_and_inspector_once(app):
    from jobs.reminders import check_deadlines
    s = _setup()
    first = check_deadlines(date(2024, 1, 20))  # 2023-TW4 ended 31 Dec + 15 days grace
    assert first > 0
    assert any("2023-TW4" in m and "terlambat" in m for m in _messages(s["mgr_l"]))
    assert any("2023-TW4" in m for m in _messages(s["insp"]))
    assert check_deadlines(date(2024, 1, 20)) == 0  # idempotent
    assert check_deadlines(date(2024, 1, 21)) == 0


def test_verified_entry_clears_overdue(app):
    from jobs.reminders import check_deadlines
    s = _setup()
    ReportFactory(action=s["action"], quarter="2023-TW4", percent=100, narrative="selesai",
                  status="verified", submitted_at=utcnow())
    check_deadlines(date(2024, 1, 20))
    assert not any("2023-TW4" in m for m in _messages(s["mgr_l"]))


def test_due_soon_reminder(app):
    from jobs.reminders import check_deadlines
    s = _setup()
    check_deadlines(date(2024, 4, 10))  # 2024-TW1 deadline is 15 April
    assert any("2024-TW1" in m and "jatuh tempo" in m for m in _messages(s["mgr_l"]))


def test_cli_runs_the_check_without_redis(app, runner):
    s = _setup()
    r = runner.invoke(args=["skm", "check-deadlines", "--today", "2024-02-02"])
    assert r.exit_code == 0, r.output
    assert "notifikasi baru" in r.output
    assert _messages(s["mgr_j"])
    r = runner.invoke(args=["skm", "schedule-reminders"])
    assert r.exit_code != 0 and "REDIS_URL" in r.output


def test_email_sent_only_with_smtp(app, monkeypatch):
    from jobs import reminders
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host))

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def send_message(self, msg):
            sent.append(("send", msg["To"]))

    monkeypatch.setattr(reminders.smtplib, "SMTP", FakeSMTP)
    s = _setup()
    reminders.check_deadlines(date(2024, 2, 2))
    assert sent == []  # no SMTP settings: in-app only
    app.config["SMTP_HOST"] = "mail.kota.go.id"
    reminders.check_deadlines(date(2024, 2, 3))
    assert ("send", s["mgr_j"].email) in sent
    assert Notification.query.filter(Notification.emailed_at.is_(None)).count() == 0


@pytest.fixture
def redis_app(backend, tmp_path):
    queue = f"skm-rem-{uuid.uuid4().hex[:8]}"
    app = make_app(backend, tmp_path, REDIS_URL=REDIS_URL, RQ_QUEUE=queue)
    with app.app_context():
        yield app
        from jobs.queue import get_queue
        q = get_queue(app)
        for job_id in q.scheduled_job_registry.get_job_ids():
            q.scheduled_job_registry.remove(job_id, delete_job=True)
        for registry in (q.finished_job_registry, q.failed_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
        q.delete(delete_jobs=True)
        db.session.remove()
        db.engine.dispose()


def test_daily_job_scheduled_once_and_run_by_real_worker(redis_app, tmp_path):
    from jobs.queue import get_queue
    from jobs.reminders import DAILY_JOB_ID, schedule_daily
    s = _setup()
    s["period"].plan_deadline = date.today()
    db.session.commit()
    assert schedule_daily(redis_app) == DAILY_JOB_ID
    assert schedule_daily(redis_app) == DAILY_JOB_ID
    q = get_queue(redis_app)
    assert q.scheduled_job_registry.get_job_ids() == [DAILY_JOB_ID]
    # Run today's check now through a real worker process.
    q.enqueue("jobs.reminders.daily_deadline_job")
    env = dict(os.environ, DATABASE_URL=redis_app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=REDIS_URL,
               RQ_QUEUE=redis_app.config["RQ_QUEUE"], SECRET_KEY="test-secret", PYTHONPATH=str(ROOT))
    rq = str(Path(sys.executable).parent / "rq")
    proc = subprocess.run([rq, "worker", "-w", "jobs.worker.AppWorker", "--burst", "--url", REDIS_URL, "--path", str(ROOT),
                           redis_app.config["RQ_QUEUE"]], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert q.finished_job_registry.count == 1, proc.stderr[-2000:]
    db.session.expire_all()
    assert any("RTL periode 2023-S2" in m for m in _messages(s["mgr_j"]))
    assert q.scheduled_job_registry.get_job_ids() == [DAILY_JOB_ID]  # tomorrow's run is queued
