"""The inspector reviews evidence where it waits: in a real Chromium the verification queue
shows the PDF in a frame and the photo as an image (served by the application's own inline
route, which lets only this origin frame it), and the inspector verifies the report there."""
from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT, make_user

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "screenshots" / "browser"))
SCORES = ("unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
          "Kecamatan Banjarsari,100,300,320,260,350,330,340,345,280,360\n")


def real_pdf() -> bytes:
    """A one-page PDF that a viewer really draws ("Bukti kegiatan")."""
    stream = b"BT /F1 24 Tf 30 100 Td (Bukti kegiatan) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def real_png(width=120, height=80) -> bytes:
    """A small solid-colour PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x2f\x6f\xb3" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _seed(app):
    """A unit with an accepted plan, two reports waiting (a PDF and a photo) and the users."""
    from werkzeug.datastructures import FileStorage

    from tracker.extensions import db
    from tracker.followup import service as S
    from tracker.imports.service import import_scores
    from tracker.models import Action, Plan, Unit
    import_scores(SCORES.encode(), "s.csv", "2023-S2", "questionnaire", user="test")
    unit = Unit.query.one()
    make_user("inspektur@kota.go.id", "inspector")
    manager = make_user("camat@kota.go.id", "manager", ["Kecamatan Banjarsari"])
    from tracker.results.service import ensure_period
    plan = Plan(unit_id=unit.id, period_id=ensure_period("2023-S2").id, status="accepted")
    action = Action(element="waktu", text="Percepatan proses pelayanan",
                    quarters=["2024-TW1", "2024-TW2"], owner="Sekretariat")
    plan.actions.append(action)
    db.session.add(plan)
    db.session.commit()
    ids = {}
    for name, data in (("laporan-realisasi.pdf", real_pdf()), ("foto-loket.png", real_png())):
        quarter = "2024-TW1" if name.endswith(".pdf") else "2024-TW2"
        entry = S.log_progress(action, S.ProgressInput(
            quarter=quarter, percent=50, narrative=f"Bukti {name}",
            file=FileStorage(stream=io.BytesIO(data), filename=name)), manager)
        ids[name] = entry.id
    return ids


@pytest.mark.browser
def test_inspector_sees_the_evidence_and_verifies(live_server, page):
    with live_server.app.app_context():
        ids = _seed(live_server.app)
    pdf_id, png_id = ids["laporan-realisasi.pdf"], ids["foto-loket.png"]
    # Chromium's own PDF viewer (chrome-extension:// and chrome:// resources) is part of the
    # browser, not the network: let it load so the frame really shows the document.
    page.route(lambda url: url.startswith(("chrome://", "chrome-extension://")),
               lambda route: route.continue_())
    live_server.login(page, "inspektur@kota.go.id")
    preview_responses = {}
    page.on("response", lambda r: preview_responses.__setitem__(r.url.split(live_server.url)[-1], r)
            if "/pratinjau" in r.url else None)
    page.goto(live_server.url + "/rtl/verifikasi")

    frame = page.locator(f'#preview-{pdf_id} iframe.evidence-pdf')
    expect(frame).to_be_visible()
    image = page.locator(f'#preview-{png_id} img.evidence-image')
    expect(image).to_be_visible()
    # The photo really loaded (the page's policy allowed it and the route served a PNG).
    page.wait_for_function("img => img.complete && img.naturalWidth === 120", arg=image.element_handle())
    box = frame.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    # The PDF frame was loaded from the inline route and not refused by the frame policy.
    page.wait_for_function(
        "src => Array.from(document.querySelectorAll('iframe')).some(f => f.src.endsWith(src))",
        arg=f"/rtl/laporan/{pdf_id}/pratinjau")
    page.wait_for_timeout(500)
    pdf_resp = preview_responses.get(f"/rtl/laporan/{pdf_id}/pratinjau")
    assert pdf_resp is not None and pdf_resp.status == 200
    assert pdf_resp.headers["content-type"] == "application/pdf"
    assert pdf_resp.headers["x-frame-options"] == "SAMEORIGIN"
    assert any(f.url.endswith(f"/rtl/laporan/{pdf_id}/pratinjau") for f in page.frames)
    refused = [m for m in page.console_errors if "frame" in m.lower() or "Content Security Policy" in m]
    assert not refused, refused
    assert not page.blocked_requests
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-preview.png"), full_page=True)

    # The inspector verifies the PDF report from the queue.
    row = page.locator(f"#entry-{pdf_id}")
    row.locator("input[name=decision][value=verified]").check()
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Laporan diverifikasi.")
    expect(page.locator(f"#entry-{pdf_id}")).to_have_count(0)
    expect(page.locator(f"#preview-{png_id} img.evidence-image")).to_be_visible()
    with live_server.app.app_context():
        from tracker.extensions import db
        from tracker.models import ProgressEntry
        assert db.session.get(ProgressEntry, pdf_id).status == "verified"
        assert db.session.get(ProgressEntry, png_id).status == "submitted"
