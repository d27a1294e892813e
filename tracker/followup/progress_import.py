"""`rtl import-progress`: realisation already reported elsewhere (spreadsheets, an earlier
system), loaded into the plans of one period, all-or-nothing (CONTRACT "Progress file").

Columns: unit, element, action, quarter, percent, status (verified | submitted | rejected), and
optionally narrative, evidence_link, comment. Every row must name an action of the unit's plan
for the period (matched case- and whitespace-insensitively, within the element); rows are
entered in file order, so within a quarter the later row is the later report. Imported reports
carry ``source = "import"``, are written to the audit trail as imported, keep the file in an
ImportBatch, and count exactly like reports entered in the app (the same derived action state).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from ..audit import record
from ..domain import elements as el
from ..domain import periods as P
from ..domain import realisation as R
from ..domain.numbers import parse_number
from ..extensions import db
from ..imports.readers import ImportRejected, Problem, Problems, file_row, read_table
from ..imports.service import lookup_units
from ..models import Action, ImportBatch, Period, Plan, ProgressEntry
from ..models._base import utcnow
from ..models.followup import PLAN_ACCEPTED
from ..models.survey import name_key
from .service import WorkflowError, check_link, entry_dict, task_done

REQUIRED = ("unit", "element", "action", "quarter", "percent", "status")
OPTIONAL = ("narrative", "evidence_link", "comment")
STATUSES = {"verified": R.VERIFIED, "submitted": R.SUBMITTED, "rejected": R.REJECTED,
            # The words the screens use, for files typed by hand.
            "terverifikasi": R.VERIFIED, "diajukan": R.SUBMITTED, "menunggu verifikasi": R.SUBMITTED,
            "ditolak": R.REJECTED}
MAX_TEXT = 5000
IMPORTED_NARRATIVE = "(diimpor dari laporan realisasi sebelumnya)"


@dataclass
class ProgressRow:
    row: int
    unit: str
    element: str
    action: str
    quarter: str
    percent: float
    status: str
    narrative: str
    link: str | None
    comment: str | None


@dataclass
class ProgressReport:
    batch: ImportBatch
    entries: int = 0
    actions: int = 0
    units: int = 0
    by_status: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        b = self.batch
        counts = ", ".join(f"{n} {R.ENTRY_STATUS_LABELS[s].lower()}" for s, n in self.by_status.items() if n)
        return [f"Impor realisasi #{b.id} periode {b.period.code}: {self.entries} laporan "
                f"({counts or 'tidak ada'}) untuk {self.actions} kegiatan di {self.units} unit."]


def _element_problem(text: str, numbering: str | None) -> str:
    if el.needs_numbering(text) and not numbering:
        return (f"Unsur '{text}' berupa kode U; nyatakan penomoran (--numbering questionnaire atau "
                "regulation) atau tulis nama unsurnya (misalnya 'Waktu Penyelesaian').")
    return el.unrecognised_message(text, numbering)


def parse_rows(frame, numbering: str | None) -> tuple[list[ProgressRow], Problems]:
    problems = Problems()
    missing = [c for c in REQUIRED if c not in frame.columns]
    for c in missing:
        problems.add(1, c, "Kolom wajib tidak ada (kolom realisasi: unit, element, action, quarter, "
                           "percent, status; opsional narrative, evidence_link, comment).")
    if missing:
        return [], problems
    rows: list[ProgressRow] = []
    optional = {c: c in frame.columns for c in OPTIONAL}
    for index, rec in frame.iterrows():
        line = file_row(index)
        ok = True
        unit, element_text, action = rec["unit"], rec["element"], rec["action"]
        if not unit:
            problems.add(line, "unit", "Nama unit kosong.")
            ok = False
        key = el.parse_element(element_text, numbering) if element_text else None
        if key is None:
            problems.add(line, "element", "Unsur kosong." if not element_text
                         else _element_problem(element_text, numbering))
            ok = False
        if not action:
            problems.add(line, "action", "Teks kegiatan kosong.")
            ok = False
        quarter = None
        try:
            quarter = P.parse_quarter(rec["quarter"]).code
        except P.BadPeriod:
            problems.add(line, "quarter", f"Triwulan '{rec['quarter']}' tidak valid; gunakan misalnya 2022-TW1.")
            ok = False
        percent = None
        try:
            percent = parse_number(rec["percent"].rstrip("%").strip())
        except (ValueError, TypeError):
            percent = None
        if percent is None or not 0 <= percent <= 100:
            problems.add(line, "percent", f"Persentase '{rec['percent']}' harus angka 0-100 (koma desimal boleh).")
            ok = False
        status = STATUSES.get(" ".join(rec["status"].lower().split()))
        if status is None:
            problems.add(line, "status", f"Status '{rec['status']}' tidak dikenal; gunakan verified, submitted atau rejected.")
            ok = False
        texts = {}
        for col in OPTIONAL:
            value = rec[col] if optional[col] else ""
            if len(value) > MAX_TEXT:
                problems.add(line, col, f"Teks lebih dari {MAX_TEXT} karakter.")
                ok = False
            if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
                problems.add(line, col, "Teks memuat karakter kendali yang tidak diizinkan.")
                ok = False
            texts[col] = value
        link = None
        if texts["evidence_link"]:
            try:
                link = check_link(texts["evidence_link"])
            except WorkflowError as exc:
                problems.add(line, "evidence_link", str(exc))
                ok = False
        if ok:
            rows.append(ProgressRow(line, unit, key, action, quarter, float(percent), status,
                                    texts["narrative"] or IMPORTED_NARRATIVE, link,
                                    texts["comment"] or None))
    return rows, problems


def import_progress(data: bytes, filename: str, period_code: str, numbering: str | None = None,
                    user="cli") -> ProgressReport:
    try:
        ref = P.parse_period(period_code)
    except P.BadPeriod as exc:
        raise ImportRejected([Problem(None, None, str(exc))])
    period = Period.query.filter_by(code=ref.code).first()
    frame = read_table(data, filename)
    # U-codes are read with the numbering given, else the one the period's plans were imported with.
    rows, problems = parse_rows(frame, numbering or (period.numbering if period else None))
    if not rows and not problems.total:
        problems.add(None, None, "Berkas tidak berisi baris realisasi.")
    problems.raise_if_any()
    plans = {p.unit_id: p for p in Plan.query.filter_by(period_id=period.id).all()} if period else {}
    if not plans:
        raise ImportRejected([Problem(None, None,
            f"Periode {ref.code} belum memiliki RTL; impor RTL (rtl import) atau buat RTL di aplikasi lebih dulu.")])
    units = lookup_units({r.unit for r in rows})
    actions: dict[int, dict[tuple[str, str], Action]] = {}
    for plan in plans.values():
        own = actions.setdefault(plan.id, {})
        for a in plan.actions:
            own.setdefault((a.element, name_key(a.text)), a)
    matched: list[tuple[ProgressRow, Action]] = []
    for r in rows:
        unit = units.get(name_key(r.unit))
        if unit is None:
            problems.add(r.row, "unit", f"Unit '{r.unit}' tidak dikenal.")
            continue
        plan = plans.get(unit.id)
        if plan is None:
            problems.add(r.row, "unit", f"Unit '{unit.name}' tidak memiliki RTL periode {ref.code}.")
            continue
        if plan.status != PLAN_ACCEPTED:
            problems.add(r.row, "unit", f"RTL unit '{unit.name}' periode {ref.code} belum diterima "
                                        "(kemajuan hanya dicatat pada RTL yang diterima).")
            continue
        action = actions[plan.id].get((r.element, name_key(r.action)))
        if action is None:
            same_text = [a for (k, t), a in actions[plan.id].items() if t == name_key(r.action)]
            hint = (f" Kegiatan itu tercatat pada unsur {el.ELEMENTS[same_text[0].element].name}."
                    if same_text else "")
            problems.add(r.row, "action", f"Kegiatan '{r.action[:120]}' tidak ada dalam RTL unit "
                                          f"'{unit.name}' periode {ref.code} untuk unsur "
                                          f"{el.ELEMENTS[r.element].name}.{hint}")
            continue
        if action.not_actionable:
            problems.add(r.row, "action", "Kegiatan ini ditandai tidak dapat ditindaklanjuti.")
            continue
        matched.append((r, action))
    # One report waiting for verification per action and quarter, counting those already there.
    pending = {(a.id, e.quarter) for _, a in matched for e in a.entries if e.status == R.SUBMITTED}
    for r, a in matched:
        if r.status == R.SUBMITTED:
            if (a.id, r.quarter) in pending:
                problems.add(r.row, "status", f"Sudah ada laporan triwulan {r.quarter} untuk kegiatan ini "
                                              "yang menunggu verifikasi.")
            pending.add((a.id, r.quarter))
    problems.raise_if_any()
    actor = user if hasattr(user, "id") else SimpleNamespace(id=None, email=str(user or "cli"))
    try:
        import hashlib
        batch = ImportBatch(kind="progress", period=period, filename=filename or "upload",
                            checksum=hashlib.sha256(data).hexdigest(), content=data,
                            numbering=numbering, created_by_id=actor.id,
                            created_by_label=getattr(actor, "email", None) or "cli")
        db.session.add(batch)
        db.session.flush()
        now = utcnow()
        by_status = {R.VERIFIED: 0, R.SUBMITTED: 0, R.REJECTED: 0}
        for r, a in matched:
            entry = ProgressEntry(action_id=a.id, quarter=r.quarter, percent=r.percent,
                                  narrative=r.narrative, evidence_link=r.link, status=r.status,
                                  submitted_by_id=actor.id, submitted_at=now, source="import",
                                  review_comment=r.comment if r.status != R.SUBMITTED else None,
                                  reviewed_at=now if r.status != R.SUBMITTED else None)
            if r.status == R.SUBMITTED and r.comment:
                entry.narrative = f"{entry.narrative}\n\nCatatan: {r.comment}"
            db.session.add(entry)
            db.session.flush()  # ids follow file order: within a quarter, later rows are later
            record("progress_entry", entry.id, "import", unit_id=a.plan.unit_id, user=actor,
                   after=dict(entry_dict(entry), batch=batch.id, source="import", row=r.row))
            by_status[r.status] += 1
            if r.status != R.REJECTED:
                task_done(f"report:{a.id}:{r.quarter}")
        batch.row_count = len(matched)
        batch.unit_count = len({a.plan.unit_id for _, a in matched})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return ProgressReport(batch=batch, entries=len(matched), actions=len({a.id for _, a in matched}),
                          units=batch.unit_count, by_status=by_status)
