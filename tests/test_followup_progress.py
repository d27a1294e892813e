"""Progress reports, evidence files and links, verification and resubmission."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from tests.helpers import snapshot
from tests.test_followup_workflow import PDF, World
from tracker.extensions import db
from tracker.models import AuditLog, Notification, ProgressEntry

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # Fixed timestamps keep the bytes (and so the test ids) identical across xdist workers.
        stamp = (2024, 1, 1, 0, 0, 0)
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", stamp), "<Types/>")
        z.writestr(zipfile.ZipInfo("word/document.xml" if kind == "docx" else "xl/workbook.xml", stamp), "<x/>")
    return buf.getvalue()


@pytest.fixture
def world(loaded, client):
    w = World(client)
    w.plan = w.accepted_plan()
    w.action = w.plan.actions[0]
    w.login("m1@kota.go.id")
    return w


def test_progress_only_on_accepted_plans(loaded, client):
    w = World(client)
    w.login("m1@kota.go.id")
    plan = w.full_plan()
    a = plan.actions[0]
    r = w.client.get(f"/rtl/kegiatan/{a.id}")
    assert "setelah RTL diterima" in r.data.decode()
    r = w.log(a, a.quarters[0], 10, expect=400)
    assert "sudah diterima" in r.data.decode()
    assert ProgressEntry.query.count() == 0


@pytest.mark.parametrize("name,data,mime", [
    ("laporan.pdf", PDF, "application/pdf"),
    ("foto.JPG", JPG, "image/jpeg"),
    ("foto.jpeg", JPG, "image/jpeg"),
    ("foto.png", PNG, "image/png"),
    ("notulen.docx", office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("rekap.xlsx", office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
], ids=lambda v: v if isinstance(v, str) and "/" not in v and len(v) < 20 else "")
def test_evidence_accepted_stored_under_random_name(world, app, name, data, mime):
    w = world
    w.log(w.action, w.action.quarters[0], 50, evidence=data, name=name)
    e = ProgressEntry.query.one()
    assert e.status == "submitted" and e.percent == 50
    assert e.evidence_name == name and e.evidence_mime == mime
    assert name.split(".")[0] not in e.evidence_path
    stored = Path(app.config["UPLOAD_DIR"]) / e.evidence_path
    assert stored.read_bytes() == data
    assert Path(app.config["UPLOAD_DIR"]).resolve() in stored.resolve().parents
    r = w.client.get(f"/rtl/laporan/{e.id}/bukti")
    assert r.status_code == 200 and r.data == data
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["Content-Type"].startswith(mime)


@pytest.mark.parametrize("name,data,message", [
    ("skrip.exe", b"MZ\x90\x00", "tidak diizinkan"),
    ("palsu.pdf", b"<html><script>alert(1)</script></html>", "tidak sesuai"),
    ("palsu.png", PDF, "tidak sesuai"),
    ("zip.docx", office("xlsx"), "tidak sesuai"),
    ("rusak.xlsx", b"PK\x03\x04garbage", "tidak sesuai"),
    ("tanpa-ekstensi", PDF, "tidak diizinkan"),
    ("kosong.pdf", b"", "kosong"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_bad_evidence_refused_and_nothing_stored(world, app, name, data, message):
    w = world
    before = snapshot()
    r = w.log(w.action, w.action.quarters[0], 50, evidence=data, name=name, expect=400)
    assert message in r.data.decode()
    assert snapshot() == before
    folder = Path(app.config["UPLOAD_DIR"]) / "evidence"
    assert not folder.exists() or not os.listdir(folder)


def test_evidence_size_limit(world, app):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    w = world
    r = w.log(w.action, w.action.quarters[0], 50, evidence=PDF + b"0" * 1000, name="besar.pdf", expect=400)
    assert "terlalu besar" in r.data.decode()
    w.log(w.action, w.action.quarters[0], 50, evidence=PDF, name="kecil.pdf")


def test_links_http_only_and_evidence_required_above_zero(world):
    w = world
    q = w.action.quarters[0]
    for bad in ("javascript:alert(1)", "ftp://x.go.id/a", "file:///etc/passwd", "http://", "lihat drive"):
        r = w.log(w.action, q, 50, evidence=None, link=bad, expect=400)
        assert "http" in r.data.decode()
    r = w.log(w.action, q, 50, evidence=None, expect=400)
    assert "Lampirkan bukti" in r.data.decode()
    w.log(w.action, q, 0, evidence=None, narrative="Belum dimulai, menunggu anggaran")
    w.login("inspektur@kota.go.id")
    w.review(ProgressEntry.query.one(), "verified")
    w.login("m1@kota.go.id")
    w.log(w.action, q, 60, evidence=None, link="https://drive.kota.go.id/laporan-realisasi")
    e = ProgressEntry.query.order_by(ProgressEntry.id.desc()).first()
    assert e.evidence_link == "https://drive.kota.go.id/laporan-realisasi" and e.evidence_path is None
    html = w.client.get(f"/rtl/kegiatan/{w.action.id}").data.decode()
    assert 'rel="noopener noreferrer nofollow"' in html


def test_percent_quarter_and_narrative_validation(world):
    w = world
    q = w.action.quarters[0]
    before = snapshot()
    w.log(w.action, q, 101, expect=400)
    w.log(w.action, q, -1, expect=400)
    w.log(w.action, "2030-TW1", 10, expect=400)
    w.log(w.action, q, 10, narrative="", expect=400)
    assert snapshot() == before
    w.log(w.action, q, 10)
    r = w.log(w.action, q, 20, expect=400)  # one pending report per quarter
    assert "menunggu verifikasi" in r.data.decode()


def test_verify_reject_resubmit_keeps_history(world, app):
    w = world
    a = w.action
    q = a.quarters[0]
    w.log(a, q, 70, narrative="Pelatihan sudah dilaksanakan")
    first = ProgressEntry.query.one()
    insp = Notification.query.filter_by(user_id=w.inspector.id).all()
    assert any("Laporan kemajuan baru" in n.message for n in insp)
    # Only an inspector verifies; a rejection needs a reason.
    assert w.client.post(f"/rtl/laporan/{first.id}/periksa",
                         data={"version": first.version, "decision": "verified"}).status_code == 403
    w.login("admin@kota.go.id")
    assert w.client.post(f"/rtl/laporan/{first.id}/periksa",
                         data={"version": first.version, "decision": "verified"}).status_code == 403
    w.login("inspektur@kota.go.id")
    html = w.client.get("/rtl/verifikasi").data.decode()
    assert f'id="entry-{first.id}"' in html and "Pelatihan sudah dilaksanakan" in html
    w.review(first, "rejected", "", expect=400)
    w.review(first, "rejected", "Daftar hadir tidak dilampirkan.")
    db.session.refresh(first)
    assert first.status == "rejected" and first.review_comment == "Daftar hadir tidak dilampirkan."
    assert first.reviewed_by_id == w.inspector.id
    assert f'id="entry-{first.id}"' not in w.client.get("/rtl/verifikasi").data.decode()
    # The manager sees the outcome and resubmits; the old entry stays as it was.
    w.login("m1@kota.go.id")
    assert any("ditolak" in n.message for n in Notification.query.filter_by(user_id=w.m1.id))
    html = w.client.get("/rtl/").data.decode()
    assert "Daftar hadir tidak dilampirkan." in html and f"/rtl/laporan/{first.id}/ajukan-ulang" in html
    r = w.client.get(f"/rtl/laporan/{first.id}/ajukan-ulang")
    assert r.status_code == 200 and "Pelatihan sudah dilaksanakan" in r.data.decode()
    old_version = first.version
    r = w.client.post(f"/rtl/laporan/{first.id}/ajukan-ulang", data={
        "version": old_version, "quarter": q, "percent": "70", "narrative": "Pelatihan + daftar hadir",
        "evidence": (io.BytesIO(PDF), "daftar-hadir.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302, r.data.decode()[:2000]
    second = ProgressEntry.query.filter_by(supersedes_id=first.id).one()
    db.session.refresh(first)
    assert first.status == "rejected" and first.narrative == "Pelatihan sudah dilaksanakan"
    assert second.status == "submitted" and second.id != first.id
    # Resubmitting the same rejected entry twice (stale form) is refused.
    before = snapshot()
    r = w.client.post(f"/rtl/laporan/{first.id}/ajukan-ulang", data={
        "version": old_version, "quarter": q, "percent": "80", "narrative": "lagi",
        "evidence": (io.BytesIO(PDF), "x.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 409
    assert snapshot() == before
    # Verification counts it.
    w.login("inspektur@kota.go.id")
    w.review(second, "verified", "Lengkap")
    from tracker.followup import rates
    db.session.refresh(a)
    assert rates.action_state(a).realisation == 70
    events = [(l.entity_id, l.event) for l in AuditLog.query.filter_by(entity="progress_entry").order_by(AuditLog.id)]
    assert events == [(first.id, "create"), (first.id, "reject"), (second.id, "resubmit"), (second.id, "verify")]
    # Reviewing an already reviewed entry with its current version is refused (not 500).
    r = w.review(second, "rejected", "x", expect=400)
    assert "sudah diperiksa" in r.data.decode()


def test_evidence_served_only_within_scope(world):
    w = world
    w.log(w.action, w.action.quarters[0], 50)
    e = ProgressEntry.query.one()
    url = f"/rtl/laporan/{e.id}/bukti"
    w.login("m2@kota.go.id")
    assert w.client.get(url).status_code == 404
    w.login("inspektur@kota.go.id")
    assert w.client.get(url).status_code == 200
    w.login("admin@kota.go.id")
    assert w.client.get(url).status_code == 200
    w.client.post("/logout")
    assert w.client.get(url).status_code == 302


def test_not_actionable_blocks_progress_and_is_left_out(world):
    w = world
    a = w.action
    w.login("admin@kota.go.id")
    r = w.client.post(f"/rtl/kegiatan/{a.id}/tidak-dapat", data={"version": a.version, "flag": "1", "reason": ""})
    assert r.status_code == 400
    r = w.client.post(f"/rtl/kegiatan/{a.id}/tidak-dapat",
                      data={"version": a.version, "flag": "1", "reason": "Di luar kewenangan unit"})
    assert r.status_code == 302
    db.session.refresh(a)
    assert a.not_actionable
    from tracker.followup import rates
    assert rates.action_state(a).outcome == "tidak_dapat"
    w.login("m1@kota.go.id")
    r = w.log(a, a.quarters[0], 10, expect=400)
    assert "tidak dapat ditindaklanjuti" in r.data.decode()


def test_resubmission_can_keep_the_stored_evidence(world, app):
    w = world
    a = w.action
    w.log(a, a.quarters[0], 60, evidence=PDF, name="foto-kegiatan.pdf")
    first = ProgressEntry.query.one()
    w.login("inspektur@kota.go.id")
    w.review(first, "rejected", "Uraian kurang jelas")
    w.login("m1@kota.go.id")
    db.session.refresh(first)
    html = w.client.get(f"/rtl/laporan/{first.id}/ajukan-ulang").data.decode()
    assert "foto-kegiatan.pdf" in html and 'name="keep_evidence"' in html
    r = w.client.post(f"/rtl/laporan/{first.id}/ajukan-ulang", data={
        "version": first.version, "quarter": first.quarter, "percent": "60",
        "narrative": "Uraian lengkap", "keep_evidence": "y"})
    assert r.status_code == 302, r.data.decode()[:2000]
    second = ProgressEntry.query.filter_by(supersedes_id=first.id).one()
    assert second.evidence_path == first.evidence_path and second.evidence_name == "foto-kegiatan.pdf"
    assert w.client.get(f"/rtl/laporan/{second.id}/bukti").data == PDF
    assert len(os.listdir(Path(app.config["UPLOAD_DIR"]) / "evidence")) == 1
