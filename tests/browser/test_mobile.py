"""The manager's follow-up pages on a phone (390 px wide): nothing scrolls sideways, the wide
tables read as one card per row, and "Lapor kemajuan" can be reached and used. The same pages
at 1280 px keep their tables.

Screenshots of every page at both widths go to ``SCREENSHOT_DIR`` (default
``screenshots/browser``) as ``mobile-<page>-<width>.png``."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import guarded_page
from tests.conftest import ROOT, make_user

SHOTS = os.environ.get("SCREENSHOT_DIR", str(ROOT / "screenshots" / "browser"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCORES = ("unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
          "Kecamatan Banjarsari,100,300,320,260,350,330,340,345,280,360\n"
          "Kelurahan Kadipiro,90,280,300,250,320,300,310,300,260,330\n")
LINK = "https://drive.kota.go.id/rtl/laporan-realisasi-banjarsari-2023-semester-dua-triwulan-pertama"
# Long words and long owners are what pushes a table cell wider than a phone.
ACTIONS = [
    ("waktu", "Evaluasi SOP pelayanan dan standar waktu penyelesaian perizinan berusaha",
     "Sekretaris Kecamatan / Kepala Seksi Pelayanan Umum", "SOP baru ditetapkan dengan SK Camat"),
    ("sarpras", "Perbaikan sarana dan prasarana pelayanan (ruang tunggu, toilet, ramp disabilitas)",
     "Sub Bagian Umum dan Kepegawaian", None),
    ("persyaratan", "Sosialisasi persyaratan pelayanan melalui media sosial dan papan informasi",
     "Kasi Pemerintahan", "100% persyaratan terpasang"),
]


def seed(app):
    """Two units of one manager: an accepted plan with a rejected, a verified and no report,
    plus an unscheduled action; and a draft plan whose actions can still be edited."""
    with app.app_context():
        from tracker.extensions import db
        from tracker.followup import service as S
        from tracker.imports.service import import_scores
        from tracker.models import Action, Unit
        import_scores(SCORES.encode(), "s.csv", "2023-S2", "questionnaire", user="test")
        admin = make_user("admin@kota.go.id", "admin")
        inspector = make_user("inspektur@kota.go.id", "inspector")
        manager = make_user("camat@kota.go.id", "manager", ["Kecamatan Banjarsari", "Kelurahan Kadipiro"])
        unit = Unit.query.filter_by(name="Kecamatan Banjarsari").one()
        other = Unit.query.filter_by(name="Kelurahan Kadipiro").one()
        window = S.plan_window("2023-S2")

        plan = S.create_plan(unit, "2023-S2", manager)
        actions = [S.add_action(plan, S.ActionInput(el, text, window[:2], owner, target), manager)
                   for el, text, owner, target in ACTIONS]
        S.submit_plan(plan, plan.version, manager)
        S.accept_plan(plan, plan.version, admin)
        first, second, third = actions
        rejected = S.log_progress(first, S.ProgressInput(window[0], 75, "Rapat evaluasi SOP sudah "
                                  "dilaksanakan bersama seluruh seksi; notulen dan daftar hadir terlampir.",
                                  link=LINK), manager)
        S.review_entry(rejected, rejected.version, "rejected",
                       "Bukti belum menunjukkan SOP baru ditetapkan.", inspector)
        verified = S.log_progress(second, S.ProgressInput(window[0], 40, "Ruang tunggu diperbaiki.",
                                  link=LINK), manager)
        S.review_entry(verified, verified.version, "verified", "", inspector)
        # An imported-style action nobody scheduled yet (listed on the unscheduled page).
        loose = Action(element="sarpras", text="Penambahan kursi ruang tunggu", quarters=[],
                       owner="Sub Bagian Umum")
        plan.actions.append(loose)
        db.session.commit()

        draft = S.create_plan(other, "2023-S2", manager)
        editable = S.add_action(draft, S.ActionInput("waktu", "Penerapan antrean daring untuk layanan "
                                "surat keterangan", window[1:3], "Lurah", None), manager)
        return {"unit": unit.id, "other": other.id, "rejected": rejected.id,
                "first": first.id, "third": third.id, "loose": loose.id, "editable": editable.id}


def pages(ids):
    return {
        "plans": "/rtl/?period=2023-S2",
        "plan": f"/rtl/2023-S2/unit/{ids['unit']}",
        "plan-draft": f"/rtl/2023-S2/unit/{ids['other']}",
        "action": f"/rtl/kegiatan/{ids['first']}",
        "action-edit": f"/rtl/kegiatan/{ids['editable']}/ubah",
        "resubmit": f"/rtl/laporan/{ids['rejected']}/ajukan-ulang",
        "unscheduled": "/rtl/belum-dijadwalkan",
        "results": f"/periode/2023-S2/unit/{ids['unit']}",
        "recap": "/periode/2023-S2",
        "recap-year": "/periode/2023",  # Tabel 3.1: fifteen columns scroll inside their box
        "reporting": "/pelaporan/",
    }


def _shot(page, name, width):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"mobile-{name}-{width}.png"), full_page=True)


def _overflow(page, width) -> dict:
    """The document's scroll width and the elements that stick out past ``width``."""
    return page.evaluate("""(w) => {
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > w + 0.5) out.push(el.tagName.toLowerCase() +
                (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string'
                ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(r.right));
        }
        return {scroll: document.documentElement.scrollWidth, out: out.slice(0, 8)};
    }""", width)


