"""The dashboard in a real Chromium with the network cut off: charts render from inline SVG only,
the data tables open, the export page's script polls to completion. Screenshots are written to
``screenshots/browser/`` (git-ignored) (or $SCREENSHOT_DIR) for a human to look at."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, make_user

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "screenshots" / "browser"))


def _seed(app):
    from tests.test_reports_data import add_plans
    from tracker.imports.service import import_scores
    with app.app_context():
        for code in ("S1", "S2"):
            path = DATA / f"surakarta-2021-{code}.csv"
            import_scores(path.read_bytes(), path.name, f"2021-{code}", "questionnaire", user="test")
        add_plans("2021", limit=12)
        make_user("admin@kota.go.id", "admin")


@pytest.mark.browser
def test_dashboard_renders_offline(live_server, page):
    _seed(live_server.app)
    live_server.login(page, "admin@kota.go.id")
    page.goto(live_server.url + "/laporan/dasbor?period=2021")
    charts = page.locator("section.chart svg")
    assert charts.count() == 6
    for i in range(6):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 60
    # the trend line and the element bars are drawn
    assert page.locator("#chart-city_trend svg path").count() >= 1
    assert page.locator("#chart-elements svg rect").count() >= 9
    # the data table is one click away
    table = page.locator("#chart-elements details table")
    assert not table.is_visible()
    page.locator("#chart-elements details summary").click()
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 9
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    assert page.blocked_requests == []
    assert page.console_errors == []


@pytest.mark.browser
def test_export_page_polls_to_download(live_server, page):
    _seed(live_server.app)
    live_server.login(page, "admin@kota.go.id")
    page.goto(live_server.url + "/laporan/ekspor")
    page.locator("form:has(input[value=period]) button[type=submit]").click()
    page.wait_for_url("**/laporan/ekspor/*")
    page.locator("#export-download").wait_for(state="visible", timeout=30000)
    assert page.locator("#export-bar").get_attribute("value") == "100"
    with page.expect_download() as dl:
        page.locator("#export-download-link").click()
    assert dl.value.suggested_filename == "lampiran-skm-2021.xlsx"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "export-status.png"), full_page=True)
    assert page.blocked_requests == []
    assert page.console_errors == []


@pytest.mark.browser
def test_status_page_polls_running_job(live_server, page):
    """export.js polls the JSON endpoint: a job finished by someone else (a worker) turns into a
    download without reloading; a failure shows the error and the retry button."""
    from datetime import datetime

    from tracker.extensions import db
    from tracker.models import ExportJob
    from tracker.reports.annex import write_period_workbook
    from tracker.results.service import ensure_period
    _seed(live_server.app)
    app = live_server.app
    with app.app_context():
        period = ensure_period("2021")
        for jid in ("a" * 8 + "-0000-0000-0000-000000000001", "a" * 8 + "-0000-0000-0000-000000000002"):
            db.session.add(ExportJob(id=jid, kind="period", period_id=period.id, status="running",
                                     progress=30, message="Lampiran 1: 10 dari 55 unit",
                                     started_at=datetime.utcnow()))
        db.session.commit()
    ok, bad = "a" * 8 + "-0000-0000-0000-000000000001", "a" * 8 + "-0000-0000-0000-000000000002"
    live_server.login(page, "admin@kota.go.id")
    page.goto(f"{live_server.url}/laporan/ekspor/{ok}")
    assert page.locator("#export-bar").get_attribute("value") == "30"
    assert not page.locator("#export-download").is_visible()
    with app.app_context():
        export_dir = Path(app.config["EXPORT_DIR"])
        export_dir.mkdir(parents=True, exist_ok=True)
        write_period_workbook("2021", export_dir / f"{ok}.xlsx")
        job = db.session.get(ExportJob, ok)
        job.status, job.progress, job.file_path, job.message = "finished", 100, f"{ok}.xlsx", "Selesai"
        db.session.commit()
    page.locator("#export-download").wait_for(state="visible", timeout=15000)
    assert page.locator("#export-bar").get_attribute("value") == "100"
    assert page.locator("#export-state").inner_text() == "Selesai"

    page.goto(f"{live_server.url}/laporan/ekspor/{bad}")
    with app.app_context():
        job = db.session.get(ExportJob, bad)
        job.status, job.error, job.message = "failed", "Worker tidak memberi tanda hidup", "Gagal"
        db.session.commit()
    page.locator("#export-failed").wait_for(state="visible", timeout=15000)
    assert "tanda hidup" in page.locator("#export-error").inner_text()
    assert page.locator("#export-retry").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "export-failed.png"), full_page=True)
    assert page.blocked_requests == []
    assert page.console_errors == []


@pytest.mark.browser
def test_public_page_offline(live_server, page):
    _seed(live_server.app)
    page.goto(live_server.url + "/hasil/")
    assert page.locator("h1").inner_text() == "Hasil Survei Kepuasan Masyarakat"
    assert "rata-rata IKM unit" in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "public.png"), full_page=True)
    assert page.blocked_requests == []
