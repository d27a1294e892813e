"""Applying a validated import to the database in one transaction (all-or-nothing)."""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from sqlalchemy import select
from sqlalchemy.orm import joinedload, make_transient_to_detached

from ..extensions import db
from ..models import ElementScore, ImportBatch, Period, Unit, UnitResult
from ..models._base import utcnow
from ..models.survey import UnitAlias, name_key
from ..results.service import ensure_period, kept_scores
from .bulk import insert_rows, reserve_ids
from .readers import ImportRejected, Problem, read_table, read_table_chunks
from .scores import ParsedUnit, parse_response_chunks, parse_scores

RESULT_KINDS = ("scores", "responses")


@dataclass
class ImportReport:
    batch: ImportBatch
    created_units: list[str] = field(default_factory=list)
    replaced: ImportBatch | None = None
    flagged: list[tuple[str, list[dict]]] = field(default_factory=list)

    def lines(self) -> list[str]:
        b = self.batch
        out = [f"Impor #{b.id} periode {b.period.code}: {b.unit_count} unit, {b.row_count} baris."]
        if self.replaced:
            out.append(f"Menggantikan impor #{self.replaced.id} (tetap tersimpan sebagai arsip).")
        for name in self.created_units:
            out.append(f"Unit baru dibuat: {name}")
        for unit, flags in self.flagged:
            for f in flags:
                out.append(f"Catatan {unit}: {f['message']}")
        return out


def existing_batch(period: Period | None, kinds=RESULT_KINDS) -> ImportBatch | None:
    if period is None or period.id is None:
        return None
    return (ImportBatch.query.filter(ImportBatch.period_id == period.id, ImportBatch.kind.in_(kinds),
                                     ImportBatch.status == "active").first())


def lookup_units(names) -> dict[str, Unit]:
    """Find units by any name they are written under: their own name or one of their aliases
    (``UnitAlias``), case- and whitespace-insensitively. Returns ``{name_key(name): unit}`` for
    the names found (names not found are absent). Two queries at most, whatever the number of
    names: units by name, then aliases (with their units) for the names still missing."""
    keys = {name_key(n) for n in names if n is not None and name_key(n)}
    if not keys:
        return {}
    found = {u.name_key: u for u in Unit.query.filter(Unit.name_key.in_(keys)).all()}
    rest = keys - found.keys()
    if rest:
        aliases = (UnitAlias.query.options(joinedload(UnitAlias.unit))
                   .filter(UnitAlias.name_key.in_(rest)).all())
        found.update((a.name_key, a.unit) for a in aliases)
    return found


def resolve_units(parsed: list[ParsedUnit], create_units: bool) -> tuple[dict[str, Unit], list[str]]:
    """Map parsed unit names (their name keys) to units, matching unit names and aliases,
    creating new units unless forbidden.

    Two different names of one unit (its name and an alias) in a file of results are an error:
    a unit has one result per period. Plan rows (which repeat the unit) may use either name.
    """
    found = lookup_units(p.unit for p in parsed)
    problems, created = [], []
    first_name: dict[int, tuple[str, object]] = {}  # unit id -> (name key, first row) for results
    for p in parsed:
        k = name_key(p.unit)
        unit = found.get(k)
        if unit is not None:
            if hasattr(p, "result"):  # one result per named unit
                seen = first_name.setdefault(unit.id, (k, p.row))
                if seen[0] != k:
                    problems.append(Problem(p.row, "unit",
                        f"Unit '{p.unit}' adalah unit {unit.name} yang sudah ada di baris {seen[1]} "
                        "dengan nama lain (alias); satu unit hanya boleh satu baris."))
            continue
        if not create_units:
            problems.append(Problem(p.row, "unit", f"Unit '{p.unit}' tidak dikenal (--no-create-units)."))
            continue
        unit = Unit(name=p.unit, name_key=k)
        found[k] = unit
        created.append(p.unit)
    if problems:
        raise ImportRejected(problems)
    new_units = [found[name_key(n)] for n in created]
    found.update(_add_units(new_units))
    return found, created


def _add_units(new_units: list[Unit]) -> dict[str, Unit]:
    """Add new units to the session. On PostgreSQL they are COPYed with ids taken up front and
    come back as persistent objects without another query: through the ORM, 300 new units were
    one long INSERT ... RETURNING that the driver spent a fifteenth of a second parsing."""
    ids = reserve_ids(Unit, len(new_units))
    if ids is None:
        db.session.add_all(new_units)
        return {}
    now = utcnow()
    rows = [{"id": i, "name": u.name, "name_key": u.name_key, "is_city": False, "created_at": now}
            for i, u in zip(ids, new_units)]
    insert_rows(Unit, rows)
    added = {}
    for row in rows:
        unit = Unit(**row)
        make_transient_to_detached(unit)  # it is in the table: the session takes it as loaded
        db.session.add(unit)
        added[row["name_key"]] = unit
    return added


