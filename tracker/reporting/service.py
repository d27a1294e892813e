"""The reporting round (Bagian Organisasi asks every unit for its SKM result of a period).

A round is opened per period with a deadline, instructions and the default numbering. A
manager submits the unit's result as a file (aggregated per element, or respondent-level:
the admin import's formats, validated the same way) or as the form of the period's elements,
with the survey window, method and the unit's SKM report (PDF or a link). The admin accepts
(the submission becomes the unit's result for the period: each unit's latest result counts)
or returns it with a comment. A re-submission replaces the earlier one, which is kept.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from ..audit import record
from ..domain import elements as el
from ..domain import periods as P
from ..extensions import db
from ..followup.notifications import admins, link, managers_of, notify, task_done
from ..followup.progress import _store_evidence, check_evidence, check_link
from ..followup.workflow import WorkflowError, _atomic, check_version
from ..imports.readers import ImportRejected, Problem, read_table, read_table_chunks
from ..imports.scores import parse_response_chunks, parse_scores
from ..imports.service import (_store_responses, _store_results, check_element_set, lookup_units,
                               supersede_earlier)
from ..models import ImportBatch, Period, Unit, UnitResult
from ..models._base import utcnow
from ..models.reporting import (ACCEPTED, REPLACED, RETURNED, SUBMITTED, ReportingRound,
                                ResultSubmission)
from ..results.service import ACTIVE, ensure_period

MODES = ("scores", "responses", "form")
NUMBERINGS = ("questionnaire", "regulation", "permenpan2014")
# Views catch these: the workflow's refusals and an import's row-and-column problems.
Refused = (ImportRejected, WorkflowError)


# --------------------------------------------------------------------------------------------
# Rounds


def get_round(code: str) -> ReportingRound | None:
    return (ReportingRound.query.join(Period, Period.id == ReportingRound.period_id)
            .filter(Period.code == code).first())


def open_rounds() -> list[ReportingRound]:
    return (ReportingRound.query.filter_by(status="open").join(Period, Period.id == ReportingRound.period_id)
            .order_by(Period.end_date.desc()).all())


def _check_round_fields(deadline, numbering: str) -> None:
    if deadline is None:
        raise WorkflowError("Tenggat pelaporan wajib diisi.")
    if numbering not in NUMBERINGS:
        raise WorkflowError("Penomoran unsur tidak dikenal.")


@_atomic
def open_round(code: str, deadline: date, instructions: str, numbering: str, user) -> ReportingRound:
    ref = P.parse_period(code)
    if ref.kind == "year":
        raise WorkflowError("Putaran pelaporan dibuka per semester atau triwulan, bukan per tahun.")
    _check_round_fields(deadline, numbering)
    if get_round(ref.code) is not None:
        raise WorkflowError(f"Putaran pelaporan {ref.label} sudah dibuka; ubah tenggat atau petunjuknya.")
    period = ensure_period(ref.code, numbering)
    check_element_set(period, numbering)
    rnd = ReportingRound(period=period, deadline=deadline, instructions=(instructions or "").strip(),
                         numbering=numbering, opened_by_id=getattr(user, "id", None))
    db.session.add(rnd)
    db.session.flush()
    record("reporting_round", rnd.id, "open", user=user,
           after={"period": ref.code, "deadline": deadline.isoformat(), "numbering": numbering})
    units = Unit.query.all()
    for unit in units:
        notify(managers_of(unit.id), f"Bagian Organisasi meminta hasil SKM {unit.name} {ref.label} "
               f"paling lambat {deadline:%d-%m-%Y}.", _unit_link(ref.code, unit.id),
               topic=f"round:{rnd.id}:{unit.id}")
    return rnd


@_atomic
def update_round(rnd: ReportingRound, version, deadline: date, instructions: str, numbering: str,
                 status: str, user) -> ReportingRound:
    check_version(rnd, version)
    _check_round_fields(deadline, numbering)
    check_element_set(rnd.period, numbering)
    if status not in ("open", "closed"):
        raise WorkflowError("Status putaran tidak dikenal.")
    before = {"deadline": rnd.deadline.isoformat(), "numbering": rnd.numbering, "status": rnd.status}
    rnd.deadline, rnd.instructions, rnd.numbering, rnd.status = deadline, (instructions or "").strip(), numbering, status
    db.session.flush()
    record("reporting_round", rnd.id, "update", user=user, before=before,
           after={"deadline": deadline.isoformat(), "numbering": numbering, "status": status})
    return rnd


def _unit_link(code: str, unit_id: int) -> str | None:
    return link("reporting.unit", code=code, unit_id=unit_id)


# --------------------------------------------------------------------------------------------
# Submissions


@dataclass
class SubmissionInput:
    mode: str
    numbering: str
    file: object = None  # the data file (FileStorage) for "scores" and "responses"
    respondents: int | None = None  # the form
    values: dict = field(default_factory=dict)  # the form: element key -> NRR (1-4)
    method: str = ""
    survey_start: date | None = None
    survey_end: date | None = None
    report: object = None  # the unit's SKM report (PDF)
    report_link: str = ""
    note: str = ""


MAX_DATA_BYTES = 64 * 1024 * 1024


def _form_csv(unit: Unit, data: SubmissionInput) -> bytes:
    """The form as the aggregated format the import reads (NRR per element), so that one
    validation serves the file and the form."""
    keys = el.numbering_keys(data.numbering)
    missing = [el.u_code(k, data.numbering) for k in keys if data.values.get(k) is None]
    problems = []
    if data.respondents is None:
        problems.append(Problem(None, "respondents", "Jumlah responden wajib diisi."))
    if missing:
        problems.append(Problem(None, None, "NRR wajib diisi untuk " + ", ".join(missing) + "."))
    if problems:
        raise ImportRejected(problems)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["unit", "respondents"] + [f"nrr_u{i + 1}" for i in range(len(keys))])
    writer.writerow([unit.name, data.respondents] + [data.values[k] for k in keys])
    return out.getvalue().encode()


def _parse(mode: str, content: bytes, filename: str, numbering: str):
    """(units parsed, parsed responses or None): the admin import's validation."""
    if mode == "responses":
        parsed, problems = parse_response_chunks(read_table_chunks(content, filename), numbering)
        problems.raise_if_any()
        return parsed.units, parsed
    frame = read_table(content, filename)
    parsed, problems = parse_scores(frame, numbering)
    problems.raise_if_any()
    return parsed, None


