"""Reviewing evidence (issue 9 part 3): PDFs and images previewed inline with their own
sandboxing headers (anything else download only), one zip of a unit's evidence for a period with
daftar_bukti.csv, and a report under review that nobody can change."""
from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path

import pytest

from tests.helpers import snapshot
from tests.test_followup_progress import JPG, PNG, office, world  # noqa: F401  (fixture)
from tests.test_followup_workflow import PDF, UNIT_A
from tracker.domain import elements as el
from tracker.extensions import db
from tracker.models import Action, AuditLog, Plan, ProgressEntry

DOCX = office("docx")
XLSX = office("xlsx")
GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def only_entry(**filters) -> ProgressEntry:
    return ProgressEntry.query.filter_by(**filters).order_by(ProgressEntry.id.desc()).first()


def stored(app, entry) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / entry.evidence_path


def add_stored_entry(app, action, data: bytes, mime: str, name: str, status="verified") -> ProgressEntry:
    """An entry whose stored file is written around the upload checks (as an older version or
    another tool might have left it)."""
    folder = Path(app.config["UPLOAD_DIR"]) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    rel = f"evidence/handmade-{len(os.listdir(folder))}.bin"
    (Path(app.config["UPLOAD_DIR"]) / rel).write_bytes(data)
    entry = ProgressEntry(action_id=action.id, quarter=action.quarters[0], percent=10, narrative="x",
                          evidence_path=rel, evidence_name=name, evidence_mime=mime, status=status)
    db.session.add(entry)
    db.session.commit()
    return entry


# --------------------------------------------------------------------------- preview

@pytest.mark.parametrize("name,data,mime,kind", [
    ("laporan.pdf", PDF, "application/pdf", "pdf"),
    ("foto.png", PNG, "image/png", "image"),
    ("foto.jpg", JPG, "image/jpeg", "image"),
], ids=["pdf", "png", "jpg"])
def test_preview_served_inline_with_its_own_headers(world, name, data, mime, kind):
    w = world
    w.log(w.action, w.action.quarters[0], 50, evidence=data, name=name)
    e = only_entry()
    w.login("inspektur@kota.go.id")
    r = w.client.get(f"/rtl/laporan/{e.id}/pratinjau")
    assert r.status_code == 200 and r.data == data
    assert r.mimetype == mime
    assert r.headers["Content-Disposition"].startswith("inline")
    assert name in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    csp = r.headers["Content-Security-Policy"]
    directives = [d.strip() for d in csp.split(";")]
    assert "sandbox" in directives and "default-src 'none'" in directives
    assert "frame-ancestors 'self'" in directives and "script-src" not in csp
    assert "no-store" in r.headers["Cache-Control"]
    # The download stays a download, and every other page still refuses to be framed.
    d = w.client.get(f"/rtl/laporan/{e.id}/bukti")
    assert d.headers["Content-Disposition"].startswith("attachment")
    q = w.client.get("/rtl/verifikasi")
    assert q.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in q.headers["Content-Security-Policy"]
    html = q.data.decode()
    box = re.search(rf'<div class="evidence-preview" data-entry="{e.id}" data-kind="{kind}">(.*?)</div>',
                    html, re.S).group(1)
    if kind == "pdf":
        assert f'<iframe class="evidence-pdf" src="/rtl/laporan/{e.id}/pratinjau"' in box
        assert "Buka PDF di tab baru" in box and f'href="/rtl/laporan/{e.id}/bukti"' in box
    else:
        assert f'<img class="evidence-image" src="/rtl/laporan/{e.id}/pratinjau"' in box


@pytest.mark.parametrize("name,data", [("notulen.docx", DOCX), ("rekap.xlsx", XLSX)], ids=["docx", "xlsx"])
def test_other_types_are_download_only(world, name, data):
    w = world
    w.log(w.action, w.action.quarters[0], 50, evidence=data, name=name)
    e = only_entry()
    w.login("inspektur@kota.go.id")
    r = w.client.get(f"/rtl/laporan/{e.id}/pratinjau")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/rtl/laporan/{e.id}/bukti")
    assert "Content-Disposition" not in r.headers
    d = w.client.get(r.headers["Location"])
    assert d.status_code == 200 and d.headers["Content-Disposition"].startswith("attachment")
    html = w.client.get("/rtl/verifikasi").data.decode()
    box = re.search(rf'data-entry="{e.id}" data-kind="download">(.*?)</div>', html, re.S).group(1)
    assert "tidak dapat dipratinjau" in box and "<iframe" not in box and "<img" not in box


