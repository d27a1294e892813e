"""Reviewing evidence: which stored files are shown inline, how they are served, and one zip of
a unit's evidence for a period.

Preview. Only PDFs and raster images (PNG, JPEG, WebP, GIF) are shown inline, and only when the
type recorded at upload and the file's own first bytes agree; anything else (DOCX, XLSX, a
mislabelled file) stays a download (``/rtl/laporan/<id>/bukti``). An inline response names its
exact type, forbids sniffing, and carries its own Content-Security-Policy: a sandbox with no
sources, and ``frame-ancestors 'self'`` (with ``X-Frame-Options: SAMEORIGIN``) so the review
screen of this application, and nobody else, may frame it. Every other page keeps the
application's ``frame-ancestors 'none'`` / ``DENY``.

Zip. The stored files of every report of the unit's plans answering the period (a year with no
plan of its own gathers the plans of its semesters and quarters, as ``status.plan_figures``
does), named ``<quarter>_<U-code>_<action id>_<entry id>_<original name>`` with the name reduced
to safe characters, and ``daftar_bukti.csv`` (semicolon-separated, UTF-8 with BOM, decimal
comma) listing every report, rejected ones too, with the name of its file in the zip. The zip is
written to an anonymous temporary file, never held in memory, and refused when the files add up
to more than ``EVIDENCE_ZIP_MAX_BYTES`` (default 500 MB).
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy.orm import selectinload

from ..domain import elements as el
from ..domain import periods as P
from ..domain import realisation as R
from ..domain.numbers import format_id
from ..models import Action, Plan, ProgressEntry, Unit
from . import service as S

DEFAULT_ZIP_MAX_BYTES = 500 * 1024 * 1024
LIST_NAME = "daftar_bukti.csv"

# Canonical type -> how it is previewed.
PREVIEW_KINDS = {
    "application/pdf": "pdf",
    "image/png": "image",
    "image/jpeg": "image",
    "image/webp": "image",
    "image/gif": "image",
}
# Extension of each previewable type (the name inside the zip ends with what the file is).
_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg",
               "image/webp": "webp", "image/gif": "gif"}

# The inline response's own policy: nothing may run or load from it, only this application may
# frame it. Images opened on their own get the browser's image page, which needs inline style.
_CSP = {
    "pdf": "sandbox; default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
    "image": ("sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
              "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"),
}


# --------------------------------------------------------------------------- preview

PREVIEW_MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
                "gif": "image/gif", "webp": "image/webp"}

def sniff_preview(head: bytes) -> str | None:
    """The previewable type the content really is (magic bytes), or None."""
    return PREVIEW_MIME.get(S.magic_kind(head))


@dataclass(frozen=True)
class Preview:
    kind: str  # "pdf" | "image"
    mime: str
    path: Path


def preview_of(entry: ProgressEntry) -> Preview | None:
    """How the entry's stored file is shown inline, or None (no file, or download only)."""
    path = S.evidence_file(entry)
    if path is None:
        return None
    declared = (entry.evidence_mime or "").split(";")[0].strip().lower()
    if declared not in PREVIEW_KINDS:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return None
    if sniff_preview(head) != declared:
        return None  # recorded as one type, holds another: offered as a download only
    return Preview(PREVIEW_KINDS[declared], declared, path)


def preview_kind(entry: ProgressEntry) -> str | None:
    """How a template shows the entry's stored file: "pdf" or "image" (inline), "download"
    (another type), "missing" (recorded but not in storage), None (no file)."""
    if not entry.evidence_path:
        return None
    found = preview_of(entry)
    if found is not None:
        return found.kind
    return "download" if S.evidence_file(entry) is not None else "missing"