def _only_this_unit(unit: Unit, parsed_units) -> None:
    """A unit submits its own result: every row must name it (its name or an alias)."""
    found = lookup_units(p.unit for p in parsed_units)
    wrong = [p for p in parsed_units if getattr(found.get(_key(p.unit)), "id", None) != unit.id]
    if wrong:
        raise ImportRejected([Problem(p.row, "unit", f"hasil untuk '{p.unit}', bukan {unit.name}; "
                                      "kirim hanya hasil unit ini.") for p in wrong[:50]])
    if len(parsed_units) != 1:
        raise ImportRejected([Problem(None, "unit", "Berkas harus berisi hasil satu unit saja.")])


def _key(name: str) -> str:
    from ..models.survey import name_key
    return name_key(name)


def _read_upload(storage) -> tuple[bytes, str]:
    if storage is None or not getattr(storage, "filename", None):
        raise ImportRejected([Problem(None, None, "Pilih berkas hasil SKM (CSV atau XLSX).")])
    name = "".join(ch for ch in storage.filename if ch.isprintable()).replace("\\", "/").rsplit("/", 1)[-1][:255]
    if not name.lower().endswith((".csv", ".xlsx")):
        raise ImportRejected([Problem(None, None, "Jenis berkas tidak didukung; gunakan .csv atau .xlsx.")])
    data = storage.stream.read(MAX_DATA_BYTES + 1)
    if len(data) > MAX_DATA_BYTES:
        raise ImportRejected([Problem(None, None, "Berkas hasil terlalu besar (maksimal 64 MB).")])
    return data, name


def _report(data: SubmissionInput):
    """The unit's SKM report: a PDF checked like evidence, or a link."""
    try:
        report = check_evidence(data.report) if data.report is not None else None
    except WorkflowError as exc:  # the evidence checks, in words about a report
        raise WorkflowError(str(exc).replace("bukti", "laporan")) from None
    if report is not None and report.ext != "pdf":
        raise WorkflowError("Laporan SKM unit harus berkas PDF.")
    try:
        link = check_link(data.report_link)
    except WorkflowError as exc:
        raise WorkflowError(str(exc).replace("Tautan bukti", "Tautan laporan")) from None
    return report, link


