"""Quarterly progress and its evidence: logging, review, the lock on reports under review, and
the history of an action across periods."""
from __future__ import annotations

import os
import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

from flask import current_app
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..domain import realisation as R
from ..extensions import db
from ..models import Action, ProgressEntry
from ..models._base import utcnow
from ..models.followup import PLAN_ACCEPTED
from .workflow import (ReportLocked, StaleError, WorkflowError, _atomic, _bump_version, _commit,
                       check_version, entry_dict)
from .notifications import _action_link, _review_link, inspectors, managers_of, notify, task_done
from .plans import progress_quarters


# --------------------------------------------------------------------------- progress

EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def magic_kind(head: bytes) -> str | None:
    """The picture or document kind the first bytes announce (pdf, png, jpg, gif, webp), or
    None. One table for upload checks and for deciding what may be shown inline."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def sniff(data: bytes) -> str | None:
    """The evidence kind the content really is (magic bytes), or None when it is not a kind
    evidence may be (EVIDENCE_TYPES)."""
    kind = magic_kind(data)
    if kind is not None:
        return kind if kind in EVIDENCE_TYPES else None
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


@dataclass
class Evidence:
    data: bytes
    name: str
    ext: str
    mime: str


def check_evidence(storage) -> Evidence | None:
    """Validate an uploaded evidence file by size, extension and content; None when no file."""
    if storage is None or not getattr(storage, "filename", None):
        return None
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    data = storage.stream.read(limit + 1)
    # The name is only shown and offered on download: keep its last path part and drop control
    # characters (a NUL cannot be stored on PostgreSQL and means nothing to a person).
    raw = "".join(ch for ch in (storage.filename or "") if ch.isprintable())
    name = os.path.basename(raw.replace("\\", "/")).strip()[:255] or "bukti"
    if len(data) > limit:
        raise WorkflowError(f"Berkas bukti terlalu besar (maksimal {limit // (1024 * 1024) or 1} MB).")
    if not data:
        raise WorkflowError("Berkas bukti kosong.")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EVIDENCE_TYPES:
        raise WorkflowError("Jenis berkas bukti tidak diizinkan; gunakan PDF, JPG, PNG, DOCX atau XLSX.")
    kind = sniff(data)
    if kind is None or (kind != ext and not (kind == "jpg" and ext == "jpeg")):
        raise WorkflowError("Isi berkas bukti tidak sesuai dengan jenisnya (." + ext + ").")
    return Evidence(data=data, name=name, ext=ext, mime=EVIDENCE_TYPES[ext])


def _store_evidence(ev: Evidence) -> str:
    """Write the file under UPLOAD_DIR with a random name; returns the relative path."""
    root = Path(current_app.config["UPLOAD_DIR"]) / "evidence"
    root.mkdir(parents=True, exist_ok=True)
    rel = f"evidence/{secrets.token_hex(16)}.{'jpg' if ev.ext == 'jpeg' else ev.ext}"
    path = Path(current_app.config["UPLOAD_DIR"]) / rel
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "xb") as fh:
        fh.write(ev.data)
    os.replace(tmp, path)
    return rel


def evidence_file(entry: ProgressEntry) -> Path | None:
    if not entry.evidence_path:
        return None
    root = (Path(current_app.config["UPLOAD_DIR"])).resolve()
    path = (root / entry.evidence_path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def check_link(link: str | None) -> str | None:
    link = (link or "").strip()
    if not link:
        return None
    if len(link) > 1000:
        raise WorkflowError("Tautan bukti paling banyak 1000 karakter.")
    parsed = urlparse(link)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or any(c.isspace() for c in link):
        raise WorkflowError("Tautan bukti harus berupa alamat http:// atau https:// yang lengkap.")
    return link


@dataclass
class ProgressInput:
    quarter: str
    percent: float | None
    narrative: str
    file: object = None
    link: str | None = None
    keep_evidence: bool = False  # resubmission: keep the rejected entry's stored file


def log_progress(action: Action, data: ProgressInput, user, supersedes: ProgressEntry | None = None,
                 supersedes_version=None) -> ProgressEntry:
    plan = action.plan
    if plan.status != PLAN_ACCEPTED:
        raise WorkflowError("Kemajuan hanya dapat dilaporkan untuk RTL yang sudah diterima.")
    if action.not_actionable:
        raise WorkflowError("Kegiatan ini ditandai tidak dapat ditindaklanjuti.")
    if supersedes is not None:
        check_version(supersedes, supersedes_version)
        if supersedes.action_id != action.id or supersedes.status != R.REJECTED:
            raise WorkflowError("Hanya laporan yang ditolak yang dapat diajukan ulang.")
        if ProgressEntry.query.filter_by(supersedes_id=supersedes.id).first() is not None:
            raise WorkflowError("Laporan ini sudah diajukan ulang.")
    problems = []
    if data.quarter not in progress_quarters(action):
        problems.append("Triwulan tidak termasuk jadwal kegiatan.")
    if data.percent is None or not 0 <= float(data.percent) <= 100:
        problems.append("Persentase harus antara 0 dan 100.")
    narrative = (data.narrative or "").strip()
    if not narrative:
        problems.append("Uraian kegiatan wajib diisi.")
    if problems:
        raise WorkflowError(" ".join(problems))
    link = check_link(data.link)
    evidence = check_evidence(data.file)
    reused = None
    if (evidence is None and supersedes is not None and data.keep_evidence
            and supersedes.evidence_path and evidence_file(supersedes) is not None):
        # The stored file is immutable, so the new entry may point at it too: nothing is copied
        # or overwritten, and the old entry keeps its own reference.
        reused = supersedes
    if evidence is None and reused is None and link is None and float(data.percent) > 0:
        raise WorkflowError("Lampirkan bukti (berkas atau tautan) untuk kemajuan di atas 0%.")
    pending = [e for e in action.entries if e.quarter == data.quarter and e.status == R.SUBMITTED]
    if pending:
        raise WorkflowError(f"Masih ada laporan triwulan {data.quarter} yang menunggu verifikasi.")
    rel = _store_evidence(evidence) if evidence is not None else None
    stored_here = rel
    if reused is not None:
        rel = reused.evidence_path
    try:
        if supersedes is not None:
            _bump_version(ProgressEntry, supersedes, supersedes.version)
        entry = ProgressEntry(action_id=action.id, quarter=data.quarter, percent=float(data.percent),
                              narrative=narrative, evidence_link=link,
                              evidence_path=rel,
                              evidence_name=evidence.name if evidence else (reused.evidence_name if reused else None),
                              evidence_mime=evidence.mime if evidence else (reused.evidence_mime if reused else None),
                              status=R.SUBMITTED, submitted_by_id=getattr(user, "id", None),
                              submitted_at=utcnow(),
                              supersedes_id=supersedes.id if supersedes is not None else None)
        db.session.add(entry)
        try:
            db.session.flush()
        except IntegrityError:
            # Two reports for the same quarter sent at the same moment: the database keeps one
            # waiting (uq_progress_entry_pending); this one is answered, not lost in a 500.
            raise StaleError(f"Laporan triwulan {data.quarter} untuk kegiatan ini baru saja dikirim "
                             "dan sedang menunggu verifikasi; muat ulang halaman untuk melihatnya.") from None
        record("progress_entry", entry.id, "resubmit" if supersedes is not None else "create",
               unit_id=plan.unit_id, user=user, after=entry_dict(entry))
        notify(inspectors(), f"Laporan kemajuan baru: {plan.unit.name}, {action.text[:80]} "
               f"({data.quarter}, {float(data.percent):g}%).", _review_link(), topic=f"review:{entry.id}")
        task_done(f"report:{action.id}:{data.quarter}",
                  *([f"resubmit:{supersedes.id}"] if supersedes is not None else []))
        _commit()
    except BaseException:
        db.session.rollback()
        if stored_here:
            try:
                (Path(current_app.config["UPLOAD_DIR"]) / stored_here).unlink()
            except OSError:
                pass
        raise
    return entry


@_atomic
def review_entry(entry: ProgressEntry, version, decision: str, comment: str, user) -> ProgressEntry:
    check_version(entry, version)
    if entry.status != R.SUBMITTED:
        raise WorkflowError("Laporan ini sudah diperiksa.")
    comment = (comment or "").strip()
    if decision not in (R.VERIFIED, R.REJECTED):
        raise WorkflowError("Pilih verifikasi atau tolak.")
    if decision == R.REJECTED and not comment:
        raise WorkflowError("Alasan penolakan wajib diisi.")
    before = entry_dict(entry)
    entry.status = decision
    entry.review_comment = comment or None
    entry.reviewed_by_id = getattr(user, "id", None)
    entry.reviewed_at = utcnow()
    db.session.flush()
    action = entry.action
    record("progress_entry", entry.id, "verify" if decision == R.VERIFIED else "reject",
           unit_id=action.plan.unit_id, user=user, before=before, after=entry_dict(entry))
    word = "diverifikasi" if decision == R.VERIFIED else "ditolak"
    msg = f"Laporan kemajuan {action.text[:80]} ({entry.quarter}) {word}."
    if comment:
        msg += f" Catatan: {comment}"
    notify(managers_of(action.plan.unit_id), msg, _action_link(action),
           topic=f"resubmit:{entry.id}" if decision == R.REJECTED else None)
    task_done(f"review:{entry.id}")
    return entry


# Only the review may change a report waiting for the inspector: its status to verified or
# rejected, with the comment, the reviewer and the time.
REVIEW_FIELDS = frozenset({"status", "review_comment", "reviewed_by_id", "reviewed_by",
                           "reviewed_at", "version"})


def _refuse_changes_under_review(mapper, connection, target) -> None:
    """Before the ORM updates a progress entry whose stored status is ``submitted``: anything
    but the review step is refused (ReportLocked, the flush and its transaction roll back).
    Whatever path tries it (a form, a command, a future screen), the report stays as sent."""
    table = ProgressEntry.__table__
    stored = connection.execute(db.select(table.c.status).where(table.c.id == target.id)).scalar()
    if stored != R.SUBMITTED:
        return
    changed = {attr.key for attr in sa_inspect(target).attrs if attr.history.has_changes()}
    if not changed:
        return
    if changed <= REVIEW_FIELDS and "status" in changed and target.status in (R.VERIFIED, R.REJECTED):
        return
    raise ReportLocked(f"Laporan kemajuan #{target.id} ({target.quarter}) sedang menunggu verifikasi "
                       "Inspektorat dan tidak dapat diubah sampai diperiksa.")


if not event.contains(ProgressEntry, "before_update", _refuse_changes_under_review):
    event.listen(ProgressEntry, "before_update", _refuse_changes_under_review)


# --------------------------------------------------------------------------- history

def chain_of(action: Action) -> list[Action]:
    """The action's carry-over chain, oldest first (its origins, itself, its continuations)."""
    chain = [action]
    seen = {action.id}
    cur = action
    while cur.carried_from is not None and cur.carried_from.id not in seen:
        cur = cur.carried_from
        seen.add(cur.id)
        chain.insert(0, cur)
    cur = action
    while True:
        nxt = Action.query.filter(Action.carried_from_id == cur.id).order_by(Action.id).first()
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        chain.append(nxt)
        cur = nxt
    return chain


def superseded_ids(entries) -> set[int]:
    return {e.supersedes_id for e in entries if e.supersedes_id}
