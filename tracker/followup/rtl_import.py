"""`rtl import`: loading existing follow-up plans (RTL annexes) for one period, all-or-nothing.

File columns (CONTRACT.md "RTL file"): unit, element, action, quarters, owner.

- Elements are read with ``tracker.domain.elements.parse_element``; a bare ``U1``..``U9`` needs
  a numbering. A row whose element is not recognised is an error naming the row and column.
- Imported plans are ``accepted`` with source ``import`` (they were agreed outside the tracker).
- Re-importing a period that already has plans for the file's units requires ``replace``. Even
  then, only plans that came from an import and carry no progress are replaced: the replaced plan
  is written to the audit trail in full and the previous ImportBatch keeps its file (status
  ``replaced``). Plans written in the tracker, or with progress logged, are never replaced.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from ..audit import record
from ..domain import elements as el
from ..domain import periods as P
from ..extensions import db
from ..imports.readers import ImportRejected, Problem, Problems, file_row, read_table
from ..imports.service import _start_batch, resolve_units
from ..models import Action, ImportBatch, Plan
from ..models._base import utcnow
from ..models.followup import PLAN_ACCEPTED
from ..models.survey import name_key
from . import service

REQUIRED = ("unit", "element", "action")
OPTIONAL = ("quarters", "owner")


@dataclass
class RtlRow:
    row: int
    unit: str
    element: str
    text: str
    quarters: list[str]
    owner: str | None


@dataclass
class RtlReport:
    batch: ImportBatch
    plans: int = 0
    actions: int = 0
    created_units: list[str] = field(default_factory=list)
    replaced_plans: list[str] = field(default_factory=list)
    replaced_batch: ImportBatch | None = None

    def lines(self) -> list[str]:
        b = self.batch
        out = [f"Impor RTL #{b.id} periode {b.period.code}: {self.plans} rencana, "
               f"{self.actions} kegiatan, {b.row_count} baris."]
        if self.replaced_batch is not None:
            out.append(f"Menggantikan impor RTL #{self.replaced_batch.id} (berkas tetap tersimpan sebagai arsip).")
        for name in self.replaced_plans:
            out.append(f"RTL diganti (isi lama dicatat di jejak audit): {name}")
        for name in self.created_units:
            out.append(f"Unit baru dibuat: {name}")
        return out


def parse_rows(frame, numbering: str | None) -> tuple[list[RtlRow], Problems]:
    problems = Problems()
    missing = [c for c in REQUIRED if c not in frame.columns]
    for c in missing:
        problems.add(1, c, "Kolom wajib tidak ada (kolom RTL: unit, element, action, quarters, owner).")
    if missing:
        return [], problems
    if numbering is not None and numbering not in el.NUMBERINGS:
        problems.add(None, None, f"Penomoran '{numbering}' tidak dikenal; gunakan 'questionnaire' atau 'regulation'.")
        return [], problems
    rows: list[RtlRow] = []
    for index, rec in frame.iterrows():
        line = file_row(index)
        unit = rec["unit"]
        element_text = rec["element"]
        text = rec["action"]
        ok = True
        if not unit:
            problems.add(line, "unit", "Nama unit kosong.")
            ok = False
        key = el.parse_element(element_text, numbering)
        if key is None:
            ok = False
            if not element_text:
                problems.add(line, "element", "Unsur kosong.")
            elif el.needs_numbering(element_text) and not numbering:
                problems.add(line, "element", f"Unsur '{element_text}' berupa kode U; nyatakan penomoran "
                                              "(--numbering questionnaire atau regulation).")
            else:
                problems.add(line, "element", el.unrecognised_message(element_text, numbering))
        if not text:
            problems.add(line, "action", "Program/kegiatan kosong.")
            ok = False
        elif len(text) > service.MAX_ACTION_TEXT:
            problems.add(line, "action", f"Teks kegiatan lebih dari {service.MAX_ACTION_TEXT} karakter.")
            ok = False
        quarters: list[str] = []
        if "quarters" in frame.columns:
            try:
                quarters = [q.code for q in P.parse_quarters(rec["quarters"])]
            except P.BadPeriod as exc:
                problems.add(line, "quarters", str(exc))
                ok = False
        owner = (rec["owner"] if "owner" in frame.columns else "") or None
        if owner and len(owner) > 255:
            problems.add(line, "owner", "Penanggung jawab lebih dari 255 karakter.")
            ok = False
        if ok:
            rows.append(RtlRow(line, unit, key, text, quarters, owner))
    return rows, problems


def _plan_snapshot(plan: Plan) -> dict:
    return {"plan": service.plan_dict(plan), "actions": [service.action_dict(a) for a in plan.actions]}


def import_rtl(data: bytes, filename: str, period_code: str, numbering: str | None, user="cli",
               replace: bool = False, create_units: bool = True) -> RtlReport:
    try:
        ref = P.parse_period(period_code)
    except P.BadPeriod as exc:
        raise ImportRejected([Problem(None, None, str(exc))])
    frame = read_table(data, filename)
    rows, problems = parse_rows(frame, numbering)
    if not rows and not problems.total:
        problems.add(None, None, "Berkas tidak berisi baris RTL.")
    problems.raise_if_any()
    actor = user if hasattr(user, "id") else SimpleNamespace(id=None, email=str(user or "cli"))
    try:
        units, created = resolve_units(rows, create_units)
        db.session.flush()
        from ..results.service import ensure_period
        period = ensure_period(ref.code, numbering)
        by_unit: dict[int, list[RtlRow]] = {}
        for r in rows:
            by_unit.setdefault(units[name_key(r.unit)].id, []).append(r)
        existing = (Plan.query.filter(Plan.period_id == period.id, Plan.unit_id.in_(list(by_unit)))
                    .all()) if by_unit else []
        blocked = [p for p in existing if p.source != "import" or any(a.entries for a in p.actions)
                   or service.has_carried_actions(p)]
        if blocked:
            raise ImportRejected([Problem(first_row(by_unit[p.unit_id]), "unit",
                f"RTL unit '{p.unit.name}' periode {period.code} dibuat di aplikasi atau sudah memiliki "
                "laporan kemajuan atau kegiatan lanjutan; RTL ini tidak dapat diganti oleh impor.") for p in blocked])
        if existing and not replace:
            names = ", ".join(sorted(p.unit.name for p in existing)[:10])
            raise ImportRejected([Problem(None, None,
                f"Periode {period.code} sudah memiliki RTL untuk {len(existing)} unit ({names}). "
                "Nyatakan penggantian (--replace) untuk mengganti RTL hasil impor; data lama tetap "
                "tercatat di jejak audit.")])
        period_, batch, previous = _start_batch("rtl", ref.code, numbering, data, filename, actor,
                                                replace=True, keep_previous_kinds=("rtl",))
        if previous is not None and not replace:
            raise ImportRejected([Problem(None, None,
                f"Periode {period.code} sudah memiliki impor RTL #{previous.id} ({previous.filename}). "
                "Nyatakan penggantian (--replace); berkas lama tetap tersimpan sebagai arsip.")])
        replaced_names = []
        for plan in existing:
            record("plan", plan.id, "replaced_by_import", unit_id=plan.unit_id,
                   before=_plan_snapshot(plan), after={"batch": batch.id}, user=actor)
            replaced_names.append(plan.unit.name)
            db.session.delete(plan)
        db.session.flush()
        now = utcnow()
        n_actions = 0
        for unit_id, unit_rows in by_unit.items():
            plan = Plan(unit_id=unit_id, period_id=period.id, status=PLAN_ACCEPTED, source="import",
                        submitted_at=now, decided_at=now)
            db.session.add(plan)
            for r in unit_rows:
                plan.actions.append(Action(element=r.element, text=r.text, quarters=r.quarters,
                                           owner=r.owner, created_by_id=actor.id))
                service.grow_catalogue(r.element, r.text)
                n_actions += 1
            db.session.flush()
            record("plan", plan.id, "import", unit_id=unit_id, user=actor,
                   after=dict(_plan_snapshot(plan), batch=batch.id))
        batch.row_count = len(rows)
        batch.unit_count = len(by_unit)
        batch.created_units = created
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return RtlReport(batch=batch, plans=len(by_unit), actions=n_actions, created_units=created,
                     replaced_plans=sorted(replaced_names), replaced_batch=previous)


def first_row(rows: list[RtlRow]) -> int | None:
    return rows[0].row if rows else None