def check_element_set(period: Period, numbering: str | None) -> None:
    """A file read with a numbering of another element set than the period's is refused (a
    2014 file holds Maklumat Pelayanan where the 2017 set has Sarana dan Prasarana)."""
    from ..domain import elements as el
    if not numbering or not period.element_keys:
        return
    wanted, have = el.set_of_numbering(numbering), el.element_set_of(period.element_keys)
    if have and wanted != have:
        raise ImportRejected([Problem(None, None,
            f"Periode {period.code} memakai unsur {el.ELEMENT_SET_LABELS[have]}; penomoran berkas ini "
            f"memakai {el.ELEMENT_SET_LABELS[wanted]}. Pilih penomoran yang sesuai dengan periode.")])


ORIGINALS = "imports"  # folder under UPLOAD_DIR holding each import's original file


def keep_original(source, filename: str, root: Path | None = None) -> tuple[str, str]:
    """Copy an imported file (its bytes or its path) under UPLOAD_DIR, block by block, hashing
    it on the way; returns (path relative to UPLOAD_DIR, sha256). The database keeps the path:
    storing a 40 MB file in a row cost more than reading it."""
    root = root or Path(current_app.config["UPLOAD_DIR"])
    (root / ORIGINALS).mkdir(parents=True, exist_ok=True)
    ext = ".xlsx" if (filename or "").lower().endswith((".xlsx", ".xlsm")) else ".csv"
    rel = f"{ORIGINALS}/{secrets.token_hex(16)}{ext}"
    digest = hashlib.sha256()
    tmp = root / (rel + ".part")
    with open(tmp, "xb") as out:
        if isinstance(source, (bytes, bytearray, memoryview)):
            digest.update(source)
            out.write(source)
        else:
            with open(source, "rb") as fh:
                while block := fh.read(8 * 1024 * 1024):
                    digest.update(block)
                    out.write(block)
    os.replace(tmp, root / rel)
    return rel, digest.hexdigest()


class OriginalCopy:
    """``keep_original`` on a thread, started before the file is parsed: copying and hashing
    release the interpreter lock, so the copy costs the import nothing but a join (it was a
    twentieth of a million-row import when done after parsing)."""

    def __init__(self, source, filename: str):
        self._root = Path(current_app.config["UPLOAD_DIR"])
        self._outcome: tuple | BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(source, filename), daemon=True,
                                        name="keep-original")
        self._thread.start()

    def _run(self, source, filename) -> None:
        try:
            self._outcome = keep_original(source, filename, self._root)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._outcome = exc

    def result(self) -> tuple[str, str]:
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        return self._outcome

    def discard(self) -> None:
        """The import failed: remove the copy (once it is complete)."""
        self._thread.join()
        if isinstance(self._outcome, tuple):
            _forget_original(self._outcome[0])


def original_file(batch: ImportBatch) -> Path | None:
    """Where a batch's original file lies under UPLOAD_DIR (None when kept in the row, as
    batches imported before files were kept apart are)."""
    if not batch.content_path:
        return None
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / batch.content_path).resolve()
    return path if root in path.parents and path.is_file() else None


def _forget_original(rel: str | None) -> None:
    if rel:
        (Path(current_app.config["UPLOAD_DIR"]) / rel).unlink(missing_ok=True)


def _start_batch(kind, period_code, numbering, data, filename, user, replace, keep_previous_kinds=RESULT_KINDS,
                 copy: OriginalCopy | None = None):
    period = ensure_period(period_code, numbering)
    check_element_set(period, numbering)
    previous = existing_batch(period, keep_previous_kinds)
    if previous is not None and not replace:
        raise ImportRejected([Problem(None, None,
            f"Periode {period.code} sudah memiliki data dari impor #{previous.id} "
            f"({previous.filename}, {previous.created_at:%d-%m-%Y %H:%M}). Nyatakan penggantian "
            f"(--replace) untuk menggantinya; data lama tetap tersimpan sebagai arsip.")])
    content_path, checksum = copy.result() if copy is not None else keep_original(data, filename)
    batch = ImportBatch(kind=kind, period=period, filename=filename or "upload",
                        checksum=checksum, content_path=content_path, numbering=numbering,
                        created_by_id=getattr(user, "id", None),
                        created_by_label=getattr(user, "email", None) or (user if isinstance(user, str) else "cli"))
    db.session.add(batch)
    db.session.flush()
    if previous is not None:
        previous.status = "replaced"
        previous.replaced_at = utcnow()
        previous.replaced_by_id = batch.id
    return period, batch, previous


