"""SKM daring on a phone (390 px): a respondent fills the questionnaire with taps and the
keyboard, the unit's results page shows the new respondent, and the admin's close makes the
answers the unit's result in the period's recap. Screenshots of the questionnaire and the poster
at 390 px go to ``SCREENSHOT_DIR`` (default ``screenshots/browser``) as ``survey-*.png``."""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import guarded_page
from tests.conftest import ROOT, make_user

SHOTS = os.environ.get("SCREENSHOT_DIR", str(ROOT / "screenshots" / "browser"))
PHONE = {"width": 390, "height": 844}
CODE = "2026-S2"
UNIT = "Kecamatan Banjarsari"


def seed(app):
    with app.app_context():
        from tracker.models import Unit
        from tracker.extensions import db
        from tracker.survey import service as S
        admin = make_user("admin@kota.go.id", "admin")
        unit = Unit(name=UNIT, name_key=UNIT.lower(), group="Kecamatan")
        db.session.add(unit)
        db.session.commit()
        coll = S.open_collection(unit, CODE, 300, "", admin)
        return coll.token, coll.id, unit.id


@pytest.mark.browser
def test_a_respondent_fills_the_questionnaire_on_a_phone(browser, live_server):
    live_server.app.config["SURVEY_MIN_SECONDS"] = 0
    token, coll_id, unit_id = seed(live_server.app)
    os.makedirs(SHOTS, exist_ok=True)
    context, page = guarded_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/s/{token}")
    expect(page.get_by_role("heading", name=UNIT)).to_be_visible()
    # Nothing scrolls sideways; every answer is a large, labelled target.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("radio", name="4 Sangat sesuai").first).to_be_visible()
    box = page.locator("label.choice").first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    page.screenshot(path=os.path.join(SHOTS, "survey-form-390.png"), full_page=True)
    # Question 1 by tapping the answer's words; the reason box opens for a low answer.
    page.locator("label.choice", has_text="Tidak sesuai").first.tap()
    reason = page.locator("#alasan_persyaratan")
    expect(reason).to_be_visible()
    reason.fill("Persyaratan di papan informasi berbeda dengan di loket")
    # The rest with the keyboard: focus an answer and choose it with the space bar.
    for key in ("prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "sarpras", "pengaduan"):
        page.locator(f"input[name=u_{key}][value='3']").focus()
        page.keyboard.press("Space")
    page.select_option("#age", "30-39 tahun")
    page.select_option("#sex", "Perempuan")
    page.fill("#saran", "Tambah kursi di ruang tunggu")
    page.screenshot(path=os.path.join(SHOTS, "survey-form-filled-390.png"), full_page=True)
    page.get_by_role("button", name="Kirim jawaban").tap()
    expect(page.get_by_role("heading", name="Terima kasih")).to_be_visible()
    assert not page.blocked_requests and not page.console_errors
    context.close()

    # The unit's results page counts the new respondent.
    context, page = guarded_page(browser, live_server)
    live_server.login(page, "admin@kota.go.id")
    page.goto(f"{live_server.url}/periode/{CODE}/unit/{unit_id}")
    expect(page.locator("#skm-daring")).to_contain_text("1 responden")
    page.goto(f"{live_server.url}/survei-daring/{coll_id}")
    expect(page.locator("#live-nrr")).to_contain_text("1,000")
    expect(page.locator(".reasons").first).to_contain_text("Persyaratan di papan informasi")
    page.screenshot(path=os.path.join(SHOTS, "survey-detail-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/survei-daring/{coll_id}/poster")
    expect(page.locator(".poster svg")).to_be_visible()
    page.screenshot(path=os.path.join(SHOTS, "survey-poster-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    # Closing makes it the unit's result for the period.
    page.goto(f"{live_server.url}/survei-daring/{coll_id}")
    page.locator("#close-collection").click()
    expect(page.locator(".flash")).to_contain_text("1 responden menjadi hasil")
    page.goto(f"{live_server.url}/periode/{CODE}")
    row = page.locator("tr", has_text=UNIT).first
    expect(row).to_be_visible()
    ikm = 25 * (1 + 3 * 8) / 9  # persyaratan 1, the other eight 3
    assert re.sub(r"\s+", " ", row.inner_text()).find(f"{ikm:.2f}".replace(".", ",")) >= 0
    context.close()