def test_preview_trusts_the_bytes_not_the_label(world, app):
    """A stored file whose recorded type is an image but whose bytes are HTML is never sent
    inline; GIF and WebP (not uploadable today) are shown when their bytes say so."""
    w = world
    html_as_png = add_stored_entry(app, w.action, b"<html><script>alert(1)</script></html>", "image/png", "x.png")
    html_typed = add_stored_entry(app, w.action, b"<html></html>", "text/html", "x.html")
    gif = add_stored_entry(app, w.action, GIF, "image/gif", "a.gif")
    webp = add_stored_entry(app, w.action, WEBP, "image/webp", "a.webp")
    w.login("inspektur@kota.go.id")
    for e in (html_as_png, html_typed):
        r = w.client.get(f"/rtl/laporan/{e.id}/pratinjau")
        assert r.status_code == 303 and b"<script>" not in r.data
    for e, mime in ((gif, "image/gif"), (webp, "image/webp")):
        r = w.client.get(f"/rtl/laporan/{e.id}/pratinjau")
        assert r.status_code == 200 and r.mimetype == mime and "sandbox" in r.headers["Content-Security-Policy"]


def test_preview_of_a_missing_or_absent_file_is_404(world, app):
    w = world
    w.log(w.action, w.action.quarters[0], 0, evidence=None, link="https://drive.example.go.id/bukti?a=1&b=2")
    linked = only_entry()
    w.login("inspektur@kota.go.id")
    assert w.client.get(f"/rtl/laporan/{linked.id}/pratinjau").status_code == 404
    html = w.client.get("/rtl/verifikasi").data.decode()
    box = re.search(rf'data-entry="{linked.id}" data-kind="none">(.*?)</div>', html, re.S).group(1)
    assert ('<a href="https://drive.example.go.id/bukti?a=1&amp;b=2" target="_blank" '
            'rel="noopener noreferrer">') in box
    w.login("m1@kota.go.id")
    w.log(w.plan.actions[1], w.plan.actions[1].quarters[0], 20)
    gone = only_entry()
    stored(app, gone).unlink()
    w.login("inspektur@kota.go.id")
    assert w.client.get(f"/rtl/laporan/{gone.id}/pratinjau").status_code == 404
    html = w.client.get("/rtl/verifikasi").data.decode()
    assert re.search(rf'data-entry="{gone.id}" data-kind="missing">.*?tidak ditemukan', html, re.S)


def test_tampered_paths_are_neither_previewed_nor_zipped(world, app, tmp_path):
    w = world
    e = add_stored_entry(app, w.action, PDF, "application/pdf", "a.pdf")
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(PDF + b"secret")
    w.login("inspektur@kota.go.id")
    for bad in ("../secret.pdf", str(secret), "evidence/../../secret.pdf"):
        ProgressEntry.query.filter_by(id=e.id).update({"evidence_path": bad})
        db.session.commit()
        assert w.client.get(f"/rtl/laporan/{e.id}/pratinjau").status_code == 404, bad
        z = open_zip(w.client.get(f"/rtl/2021-S1/unit/{w.a_id}/bukti.zip"))
        assert z.namelist() == ["daftar_bukti.csv"], bad
        assert b"secret" not in z.read("daftar_bukti.csv")


def test_preview_and_zip_roles(world):
    w = world
    w.log(w.action, w.action.quarters[0], 50)
    e = only_entry()
    urls = (f"/rtl/laporan/{e.id}/pratinjau", f"/rtl/2021-S1/unit/{w.a_id}/bukti.zip",
            f"/rtl/2021/unit/{w.a_id}/bukti.zip")
    for email in ("inspektur@kota.go.id", "admin@kota.go.id", "m1@kota.go.id"):
        w.login(email)
        for url in urls:
            assert w.client.get(url).status_code == 200, (email, url)
    w.login("m2@kota.go.id")
    for url in urls:
        assert w.client.get(url).status_code == 404, url
    w.client.post("/logout")
    for url in urls:
        r = w.client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


