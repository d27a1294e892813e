"""Each role's home and the monitoring grid in a real Chromium: tasks link to where they are
done, and the inspector sorts and filters the grid (group, parent unit, finding)."""
from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _seed(app):
    """Three units under a Kecamatan and one outside; accepted 2023-S1 plans with reports."""
    from tests.factories import ActionFactory, PlanFactory, ReportFactory, UnitFactory
    from tracker.results.service import ensure_period
    with app.app_context():
        kec = UnitFactory(name="Kecamatan Jebres", group="Kecamatan")
        units = [UnitFactory(name=n, group=g, parent_id=p) for n, g, p in (
            ("Kelurahan Tegalharjo", "Kelurahan", kec.id), ("Kelurahan Jagalan", "Kelurahan", kec.id),
            ("Dinas Kesehatan", "Perangkat Daerah", None))]
        period = ensure_period("2023-S1")
        t0 = datetime(2024, 1, 5)
        realised = {"Kelurahan Tegalharjo": 100, "Kelurahan Jagalan": 40, "Dinas Kesehatan": 70,
                    "Kecamatan Jebres": 0}
        for unit in [kec, *units]:
            a = ActionFactory(plan=PlanFactory(unit=unit, period=period), text=f"Percepatan layanan {unit.name}",
                              quarters=["2023-TW4", "2024-TW1"], owner="Kasi Pelayanan")
            if realised[unit.name]:
                ReportFactory(action=a, quarter="2023-TW4", percent=realised[unit.name], status="verified",
                              narrative="x", submitted_at=t0)
        make_user("inspektur@kota.go.id", "inspector")
        make_user("admin@kota.go.id", "admin")
        make_user("lurah@kota.go.id", "manager", ["Kelurahan Jagalan"])


def _names(page):
    return page.locator("#unit-rates tbody tr").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-unit-name'))")


def test_inspector_sorts_and_filters_the_grid(live_server, page):
    _seed(live_server.app)
    live_server.login(page, "inspektur@kota.go.id")
    expect(page.locator("h1")).to_contain_text("Tugas Inspektorat")
    page.get_by_role("link", name="Pemantauan").first.click()
    expect(page.locator("#unit-rates")).to_be_visible()
    # Default sort: lowest realisation first.
    assert _names(page) == ["Kecamatan Jebres", "Kelurahan Jagalan", "Dinas Kesehatan",
                            "Kelurahan Tegalharjo"]
    expect(page.locator("tr[data-unit-name='Kelurahan Tegalharjo'] .unit-realisation")).to_have_class(
        "num unit-realisation band-hijau")
    expect(page.locator("tr[data-unit-name='Kelurahan Jagalan'] .unit-realisation")).to_have_class(
        "num unit-realisation band-merah")
    with page.expect_navigation():
        page.locator("a[data-sort='nama']").click()
    assert _names(page) == sorted(_names(page))
    # Parent unit: the Kecamatan with its Kelurahan.
    page.select_option("select[name=induk]", label="Kecamatan Jebres dan unit di bawahnya")
    with page.expect_navigation():
        page.get_by_role("button", name="Terapkan").click()
    assert sorted(_names(page)) == ["Kecamatan Jebres", "Kelurahan Jagalan", "Kelurahan Tegalharjo"]
    page.select_option("select[name=group]", label="Kelurahan")
    with page.expect_navigation():
        page.get_by_role("button", name="Terapkan").click()
    assert sorted(_names(page)) == ["Kelurahan Jagalan", "Kelurahan Tegalharjo"]
    # Drill down to a unit's plan.
    with page.expect_navigation():
        page.locator("tr[data-unit-name='Kelurahan Jagalan'] a", has_text="RTL 2023-S1").click()
    expect(page.locator("h1")).to_contain_text("Kelurahan Jagalan")


def test_every_role_lands_on_its_tasks(live_server, browser):
    _seed(live_server.app)
    for email, title, task in (("inspektur@kota.go.id", "Tugas Inspektorat", "#task-queue"),
                               ("admin@kota.go.id", "Tugas Bagian Organisasi", "#task-accept"),
                               ("lurah@kota.go.id", "Tugas unit Anda", "#task-report")):
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        page = context.new_page()
        live_server.login(page, email)
        expect(page.locator("h1")).to_contain_text(title)
        expect(page.locator(task)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, email
        if email.startswith("inspektur"):  # the grid scrolls inside its box, not the page
            page.goto(live_server.url + "/rtl/pemantauan")
            expect(page.locator("#unit-rates")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        context.close()
    # The manager's task links to the action to report on.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    live_server.login(page, "lurah@kota.go.id")
    expect(page.locator("#task-report")).to_contain_text("Percepatan layanan Kelurahan Jagalan")
    context.close()