def latest_submission(unit_id: int, period_id: int) -> ResultSubmission | None:
    return (ResultSubmission.query.filter_by(unit_id=unit_id, period_id=period_id)
            .order_by(ResultSubmission.id.desc()).first())


def submissions_of(unit_id: int, period_id: int) -> list[ResultSubmission]:
    return (ResultSubmission.query.filter_by(unit_id=unit_id, period_id=period_id)
            .order_by(ResultSubmission.id.desc()).all())


def submit(rnd: ReportingRound, unit: Unit, data: SubmissionInput, user) -> ResultSubmission:
    """Validate and keep a unit's submission (all-or-nothing); the admin is told."""
    if rnd.status != "open":
        raise WorkflowError("Putaran pelaporan periode ini sudah ditutup.")
    if data.mode not in MODES:
        raise WorkflowError("Pilih cara mengirim hasil.")
    if data.numbering not in NUMBERINGS:
        raise WorkflowError("Penomoran unsur tidak dikenal.")
    if data.survey_start and data.survey_end and data.survey_end < data.survey_start:
        raise WorkflowError("Akhir pelaksanaan survei sebelum awalnya.")
    method = (data.method or "").strip()
    if len(method) > 100:
        raise WorkflowError("Metode paling banyak 100 karakter.")
    note = (data.note or "").strip()
    if len(note) > 2000:
        raise WorkflowError("Catatan paling banyak 2000 karakter.")
    if data.mode == "form":
        # The form asks by element name, in the period's element set: it is read with the
        # round's numbering, whatever numbering the unit picked for files.
        data.numbering = rnd.numbering
        content, filename = _form_csv(unit, data), "formulir.csv"
    else:
        content, filename = _read_upload(data.file)
    check_element_set(rnd.period, data.numbering)
    parsed_units, _ = _parse(data.mode, content, filename, data.numbering)
    _only_this_unit(unit, parsed_units)
    result = parsed_units[0]
    report, link = _report(data)
    stored = _store_evidence(report) if report is not None else None
    try:
        previous = latest_submission(unit.id, rnd.period_id)
        sub = ResultSubmission(
            period_id=rnd.period_id, unit_id=unit.id, mode=data.mode, numbering=data.numbering,
            filename=filename, content=content, respondents=result.respondents, ikm=result.result.ikm,
            method=method or None, survey_start=data.survey_start or result.survey_start,
            survey_end=data.survey_end or result.survey_end, report_path=stored,
            report_name=report.name if report else None, report_link=link, note=note or None,
            submitted_by_id=getattr(user, "id", None), replaces_id=previous.id if previous else None)
        if previous is not None and previous.status in (SUBMITTED, RETURNED):
            previous.status = REPLACED
        db.session.add(sub)
        db.session.flush()
        record("result_submission", sub.id, "submit", unit_id=unit.id, user=user,
               after={"mode": sub.mode, "ikm": round(sub.ikm, 3), "respondents": sub.respondents,
                      "replaces": sub.replaces_id})
        label = P.parse_period(rnd.period.code).label
        notify(admins(), f"Hasil SKM {unit.name} {label} dikirim untuk diperiksa.",
               _submission_link(sub), topic=f"submission:{sub.id}")
        task_done(f"round:{rnd.id}:{unit.id}", *([f"submission-returned:{previous.id}"] if previous else []))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if stored:
            from pathlib import Path

            from flask import current_app
            (Path(current_app.config["UPLOAD_DIR"]) / stored).unlink(missing_ok=True)
        raise
    return sub


def _submission_link(sub: ResultSubmission) -> str | None:
    return link("reporting.submission", submission_id=sub.id)