def inline_response(entry: ProgressEntry):
    """The stored file as an inline response with its own security headers, or None when the
    file is not one that is shown inline."""
    found = preview_of(entry)
    if found is None:
        return None
    name = entry.evidence_name or found.path.name
    resp = send_file(found.path, mimetype=found.mime, as_attachment=False, download_name=name,
                     max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    resp.headers["Content-Security-Policy"] = _CSP[found.kind]
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return resp


# --------------------------------------------------------------------------- zip

class TooLarge(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class Listed:
    """One report in the list, and where its file is in the zip (None when it has none)."""
    entry: ProgressEntry
    action: Action
    plan: Plan
    arcname: str | None = None
    note: str = ""


@dataclass
class EvidenceSet:
    unit: Unit
    ref: P.PeriodRef
    plans: list[Plan]
    reports: list[Listed] = field(default_factory=list)
    files: list[tuple[Path, str, ProgressEntry]] = field(default_factory=list)  # unique files
    total_bytes: int = 0

    @property
    def gathered(self) -> bool:
        return any(p.period.code != self.ref.code for p in self.plans)

    @property
    def download_name(self) -> str:
        return f"bukti_{self.ref.code}_{slug(self.unit.name, 60)}.zip"


def slug(text: str, limit: int = 80) -> str:
    """Letters, digits, dot, dash and underscore only (accents dropped), no leading dot."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text)
    out = re.sub(r"_+", "_", out).strip("._-")
    return out[:limit].rstrip("._-")


def safe_file_name(name: str | None, mime: str | None, limit: int = 80) -> str:
    """The original file name reduced to safe characters, ending with the stored type's
    extension when it has one."""
    raw = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = raw.rpartition(".")
    if not dot or not stem.strip("."):  # no extension, or a name such as ".htaccess"
        stem, ext = raw, ""
    ext = slug(ext, 10).lower()
    wanted = _EXTENSIONS.get((mime or "").split(";")[0].strip().lower())
    if wanted is None:
        wanted = next((k for k, v in S.EVIDENCE_TYPES.items() if v == mime and k != "jpeg"), None)
    if wanted is not None and ext not in (wanted, "jpeg" if wanted == "jpg" else wanted):
        ext = wanted
    stem = slug(stem, limit) or "bukti"
    return f"{stem}.{ext}" if ext else stem


def _u_code(element: str, numbering: str | None) -> str:
    try:
        return el.u_code(element, numbering or "questionnaire")
    except (ValueError, KeyError):
        return slug(el.ELEMENTS[element].short if element in el.ELEMENTS else element, 20) or "U"


def _quarter_key(code: str):
    try:
        q = P.parse_quarter(code)
        return (q.year, q.number)
    except P.BadPeriod:
        return (9999, 9)


def collect(unit: Unit, code: str) -> EvidenceSet | None:
    """The reports and stored files of ``unit``'s plans answering ``code``; None when no plan
    answers it."""
    from .status import plan_figures
    ref = P.parse_period(code)
    figures = plan_figures(ref, unit_ids={unit.id}).get(unit.id)
    if figures is None or not figures.plans:
        return None
    plans = list(figures.plans)
    found = EvidenceSet(unit=unit, ref=ref, plans=plans)
    by_plan = {p.id: p for p in plans}
    entries = (ProgressEntry.query.join(Action, Action.id == ProgressEntry.action_id)
               .filter(Action.plan_id.in_(list(by_plan)))
               .options(selectinload(ProgressEntry.action)).all())
    order = {p.id: i for i, p in enumerate(plans)}
    entries.sort(key=lambda e: (order[e.action.plan_id], e.action_id, _quarter_key(e.quarter), e.id))
    placed: dict[Path, str] = {}  # a resubmission may keep the rejected report's file
    for e in entries:
        action = e.action
        plan = by_plan[action.plan_id]
        row = Listed(entry=e, action=action, plan=plan)
        if e.evidence_path:
            path = S.evidence_file(e)
            if path is None:
                row.note = "berkas tidak ditemukan di penyimpanan"
            elif path in placed:
                row.arcname = placed[path]
                row.note = "berkas yang sama dengan laporan sebelumnya"
            else:
                arcname = "_".join([slug(e.quarter, 12) or "TW", _u_code(action.element, plan.period.numbering),
                                    str(action.id), str(e.id),
                                    safe_file_name(e.evidence_name, e.evidence_mime)])
                placed[path] = row.arcname = arcname
                found.files.append((path, arcname, e))
                try:
                    found.total_bytes += path.stat().st_size
                except OSError:
                    pass
        found.reports.append(row)
    return found


def zip_cap() -> int:
    return int(current_app.config.get("EVIDENCE_ZIP_MAX_BYTES") or DEFAULT_ZIP_MAX_BYTES)


def _mb(n: int) -> str:
    return format_id(n / (1024 * 1024), 1) + " MB"


def percent_text(value) -> str:
    """75.5 -> "75,5", 100 -> "100" (decimal comma, no trailing zeros)."""
    if value is None:
        return ""
    text = format_id(value, 2)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _cell(text) -> str:
    """A text cell a spreadsheet will not read as a formula."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


LIST_HEADER = ["No. laporan", "Periode RTL", "Triwulan", "Unsur", "Kegiatan", "Persentase (%)",
               "Status", "Uraian", "Dilaporkan", "Catatan pemeriksa", "Tautan bukti",
               "Berkas asli", "Berkas dalam zip", "Keterangan"]


def list_csv(found: EvidenceSet) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(LIST_HEADER)
    for r in found.reports:
        e, a, plan = r.entry, r.action, r.plan
        numbering = plan.period.numbering
        element = (f"{_u_code(a.element, numbering)} "
                   f"{el.ELEMENTS[a.element].name if a.element in el.ELEMENTS else a.element}")
        w.writerow([e.id, plan.period.code, e.quarter, element, _cell(a.text), percent_text(e.percent),
                    R.ENTRY_STATUS_LABELS.get(e.status, e.status), _cell(e.narrative),
                    e.submitted_at.strftime("%d-%m-%Y %H:%M") if e.submitted_at else "",
                    _cell(e.review_comment), _cell(e.evidence_link), _cell(e.evidence_name),
                    r.arcname or "", r.note])
    return buf.getvalue().encode("utf-8-sig")


def check_size(found: EvidenceSet, cap: int | None = None) -> None:
    cap = zip_cap() if cap is None else cap
    if found.total_bytes <= cap:
        return
    label = found.ref.label
    hint = ""
    if found.gathered:
        parts = ", ".join(p.period.code for p in found.plans)
        hint = f" Unduh per periode RTL ({parts}) secara terpisah, atau"
    else:
        hint = " Unduh berkas satu per satu dari halaman kegiatan, atau"
    raise TooLarge(
        f"Berkas bukti {found.unit.name} periode {label} berjumlah {len(found.files)} berkas "
        f"({_mb(found.total_bytes)}), melebihi batas unduhan zip {_mb(cap)}.{hint} minta "
        "administrator menaikkan batas EVIDENCE_ZIP_MAX_BYTES.")


def write_zip(found: EvidenceSet, fileobj) -> None:
    """Write the zip to ``fileobj`` (files copied in chunks, never read whole)."""
    with zipfile.ZipFile(fileobj, "w", allowZip64=True) as zf:
        info = zipfile.ZipInfo(LIST_NAME, date_time=_stamp(None))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, list_csv(found))
        for path, arcname, entry in found.files:
            info = zipfile.ZipInfo(arcname, date_time=_stamp(entry.submitted_at))
            info.compress_type = zipfile.ZIP_STORED  # PDF, images and Office files are compressed
            info.external_attr = 0o644 << 16
            with open(path, "rb") as src, \
                    zf.open(info, "w", force_zip64=path.stat().st_size >= zipfile.ZIP64_LIMIT) as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)


def _stamp(when):
    from datetime import datetime
    when = when or datetime.now()
    return (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)


def build_zip(found: EvidenceSet, cap: int | None = None):
    """An open temporary file holding the zip, positioned at its start (deleted when closed).
    Raises TooLarge, writing nothing, when the files exceed the cap."""
    check_size(found, cap)
    fh = tempfile.TemporaryFile(prefix="bukti-", suffix=".zip")
    try:
        write_zip(found, fh)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    return fh


def zip_response(found: EvidenceSet):
    """The zip as a download (Content-Length known, never cached). Raises TooLarge."""
    fh = build_zip(found)
    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    resp = send_file(fh, mimetype="application/zip", as_attachment=True,
                     download_name=found.download_name, max_age=0)
    resp.content_length = size
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