def _store_results(batch: ImportBatch, period: Period, parsed: list[ParsedUnit], units: dict[str, Unit]):
    """One UnitResult per parsed unit, and its element scores written as one insert (the ORM
    wrote them one object at a time: a tenth of a 300-unit import). On PostgreSQL the results
    too are COPYed, with ids reserved from their sequence."""
    flagged, fields, score_lists = [], [], []
    for p in parsed:
        scores = [[key, (p.result.sums or {}).get(key), (p.result.answers or {}).get(key), value]
                  for key, value in p.result.nrrs.items()]
        score_lists.append(scores)
        unit = units[name_key(p.unit)]
        for attr in ("unit_group", "contact", "phone"):
            value = p.info.get(attr)
            if value:
                setattr(unit, "group" if attr == "unit_group" else attr, value)
        fields.append(dict(batch_id=batch.id, period_id=period.id, unit_id=unit.id, source_row=p.row,
                           respondents=p.respondents, method=p.info.get("method"),
                           population=p.info.get("population"), reported_ikm=p.reported_ikm,
                           ikm=p.result.ikm, category=p.result.category, family=p.family,
                           flags=p.flags or [], survey_start=p.survey_start, survey_end=p.survey_end,
                           superseded_at=None, scores_kept=kept_scores(scores)))
        if p.flags:
            flagged.append((p.unit, p.flags))
    ids = reserve_ids(UnitResult, len(fields))
    if ids is None:
        rows = [UnitResult(**f) for f in fields]
        db.session.add_all(rows)
        db.session.flush()
        ids = [row.id for row in rows]
    else:
        insert_rows(UnitResult, [{"id": i, **f} for i, f in zip(ids, fields)])
    # The same scores as each result's scores_kept, in the same order.
    scores = [{"result_id": result_id, "element": key, "total": total, "answers": answers, "nrr": nrr}
              for result_id, own in zip(ids, score_lists) for key, total, answers, nrr in own]
    insert_rows(ElementScore, scores)
    return flagged


def supersede_earlier(batch: ImportBatch, period: Period) -> None:
    """The units of ``batch`` now have their latest result for the period: earlier results of
    the same units and period stop counting (they are kept, marked with the time)."""
    db.session.flush()
    t = UnitResult.__table__
    db.session.execute(
        t.update().where(t.c.period_id == period.id, t.c.batch_id != batch.id, t.c.superseded_at.is_(None),
                         t.c.unit_id.in_(select(t.c.unit_id).where(t.c.batch_id == batch.id).scalar_subquery()))
        .values(superseded_at=utcnow()))


def import_scores(data, filename: str, period_code: str, numbering: str | None,
                  user=None, replace: bool = False, create_units: bool = True) -> ImportReport:
    frame = read_table(data, filename)
    parsed, problems = parse_scores(frame, numbering)
    problems.raise_if_any()
    return _apply("scores", parsed, len(parsed), period_code, numbering, data, filename, user,
                  replace, create_units)


def import_responses(data, filename: str, period_code: str, numbering: str | None,
                     user=None, replace: bool = False, create_units: bool = True) -> ImportReport:
    """A respondent-level file, ``data`` being its bytes or its path (from a path, memory
    stays flat in the file's rows: it is checked, parsed and packed a block at a time). The
    original is copied aside while the file is parsed."""
    copy = OriginalCopy(data, filename)
    try:
        parsed, problems = parse_response_chunks(read_table_chunks(data, filename), numbering)
        problems.raise_if_any()
    except BaseException:
        copy.discard()
        raise
    return _apply("responses", parsed.units, len(parsed), period_code, numbering, data, filename,
                  user, replace, create_units, store_rows=lambda batch, units: _store_responses(batch, parsed, units),
                  copy=copy)


def _apply(kind, parsed_units, row_count, period_code, numbering, data, filename, user, replace,
           create_units, store_rows=None, copy: OriginalCopy | None = None) -> ImportReport:
    """Write a validated import in one transaction; any failure leaves the database as it was
    (and no copy of the file behind)."""
    batch = None
    try:
        period, batch, previous = _start_batch(kind, period_code, numbering, data, filename, user, replace,
                                               copy=copy)
        units, created = resolve_units(parsed_units, create_units)
        db.session.flush()
        flagged = _store_results(batch, period, parsed_units, units)
        supersede_earlier(batch, period)
        if store_rows is not None:
            store_rows(batch, units)
        batch.row_count = row_count
        batch.unit_count = len(parsed_units)
        batch.created_units = created
        batch.flag_count = sum(len(f) for _, f in flagged)
        db.session.commit()
    except BaseException:
        kept = batch.content_path if batch is not None else None
        db.session.rollback()
        _forget_original(kept)
        if batch is None and copy is not None:
            copy.discard()
        raise
    return ImportReport(batch=batch, created_units=created, replaced=previous, flagged=flagged)


def _store_responses(batch: ImportBatch, parsed, units: dict[str, Unit]) -> None:
    """Respondent-level rows, kept compact: one block per unit (tracker.imports.blocks)."""
    from .blocks import store_blocks
    store_blocks(batch, parsed, units)


