"""The reporting round in a real Chromium: a manager submits the unit's result, the admin
returns it, the manager re-submits, the admin accepts, and the result is in the recap and in
the completeness page."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.conftest import DATA, make_user

pytestmark = pytest.mark.browser

UNIT = "Badan Pendapatan, Pengelolaan Keuangan Dan Aset Daerah"
NRR = {"persyaratan": "3,1", "prosedur": "3,2", "waktu": "2,9", "biaya": "3,6", "produk": "3,3",
       "kompetensi": "3,4", "perilaku": "3,5", "sarpras": "2,8", "pengaduan": "3,0"}  # IKM 80,000


def _seed(app):
    from tracker.imports.service import import_scores
    from tracker.reporting.service import open_round
    from tracker.users import create_user
    with app.app_context():
        path = DATA / "surakarta-2021-S1.csv"
        import_scores(path.read_bytes(), path.name, "2021-S1", "questionnaire", user="test")
        admin = create_user(email="admin@kota.go.id", password="rahasia123", role="admin", unit_names=[])
        make_user("m1@kota.go.id", "manager", [UNIT])
        open_round("2022-S1", date(2099, 7, 31), "Kirim rekap SKM semester I.", "questionnaire", admin)


def _submit(page, live_server, waktu: str):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=f"{UNIT}: hasil SKM Semester I 2022").click()
    expect(page.locator("h1")).to_contain_text("Hasil SKM")
    page.select_option("select[name=mode]", "form")
    page.fill("input[name=respondents]", "120")
    for key, value in dict(NRR, waktu=waktu).items():
        page.fill(f"input[name=nrr_{key}]", value)
    page.fill("input[name=method]", "Daring")
    page.fill("input[name=report_link]", "https://skm.kota.go.id/laporan-bapenda.pdf")
    with page.expect_navigation():
        page.click("#submit-result button[type=submit]")
    expect(page.locator(".flash.success")).to_contain_text("Hasil SKM terkirim")
    expect(page.locator("#unit-state")).to_have_text("Menunggu pemeriksaan")


def _open_waiting(page, live_server):
    page.goto(live_server.url + "/pelaporan/2022-S1")
    page.locator("#waiting a", has_text=UNIT).click()
    expect(page.locator("#submission-status")).to_have_text("Menunggu pemeriksaan")


def test_submit_return_resubmit_accept(live_server, page):
    _seed(live_server.app)
    live_server.login(page, "m1@kota.go.id")
    _submit(page, live_server, "2,9")

    page.context.clear_cookies()
    live_server.login(page, "admin@kota.go.id")
    _open_waiting(page, live_server)
    page.fill("textarea[name=comment]", "NRR waktu berbeda dengan laporan unit; periksa kembali.")
    with page.expect_navigation():
        page.click("#give-back")
    expect(page.locator(".flash.success")).to_contain_text("dikembalikan")

    page.context.clear_cookies()
    live_server.login(page, "m1@kota.go.id")
    page.goto(live_server.url + "/")
    expect(page.locator("body")).to_contain_text("dikembalikan: NRR waktu berbeda")
    _submit(page, live_server, "3,7")
    expect(page.locator("#history tbody tr")).to_have_count(2)
    expect(page.locator("#history")).to_contain_text("Digantikan kiriman berikutnya")

    page.context.clear_cookies()
    live_server.login(page, "admin@kota.go.id")
    _open_waiting(page, live_server)
    expect(page.locator("#elements")).to_contain_text("3,700")
    with page.expect_navigation():
        page.click("#accept")
    expect(page.locator(".flash.success")).to_contain_text("diterima")
    # Completeness: the unit has reported; the participation table and chart show it.
    row = page.locator("#units tr", has_text=UNIT)
    expect(row.locator("td").nth(2)).to_have_text("Sudah melapor")
    expect(page.locator("#count-reported")).to_have_text("1")
    expect(page.locator("svg.chart title")).to_have_text("Partisipasi pelaporan per kelompok")
    # The recap of the period shows the unit's accepted result: NRR 3,7 for waktu gives
    # 25 x (28,8 - 2,9 + 3,7) / 9 = 82,222.
    page.goto(live_server.url + "/periode/2022-S1")
    expect(page.locator("body")).to_contain_text(UNIT)
    expect(page.locator("body")).to_contain_text("82,222")
    assert not page.blocked_requests and not page.console_errors