# --------------------------------------------------------------------------- zip

def open_zip(resp) -> zipfile.ZipFile:
    assert resp.status_code == 200, resp.data[:2000]
    assert resp.mimetype == "application/zip"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["Content-Length"] == str(len(resp.data))
    assert "no-store" in resp.headers["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(resp.data))


def read_list(z: zipfile.ZipFile) -> list[dict]:
    raw = z.read("daftar_bukti.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheets
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def u_of(action) -> str:
    return el.u_code(action.element, action.plan.period.numbering or "questionnaire")


def test_zip_holds_every_stored_file_and_lists_every_report(world, app):
    w = world
    a0, a1, a2 = w.plan.actions[:3]
    q2, q3 = a0.quarters[:2]
    w.log(a0, q2, 62.5, evidence=PDF, name="Laporan akhir.pdf")
    first = only_entry()
    w.login("inspektur@kota.go.id")
    w.review(first, "rejected", "Foto kurang jelas")
    w.login("m1@kota.go.id")
    db.session.refresh(first)
    r = w.client.post(f"/rtl/laporan/{first.id}/ajukan-ulang", data={
        "version": first.version, "quarter": q2, "percent": "70", "narrative": "Diperbaiki",
        "keep_evidence": "y"})
    assert r.status_code == 302
    again = only_entry(supersedes_id=first.id)
    w.log(a0, q3, 80, evidence=PNG, name="foto kegiatan.png")
    photo = only_entry()
    w.log(a1, q2, 50, evidence=DOCX, name="notulen rapat.docx")
    minutes = only_entry()
    w.log(a1, q3, 30, evidence=None, link="https://drive.example.go.id/rekap")
    linked = only_entry()
    w.log(a2, q2, 40, evidence=PDF, name="hilang.pdf")
    lost = only_entry()
    stored(app, lost).unlink()

    w.login("inspektur@kota.go.id")
    r = w.client.get(f"/rtl/2021-S1/unit/{w.a_id}/bukti.zip")
    z = open_zip(r)
    assert "bukti_2021-S1_" in r.headers["Content-Disposition"]
    expected = {
        f"{q2}_{u_of(a0)}_{a0.id}_{first.id}_Laporan_akhir.pdf": PDF,
        f"{q3}_{u_of(a0)}_{a0.id}_{photo.id}_foto_kegiatan.png": PNG,
        f"{q2}_{u_of(a1)}_{a1.id}_{minutes.id}_notulen_rapat.docx": DOCX,
    }
    assert sorted(z.namelist()) == sorted(["daftar_bukti.csv", *expected])
    for name, data in expected.items():
        assert z.read(name) == data
    assert z.testzip() is None
    rows = {int(row["No. laporan"]): row for row in read_list(z)}
    assert set(rows) == {first.id, again.id, photo.id, minutes.id, linked.id, lost.id}
    assert rows[first.id]["Status"] == "Ditolak" and rows[first.id]["Persentase (%)"] == "62,5"
    assert rows[first.id]["Catatan pemeriksa"] == "Foto kurang jelas"
    assert rows[again.id]["Status"] == "Menunggu verifikasi" and rows[again.id]["Persentase (%)"] == "70"
    # The resubmission kept the rejected report's file: stored once, named for both.
    assert rows[again.id]["Berkas dalam zip"] == rows[first.id]["Berkas dalam zip"] != ""
    assert rows[photo.id]["Triwulan"] == q3 and rows[photo.id]["Kegiatan"] == a0.text
    assert rows[photo.id]["Unsur"] == f"{u_of(a0)} {el.ELEMENTS[a0.element].name}"
    assert rows[linked.id]["Tautan bukti"] == "https://drive.example.go.id/rekap"
    assert rows[linked.id]["Berkas dalam zip"] == ""
    assert rows[lost.id]["Berkas dalam zip"] == "" and "tidak ditemukan" in rows[lost.id]["Keterangan"]
    assert all(row["Periode RTL"] == "2021-S1" for row in rows.values())


def test_zip_names_are_safe_and_list_cells_are_not_formulas(world):
    w = world
    w.log(w.action, w.action.quarters[0], 10, narrative="=HYPERLINK(\"http://x\")",
          evidence=PDF, name="..\\..\\Laporan (final) ü 100%.pdf")
    e = only_entry()
    w.login("inspektur@kota.go.id")
    z = open_zip(w.client.get(f"/rtl/2021-S1/unit/{w.a_id}/bukti.zip"))
    files = [n for n in z.namelist() if n != "daftar_bukti.csv"]
    assert files == [f"{e.quarter}_{u_of(w.action)}_{w.action.id}_{e.id}_Laporan_final_u_100.pdf"]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", n) for n in z.namelist())
    row = read_list(z)[0]
    assert row["Uraian"].startswith("'=")


def test_safe_file_name_rules(app):
    from tracker.followup.evidence import safe_file_name
    assert safe_file_name("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert safe_file_name(".htaccess", None) == "htaccess"
    assert safe_file_name("foto.JPEG", "image/jpeg") == "foto.jpeg"
    assert safe_file_name("scan.exe", "image/png") == "scan.png"
    assert safe_file_name("", "application/pdf") == "bukti.pdf"
    assert safe_file_name("Ráport 2021.docx", "application/vnd.openxmlformats-officedocument"
                          ".wordprocessingml.document") == "Raport_2021.docx"
    assert len(safe_file_name("x" * 400 + ".pdf", "application/pdf")) <= 84


def test_zip_for_a_year_gathers_its_semesters_plans(world):
    w = world
    w.log(w.action, w.action.quarters[0], 50, evidence=PDF, name="semester1.pdf")
    s1 = only_entry()
    w.login("m1@kota.go.id")
    s2_plan = w.full_plan("2021-S2")
    w.submit(s2_plan)
    w.login("admin@kota.go.id")
    w.accept(s2_plan)
    w.login("m1@kota.go.id")
    s2_action = s2_plan.actions[-1]
    w.log(s2_action, s2_action.quarters[0], 25, evidence=PNG, name="semester2.png")
    s2 = only_entry()
    w.login("inspektur@kota.go.id")
    z = open_zip(w.client.get(f"/rtl/2021/unit/{w.a_id}/bukti.zip"))
    names = z.namelist()
    assert any(n.endswith(f"_{s1.id}_semester1.pdf") for n in names)
    assert any(n.endswith(f"_{s2.id}_semester2.png") for n in names)
    periods = {int(r["No. laporan"]): r["Periode RTL"] for r in read_list(z)}
    assert periods == {s1.id: "2021-S1", s2.id: "2021-S2"}
    # A semester's zip holds its own plan only; a period no plan answers has no zip.
    z1 = open_zip(w.client.get(f"/rtl/2021-S1/unit/{w.a_id}/bukti.zip"))
    assert [r["No. laporan"] for r in read_list(z1)] == [str(s1.id)]
    assert w.client.get(f"/rtl/2022/unit/{w.a_id}/bukti.zip").status_code == 404
    assert w.client.get(f"/rtl/2021-S9/unit/{w.a_id}/bukti.zip").status_code == 404
    assert w.client.get(f"/rtl/2021/unit/{w.b_id}/bukti.zip").status_code == 404


def test_zip_refused_over_the_size_cap(world, app):
    w = world
    w.log(w.action, w.action.quarters[0], 50, evidence=PDF)
    w.log(w.plan.actions[1], w.plan.actions[1].quarters[0], 50, evidence=PNG, name="f.png")
    w.login("inspektur@kota.go.id")
    app.config["EVIDENCE_ZIP_MAX_BYTES"] = len(PDF) + len(PNG) - 1
    r = w.client.get(f"/rtl/2021-S1/unit/{w.a_id}/bukti.zip")
    assert r.status_code == 409 and r.mimetype == "text/html"
    text = r.data.decode()
    assert "melebihi batas unduhan zip" in text and "2 berkas" in text and UNIT_A in text
    app.config["EVIDENCE_ZIP_MAX_BYTES"] = len(PDF) + len(PNG)
    assert len(open_zip(w.client.get(f"/rtl/2021-S1/unit/{w.a_id}/bukti.zip")).namelist()) == 3
    from tracker.followup.evidence import DEFAULT_ZIP_MAX_BYTES, zip_cap
    del app.config["EVIDENCE_ZIP_MAX_BYTES"]
    assert zip_cap() == DEFAULT_ZIP_MAX_BYTES == 500 * 1024 * 1024


def test_zip_written_to_a_file_in_chunks(world, app, tmp_path):
    """The zip is built in a temporary file (not in memory) and its list agrees with it."""
    from tracker.followup import evidence as EV
    from tracker.models import Unit
    w = world
    w.log(w.action, w.action.quarters[0], 50, evidence=PDF)
    found = EV.collect(db.session.get(Unit, w.a_id), "2021-S1")
    fh = EV.build_zip(found)
    try:
        assert not hasattr(fh, "getvalue")  # a real file, not a BytesIO
        assert zipfile.ZipFile(fh).namelist()[0] == "daftar_bukti.csv"
    finally:
        fh.close()
    with pytest.raises(EV.TooLarge):
        EV.build_zip(found, cap=1)


def test_review_queue_links_each_units_zip(world):
    w = world
    w.log(w.action, w.action.quarters[0], 50)
    w.login("admin@kota.go.id")
    html = w.client.get("/rtl/verifikasi").data.decode()
    assert f'href="/rtl/2021-S1/unit/{w.a_id}/bukti.zip"' in html


# --------------------------------------------------------------------------- lock

def test_a_submitted_report_cannot_be_resubmitted_or_doubled(world):
    w = world
    w.log(w.action, w.action.quarters[0], 50)
    e = only_entry()
    before = snapshot()
    r = w.client.get(f"/rtl/laporan/{e.id}/ajukan-ulang")
    assert "Hanya laporan yang ditolak" in r.data.decode()
    r = w.client.post(f"/rtl/laporan/{e.id}/ajukan-ulang", data={
        "version": e.version, "quarter": e.quarter, "percent": "90", "narrative": "ubah",
        "evidence": (io.BytesIO(PNG), "lain.png")}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Hanya laporan yang ditolak" in r.data.decode()
    r = w.log(w.action, e.quarter, 90, evidence=PNG, name="lain.png", expect=400)
    assert "menunggu verifikasi" in r.data.decode()
    assert snapshot() == before


@pytest.mark.parametrize("path", ["hapus", "ubah"])
def test_action_with_a_waiting_report_is_neither_deleted_nor_changed(world, path):
    w = world
    a = w.action
    w.log(a, a.quarters[0], 50)
    db.session.refresh(a)
    before = snapshot()
    data = {"version": a.version}
    if path == "ubah":
        data.update(element=a.element, text="Teks lain", quarters=list(a.quarters), owner="Kabid")
    r = w.client.post(f"/rtl/kegiatan/{a.id}/{path}", data=data)
    assert r.status_code == 409
    assert "menunggu verifikasi" in r.data.decode() and "sampai laporan itu diperiksa" in r.data.decode()
    assert snapshot() == before
    assert db.session.get(Action, a.id) is not None and ProgressEntry.query.count() == 1


def test_service_refuses_deleting_or_editing_an_action_under_review(world):
    """The rule holds even where a plan would otherwise allow the change (a plan made editable
    around the state machine)."""
    from tracker.followup import service as S
    w = world
    a = w.action
    w.log(a, a.quarters[0], 50)
    db.session.execute(db.update(Plan).where(Plan.id == a.plan_id).values(status="returned"))
    db.session.commit()
    db.session.expire_all()
    a = db.session.get(Action, a.id)
    with pytest.raises(S.ReportLocked) as exc:
        S.delete_action(a, a.version, w.m1)
    assert exc.value.status == 409
    data = S.ActionInput(a.element, "Teks lain", list(a.quarters), "Kabid")
    with pytest.raises(S.ReportLocked):
        S.update_action(a, a.version, data, w.m1)
    assert db.session.get(Action, a.id).text != "Teks lain"
    assert AuditLog.query.filter_by(entity="action", event="delete").count() == 0


@pytest.mark.parametrize("change", [
    "narrative", "percent", "quarter", "evidence_path", "evidence_name", "evidence_link",
    "action_id", "review_only_comment", "status_back", "review_and_edit",
])
def test_stored_submitted_report_is_immutable_until_reviewed(world, change):
    from tracker.followup import service as S
    w = world
    w.log(w.action, w.action.quarters[0], 50, link="https://drive.example.go.id/a")
    e = only_entry()
    before = snapshot()
    if change == "narrative":
        e.narrative = "diubah"
    elif change == "percent":
        e.percent = 100
    elif change == "quarter":
        e.quarter = w.action.quarters[1]
    elif change == "evidence_path":
        e.evidence_path = "evidence/lain.pdf"
    elif change == "evidence_name":
        e.evidence_name = "lain.pdf"
    elif change == "evidence_link":
        e.evidence_link = None
    elif change == "action_id":
        e.action_id = w.plan.actions[1].id
    elif change == "review_only_comment":
        e.review_comment = "catatan tanpa keputusan"
    elif change == "status_back":
        e.status = "draft"
    elif change == "review_and_edit":
        e.status = "verified"
        e.percent = 100
    with pytest.raises(S.ReportLocked) as exc:
        db.session.commit()
    assert "menunggu verifikasi" in exc.value.message
    db.session.rollback()
    assert snapshot() == before


def test_the_review_itself_still_changes_a_submitted_report(world):
    w = world
    w.log(w.action, w.action.quarters[0], 50)
    e = only_entry()
    w.login("inspektur@kota.go.id")
    w.review(e, "verified")
    db.session.refresh(e)
    assert e.status == "verified" and e.reviewed_at is not None


def test_failed_resubmission_never_removes_the_kept_file(world, app, monkeypatch):
    """Evidence clean-up after a failed save removes only the file that save wrote: a file kept
    from the rejected report (shared with it) survives."""
    from tracker.followup import service as S
    w = world
    a = w.action
    w.log(a, a.quarters[0], 50, evidence=PDF)
    first = only_entry()
    w.login("inspektur@kota.go.id")
    w.review(first, "rejected", "kurang")
    db.session.refresh(first)
    kept = stored(app, first)

    def boom(*args, **kwargs):
        raise RuntimeError("notification store down")

    from tracker.followup import progress
    monkeypatch.setattr(progress, "notify", boom)  # log_progress tells the inspectors last
    data = S.ProgressInput(quarter=first.quarter, percent=60, narrative="ulang", keep_evidence=True)
    with pytest.raises(RuntimeError):
        S.log_progress(a, data, w.m1, supersedes=first, supersedes_version=first.version)
    assert kept.is_file() and kept.read_bytes() == PDF
    from werkzeug.datastructures import FileStorage
    upload = FileStorage(stream=io.BytesIO(PNG), filename="baru.png")
    db.session.refresh(first)
    with pytest.raises(RuntimeError):
        S.log_progress(a, S.ProgressInput(quarter=first.quarter, percent=60, narrative="ulang",
                                          file=upload), w.m1, supersedes=first,
                       supersedes_version=first.version)
    assert sorted(os.listdir(kept.parent)) == [kept.name]
    assert ProgressEntry.query.count() == 1


def test_import_replace_refused_while_a_report_waits(loaded, runner, tmp_path):
    from tracker.followup import service as S  # noqa: F401  (the guard is installed)
    path = tmp_path / "rtl.csv"
    path.write_text(f'unit,element,action,quarters,owner\n"{UNIT_A}",waktu,Aksi,2021-TW2,\n', encoding="utf-8")
    assert runner.invoke(args=["rtl", "import", str(path), "--period", "2021-S1"]).exit_code == 0
    action = Plan.query.one().actions[0]
    db.session.add(ProgressEntry(action_id=action.id, quarter="2021-TW2", percent=50, narrative="x",
                                 status="submitted"))
    db.session.commit()
    before = snapshot()
    r = runner.invoke(args=["rtl", "import", str(path), "--period", "2021-S1", "--replace"])
    assert r.exit_code != 0 and "tidak dapat diganti" in r.output
    assert snapshot() == before
