"""The whole follow-up story in a real Chromium, with CSRF on as in production: the admin opens
the period's deadline, the manager plans an action for each of the three priority elements and
logs progress with uploaded evidence, the inspector rejects one report and verifies another, the
manager resubmits, and every role reads the same realisation percentage."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, serve
from tests.conftest import ROOT, make_app, make_user

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "screenshots" / "browser"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCORES = ("unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
          # lowest: waktu (2.60), sarpras (2.80), persyaratan (3.00)
          "Kecamatan Banjarsari,100,300,320,260,350,330,340,345,280,360\n")


@pytest.fixture
def csrf_server(tmp_path):
    with serve(make_app("sqlite", tmp_path, WTF_CSRF_ENABLED=True)) as server:
        yield server


@pytest.fixture
def chromium(_playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}")
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _person(chromium, server, email):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    server.login(page, email)
    assert "/login" not in page.url, f"{email} could not log in"
    return page


def _submit(page, target, expect_text=None):
    """Click a form's button and wait for the page the POST redirects to; then, if given, wait
    until ``expect_text`` is on it. Reading ``page.content()`` straight after a click can catch
    the page mid-navigation, blank."""
    button = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        button.click()
    if expect_text is not None:
        expect(page.locator("body")).to_contain_text(expect_text)


def _fill(page, field, text):
    """Fill ``field`` and make sure the text landed in it. Playwright types into whatever holds
    focus once it has focused the field; on the review queue a PDF preview that finishes loading
    at that moment can take focus, and the form would then be posted without the text. So let
    the previews near the field load first, then fill until the field holds the text."""
    field.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    for _ in range(3):
        field.fill(text)
        if field.input_value() == text:
            return
    expect(field).to_have_value(text)


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"story-{name}.png"), full_page=True)


@pytest.mark.browser
def test_follow_up_story(csrf_server, chromium, tmp_path):
    server = csrf_server
    with server.app.app_context():
        from tracker.imports.service import import_scores
        from tracker.models import Period, Unit
        import_scores(SCORES.encode(), "s.csv", "2023-S2", "questionnaire", user="test")
        unit_id = Unit.query.one().id
        period_id = Period.query.filter_by(code="2023-S2").one().id
        make_user("admin@kota.go.id", "admin")
        make_user("camat@kota.go.id", "manager", ["Kecamatan Banjarsari"])
        make_user("inspektur@kota.go.id", "inspector")
    evidence = tmp_path / "laporan-realisasi.pdf"
    evidence.write_bytes(PDF)
    plan_url = f"{server.url}/rtl/2023-S2/unit/{unit_id}"

    # The admin sets the period's plan deadline.
    admin = _person(chromium, server, "admin@kota.go.id")
    _submit(admin, "a:has-text('Tenggat') >> nth=0")
    _submit(admin, f"a[href='/admin/periode/{period_id}']")
    admin.fill("input[name=plan_deadline]", "2024-01-31")
    admin.fill("input[name=progress_grace_days]", "15")
    _submit(admin, "button:has-text('Simpan')", "Pengaturan periode disimpan")

    # The manager plans one action per priority element and submits.
    manager = _person(chromium, server, "camat@kota.go.id")
    manager.goto(plan_url)
    _submit(manager, "button:has-text('Buat RTL')", "RTL dibuat.")
    plans = [("waktu", "Evaluasi SOP pelayanan dan standar waktu"),
             ("sarpras", "Perbaikan sarana dan prasarana pelayanan"),
             ("persyaratan", "Sosialisasi persyaratan pelayanan melalui media sosial")]
    for element, text in plans:
        manager.select_option("select[name=element]", element)
        manager.fill("textarea[name=text]", text)
        manager.locator("input[name=quarters]").first.check()
        manager.fill("input[name=owner]", "Sekretaris Kecamatan")
        _submit(manager, "button:has-text('Tambah kegiatan')", "Kegiatan ditambahkan.")
        expect(manager.locator("body")).to_contain_text(text)
    _submit(manager, "button:has-text('Ajukan RTL')", "Diajukan")

    # The admin accepts the plan.
    admin.goto(plan_url)
    _submit(admin, "button:has-text('Terima RTL')", "Diterima")

    # The manager logs progress with an uploaded file on two actions.
    manager.goto(plan_url)
    links = manager.locator("a:has-text('Evaluasi SOP'), a:has-text('Perbaikan sarana')")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) == 2
    for href, percent in zip(hrefs, ("100", "50")):
        manager.goto(server.url + href)
        manager.fill("input[name=percent]", percent)
        manager.fill("textarea[name=narrative]", f"Kegiatan terlaksana {percent}%, notulen terlampir.")
        manager.set_input_files("input[name=evidence]", str(evidence))
        _submit(manager, "button:has-text('Kirim laporan')", "menunggu verifikasi Inspektorat")
        expect(manager.locator("body")).to_contain_text("laporan-realisasi.pdf")
    _shot(manager, "manager-progress")

    # The inspector rejects the first report and verifies the second, from the review queue.
    inspector = _person(chromium, server, "inspektur@kota.go.id")
    _submit(inspector, "nav a:has-text('Antrean verifikasi')")
    expect(inspector.locator("tbody tr[id^='entry-']")).to_have_count(2)
    first = inspector.locator("tbody tr[id^='entry-']:has-text('Evaluasi SOP')")
    first.locator("input[value=rejected]").check()
    _fill(inspector, first.locator("textarea[name=comment]"), "Bukti belum menunjukkan SOP baru ditetapkan.")
    expect(first.locator("input[value=rejected]")).to_be_checked()
    _submit(inspector, first.locator("button:has-text('Simpan')"), "Laporan ditolak.")
    second = inspector.locator("tbody tr[id^='entry-']:has-text('Perbaikan sarana')")
    second.locator("input[value=verified]").check()
    _submit(inspector, second.locator("button:has-text('Simpan')"), "Laporan diverifikasi.")
    _shot(inspector, "inspector-queue")

    # The manager sees the rejection and resubmits with the same evidence.
    manager.goto(server.url + hrefs[0])
    assert "Bukti belum menunjukkan SOP baru ditetapkan." in manager.content()
    _submit(manager, "a:has-text('Ajukan ulang')")
    manager.fill("input[name=percent]", "100")
    manager.fill("textarea[name=narrative]", "SOP baru ditetapkan dengan SK Camat, terlampir.")
    manager.set_input_files("input[name=evidence]", str(evidence))
    _submit(manager, "button:has-text('Ajukan ulang')", "Laporan diajukan ulang")

    # The inspector verifies the resubmission.
    _submit(inspector, "nav a:has-text('Antrean verifikasi')")
    row = inspector.locator("tbody tr[id^='entry-']:has-text('Evaluasi SOP')")
    row.locator("input[value=verified]").check()
    _submit(inspector, row.locator("button:has-text('Simpan')"), "Laporan diverifikasi.")

    # Realisation = mean of (100, 50, 0) = 50.00% for everyone, and the database agrees.
    for page in (manager, inspector, admin):
        page.goto(plan_url)
        expect(page.locator("body")).to_contain_text("50,00%")
    _shot(admin, "admin-plan")
    with server.app.app_context():
        from tracker.followup.rates import rates_by_unit
        from tracker.models import Period, ProgressEntry
        rate = rates_by_unit(Period.query.filter_by(code="2023-S2").one())[unit_id]
        assert rate.realisation == pytest.approx(50.0)
        assert rate.completion == pytest.approx(100 / 3)
        assert sorted(e.status for e in ProgressEntry.query.all()) == ["rejected", "verified", "verified"]
    for page in (manager, inspector, admin):
        page.context.close()


@pytest.mark.browser
def test_person_logs_in_and_reads_recap(live_server, page):
    from tests.conftest import DATA
    with live_server.app.app_context():
        from tracker.imports.service import import_scores
        for code in ("S1", "S2"):
            path = DATA / f"surakarta-2021-{code}.csv"
            import_scores(path.read_bytes(), path.name, f"2021-{code}", "questionnaire", user="test")
        make_user("admin@kota.go.id", "admin")
    live_server.login(page, "admin@kota.go.id")
    expect(page.locator("h1")).to_contain_text("Tugas Bagian Organisasi")  # the admin's home
    with page.expect_navigation():
        page.click("nav a:has-text('Periode')")
    with page.expect_navigation():
        page.click("a:has-text('Rekap hasil') >> nth=0")
    expect(page.locator("body")).to_contain_text("Rekap hasil SKM")
    page.goto(live_server.url + "/periode/2021")
    assert page.locator("table.t31 tbody tr").count() >= 50
    with page.expect_navigation():
        page.click("text=Badan Pendapatan, Pengelolaan Keuangan Dan Aset Daerah")
    expect(page.locator("body")).to_contain_text("Unsur prioritas perbaikan")
    expect(page.locator("body")).to_contain_text("U3 Waktu Penyelesaian")
    _shot(page, "recap-unit")
    assert page.blocked_requests == [] and page.console_errors == []