def _inside(page, locator):
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    return box


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized touch page that, like ``page``, reaches only the live server."""
    context, page = guarded_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()


@pytest.mark.browser
def test_manager_pages_fit_a_phone(live_server, phone, page):
    ids = seed(live_server.app)
    urls = pages(ids)
    live_server.login(phone, "camat@kota.go.id")
    live_server.login(page, "camat@kota.go.id")
    too_wide = {}
    for name, path in urls.items():
        assert phone.goto(live_server.url + path).ok, name
        _shot(phone, name, PHONE["width"])
        found = _overflow(phone, PHONE["width"])
        if found["scroll"] > PHONE["width"]:
            too_wide[name] = found
        assert page.goto(live_server.url + path).ok, name
        _shot(page, name, DESKTOP["width"])
        # The desktop does not scroll sideways either.
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"], name
    assert too_wide == {}
    assert phone.blocked_requests == [] and phone.console_errors == []

    # On the plan page each action is a card with its "Lapor kemajuan" link in reach of a thumb.
    phone.goto(live_server.url + urls["plan"])
    row = phone.locator(f"#action-{ids['third']}")
    link = row.locator("a:has-text('Lapor kemajuan')")
    box = _inside(phone, link)
    assert box["height"] >= 44
    cells = row.locator("td[data-label]")
    assert cells.count() >= 5
    assert row.locator("td[data-label='Penanggung jawab']").inner_text().strip() == ACTIONS[2][2]

    # The desktop keeps the table: the row is a table row and the headers show.
    page.goto(live_server.url + urls["plan"])
    assert page.eval_on_selector(f"#action-{ids['third']}", "e => getComputedStyle(e).display") == "table-row"
    expect(page.locator("table.rtl thead")).to_be_visible()
    assert phone.eval_on_selector(f"#action-{ids['third']}", "e => getComputedStyle(e).display") != "table-row"


@pytest.mark.browser
def test_manager_reports_progress_from_a_phone(live_server, phone):
    ids = seed(live_server.app)
    live_server.login(phone, "camat@kota.go.id")
    phone.goto(live_server.url + pages(ids)["plan"])
    link = phone.locator(f"#action-{ids['third']} a:has-text('Lapor kemajuan')")
    _inside(phone, link)
    with phone.expect_navigation():
        link.tap()
    # The form sits below the report history: the button at the top jumps to it.
    jump = phone.locator("a:has-text('Lapor kemajuan')")
    _inside(phone, jump)
    jump.tap()
    expect(phone.locator("#lapor-kemajuan")).to_be_in_viewport()
    form = phone.locator("form.progress-form")
    button = form.locator("button:has-text('Kirim laporan')")
    box = _inside(phone, button)
    assert box["height"] >= 44
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for field in ("select[name=quarter]", "input[name=percent]", "textarea[name=narrative]"):
        field_box = form.locator(field).bounding_box()
        assert field_box["x"] >= 0 and field_box["x"] + field_box["width"] <= PHONE["width"]
        assert field_box["height"] >= 44, field
    form.locator("input[name=percent]").fill("50,5")
    form.locator("textarea[name=narrative]").fill("Papan informasi persyaratan dipasang di tiga loket.")
    form.locator("input[name=link]").fill("https://drive.kota.go.id/bukti-papan-informasi")
    with phone.expect_navigation():
        button.tap()
    expect(phone.locator("body")).to_contain_text("menunggu verifikasi Inspektorat")
    entry = phone.locator("table.entries tbody tr").first
    expect(entry).to_contain_text("50,5")
    expect(entry).to_contain_text("Menunggu verifikasi")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(phone, "action-reported", PHONE["width"])
    with live_server.app.app_context():
        from tracker.models import ProgressEntry
        latest = ProgressEntry.query.filter_by(action_id=ids["third"]).one()
        assert latest.percent == pytest.approx(50.5)