def apply_unit_result(period, unit: Unit, mode: str, content: bytes, filename: str, numbering: str, user,
                      kind: str, method: str | None = None, survey_start=None, survey_end=None) -> ImportBatch:
    """One unit's result (a file of that unit only, already validated once) written as a batch
    of its own that becomes the unit's latest result for the period: an accepted submission,
    or a closed online collection. Inside the caller's transaction."""
    parsed_units, responses = _parse(mode, content, filename, numbering)
    batch = ImportBatch(kind=kind, period=period, filename=filename,
                        checksum=_checksum(content), content=content, numbering=numbering,
                        created_by_id=getattr(user, "id", None), created_by_label=getattr(user, "email", None),
                        row_count=len(responses) if responses is not None else len(parsed_units),
                        unit_count=1, created_units=[])
    db.session.add(batch)
    db.session.flush()
    parsed = parsed_units[0]
    if method:
        parsed.info["method"] = method
    parsed.survey_start = survey_start or parsed.survey_start
    parsed.survey_end = survey_end or parsed.survey_end
    units = {_key(parsed.unit): unit}
    flagged = _store_results(batch, period, parsed_units, units)
    batch.flag_count = sum(len(f) for _, f in flagged)
    if responses is not None:
        _store_responses(batch, responses, units)
    supersede_earlier(batch, period)
    return batch


@_atomic
def accept(sub: ResultSubmission, version, user) -> ResultSubmission:
    """The submission becomes the unit's result for the period (its latest result)."""
    check_version(sub, version)
    if sub.status != SUBMITTED:
        raise WorkflowError("Hanya kiriman yang menunggu pemeriksaan yang dapat diterima.")
    period = sub.period
    batch = apply_unit_result(period, sub.unit, sub.mode, sub.content, sub.filename, sub.numbering, user,
                              kind="submission", method=sub.method, survey_start=sub.survey_start,
                              survey_end=sub.survey_end)
    for earlier in ResultSubmission.query.filter(ResultSubmission.unit_id == sub.unit_id,
                                                 ResultSubmission.period_id == sub.period_id,
                                                 ResultSubmission.status == ACCEPTED).all():
        earlier.status = REPLACED
    sub.status, sub.batch_id = ACCEPTED, batch.id
    sub.decided_by_id, sub.decided_at = getattr(user, "id", None), utcnow()
    db.session.flush()
    record("result_submission", sub.id, "accept", unit_id=sub.unit_id, user=user,
           after={"batch": batch.id, "ikm": round(sub.ikm or 0, 3)})
    label = P.parse_period(period.code).label
    notify(managers_of(sub.unit_id), f"Hasil SKM {sub.unit.name} {label} diterima dan menjadi hasil "
           "unit untuk periode ini.", _unit_link(period.code, sub.unit_id))
    task_done(f"submission:{sub.id}")
    return sub


def _checksum(content: bytes) -> str:
    import hashlib
    return hashlib.sha256(content).hexdigest()


@_atomic
def return_submission(sub: ResultSubmission, version, comment: str, user) -> ResultSubmission:
    check_version(sub, version)
    if sub.status != SUBMITTED:
        raise WorkflowError("Hanya kiriman yang menunggu pemeriksaan yang dapat dikembalikan.")
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError("Tuliskan alasan pengembalian agar unit dapat memperbaikinya.")
    if len(comment) > 2000:
        raise WorkflowError("Alasan paling banyak 2000 karakter.")
    sub.status, sub.comment = RETURNED, comment
    sub.decided_by_id, sub.decided_at = getattr(user, "id", None), utcnow()
    db.session.flush()
    record("result_submission", sub.id, "return", unit_id=sub.unit_id, user=user, after={"comment": comment})
    label = P.parse_period(sub.period.code).label
    notify(managers_of(sub.unit_id), f"Hasil SKM {sub.unit.name} {label} dikembalikan: {comment}",
           _unit_link(sub.period.code, sub.unit_id), topic=f"submission-returned:{sub.id}")
    task_done(f"submission:{sub.id}")
    return sub


# --------------------------------------------------------------------------------------------
# Completeness

REPORTED, WAITING, RETURNED_STATE, LATE, NOT_YET = "reported", "waiting", "returned", "late", "not_yet"
STATE_LABELS = {REPORTED: "Sudah melapor", WAITING: "Menunggu pemeriksaan", RETURNED_STATE: "Dikembalikan",
                LATE: "Terlambat", NOT_YET: "Belum melapor"}


@dataclass
class UnitRow:
    unit: Unit
    state: str
    submission: ResultSubmission | None
    has_result: bool

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class GroupRow:
    group: str
    units: int = 0
    reported: int = 0
    waiting: int = 0
    late: int = 0

    @property
    def share(self) -> float:
        return 100.0 * self.reported / self.units if self.units else 0.0


@dataclass
class Completeness:
    round: ReportingRound
    rows: list[UnitRow]
    groups: list[GroupRow]
    today: date

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def share(self) -> float:
        return 100.0 * self.count(REPORTED) / len(self.rows) if self.rows else 0.0


def completeness(rnd: ReportingRound, today: date | None = None, unit_ids=None) -> Completeness:
    """Every unit's reporting state for the round, by group: reported (a result counts for the
    period: an accepted submission or an import), waiting, returned, late (the deadline passed
    without any of these) or not yet. Three queries whatever the number of units."""
    from ..followup.status import today_wib
    today = today or today_wib()
    q = Unit.query.filter(Unit.is_city.is_(False))  # the city's own unit runs no survey
    if unit_ids is not None:
        q = q.filter(Unit.id.in_(unit_ids or {-1}))
    units = q.all()
    latest: dict[int, ResultSubmission] = {}
    for sub in (ResultSubmission.query.filter_by(period_id=rnd.period_id)
                .order_by(ResultSubmission.id).all()):
        latest[sub.unit_id] = sub
    with_result = {uid for (uid,) in db.session.query(UnitResult.unit_id)
                   .join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
                   .filter(UnitResult.period_id == rnd.period_id, *ACTIVE).distinct()}
    rows = []
    for unit in units:
        sub = latest.get(unit.id)
        if sub is not None and sub.status == SUBMITTED:
            state = WAITING
        elif unit.id in with_result:
            state = REPORTED
        elif sub is not None and sub.status == RETURNED:
            state = RETURNED_STATE if today <= rnd.deadline else LATE
        else:
            state = LATE if today > rnd.deadline else NOT_YET
        rows.append(UnitRow(unit, state, sub, unit.id in with_result))
    order = {REPORTED: 4, WAITING: 2, RETURNED_STATE: 1, LATE: 0, NOT_YET: 3}
    rows.sort(key=lambda r: (r.unit.group or "~", order[r.state], r.unit.name.lower()))
    groups: dict[str, GroupRow] = {}
    for r in rows:
        g = groups.setdefault(r.unit.group or "Tanpa kelompok", GroupRow(r.unit.group or "Tanpa kelompok"))
        g.units += 1
        g.reported += r.state == REPORTED
        g.waiting += r.state == WAITING
        g.late += r.state == LATE
    return Completeness(rnd, rows, sorted(groups.values(), key=lambda g: g.group.lower()), today)


def late_units(today: date | None = None) -> list[tuple[ReportingRound, UnitRow]]:
    """Units late in any open round (the inspector's home shows them)."""
    out = []
    for rnd in open_rounds():
        done = completeness(rnd, today)
        out += [(rnd, r) for r in done.rows if r.state == LATE]
    return out


def check_round_deadlines(today: date, notify_once) -> int:
    """Reminders for the daily job: three days before the deadline and on it, to the managers
    of units that have not reported; ``notify_once(user, message, link, key, topic)`` creates a
    notification unless one with ``key`` exists. Returns how many were created."""
    created = 0
    for rnd in open_rounds():
        days = (rnd.deadline - today).days
        if days not in (3, 0):
            continue
        label = P.parse_period(rnd.period.code).label
        for row in completeness(rnd, today).rows:
            if row.state not in (NOT_YET, RETURNED_STATE):
                continue
            when = "hari ini" if days == 0 else f"tiga hari lagi ({rnd.deadline:%d-%m-%Y})"
            for user in managers_of(row.unit.id):
                created += notify_once(user, f"Tenggat pelaporan hasil SKM {row.unit.name} {label} "
                                             f"{when}.", _unit_link(rnd.period.code, row.unit.id),
                                       f"round-reminder:{rnd.id}:{row.unit.id}:{days}:{user.id}",
                                       f"round:{rnd.id}:{row.unit.id}")
    return created

