"""The open tasks of each role, read with a fixed number of queries. A task disappears when
the work is done, because every list is computed from the state of the data, not from
messages sent earlier."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Text, cast, func, literal_column, or_, select

from ..domain import periods as P
from ..domain import realisation as R
from ..extensions import core_rows, db
from ..followup.status import lateness_counts
from ..models import Action, ExportJob, ImportBatch, Plan, ProgressEntry, Unit
from ..models.followup import PLAN_ACCEPTED, PLAN_DRAFT, PLAN_RETURNED, PLAN_SUBMITTED
from ..results.service import period_codes_with_years, unit_views, units_with_results_named


@dataclass
class Task:
    key: str
    title: str
    count: int
    link: str | None
    items: list = field(default_factory=list)  # (text, link, note)
    hint: str = ""

    @property
    def done(self) -> bool:
        return self.count == 0


def latest_result_code() -> str | None:
    """The newest period with results that plans answer (a year or semester before a quarter
    of the same time)."""
    codes = period_codes_with_years()
    for code in codes:
        if P.parse_period(code).kind != "quarter":
            return code
    return codes[0] if codes else None


def _unscheduled(unit_ids) -> list[Action]:
    q = (Action.query.join(Plan, Plan.id == Action.plan_id)
         .filter(or_(Plan.status == PLAN_ACCEPTED, Plan.source == "import"))
         .filter(or_(Action.quarters.is_(None), cast(Action.quarters, Text).in_(["[]", "null"])))
         .options(db.contains_eager(Action.plan).joinedload(Plan.unit)))
    if unit_ids is not None:
        q = q.filter(Plan.unit_id.in_(unit_ids or {-1}))
    return [a for a in q.all() if not a.quarters]


def _results_to_send(unit_ids: set[int], today: date, url) -> Task:
    """Open reporting rounds in which the manager's units have not reported (returned ones
    with the admin's comment)."""
    from ..reporting.service import LATE, NOT_YET, RETURNED_STATE, completeness, open_rounds
    items = []
    for rnd in open_rounds():
        label = P.parse_period(rnd.period.code).label
        for row in completeness(rnd, today, unit_ids=unit_ids).rows:
            if row.state in (NOT_YET, LATE, RETURNED_STATE):
                note = ("dikembalikan: " + (row.submission.comment or "") if row.state == RETURNED_STATE
                        else ("terlambat, tenggat " if row.state == LATE else "tenggat ") + f"{rnd.deadline:%d-%m-%Y}")
                items.append((f"{row.unit.name}: hasil SKM {label}",
                              url("reporting.unit", code=rnd.period.code, unit_id=row.unit.id), note))
    return Task("results", "Hasil SKM yang perlu dikirim", len(items), url("reporting.index"), items[:50])


def manager_tasks(unit_ids: set[int], today: date, url) -> list[Task]:
    code = latest_result_code()
    plans = (Plan.query.filter(Plan.unit_id.in_(unit_ids or {-1}))
             .options(db.joinedload(Plan.unit), db.joinedload(Plan.period)).all())
    by_key = {(p.unit_id, p.period.code): p for p in plans}
    write = []
    if code:
        for v in unit_views(code, unit_ids):
            plan = by_key.get((v.unit.id, code))
            if plan is None:
                write.append((f"{v.unit.name}: tulis RTL {P.parse_period(code).label}",
                              url("followup.plan", code=code, unit_id=v.unit.id), "belum ada RTL"))
    for p in plans:
        if p.status in (PLAN_DRAFT, PLAN_RETURNED):
            note = "dikembalikan: " + (p.return_comment or "") if p.status == PLAN_RETURNED else "draf belum diajukan"
            write.append((f"{p.unit.name}: RTL {P.parse_period(p.period.code).label}",
                          url("followup.plan", code=p.period.code, unit_id=p.unit_id), note))
    # Quarters to report: planned quarters that have started and have no report but rejected
    # ones, on accepted plans (late ones first).
    a = Action.__table__
    accepted = {p.id: p for p in plans if p.status == PLAN_ACCEPTED}
    rows = db.session.execute(
        db.select(a.c.id, a.c.plan_id, a.c.text, a.c.quarters, a.c.state_reported, a.c.not_actionable)
        .where(a.c.plan_id.in_(list(accepted) or [-1]))).all()
    report = []
    for action_id, plan_id, text, quarters, reported, na in rows:
        if na:
            continue
        plan = accepted[plan_id]
        grace = plan.period.progress_grace_days
        for qcode in quarters or []:
            q = P.parse_quarter(qcode)
            if q.start <= today and q.code not in (reported or []):
                due = R.deadline(q, grace)
                report.append((due, f"{plan.unit.name}: {text[:90]} — {q.label}",
                               url("followup.action", action_id=action_id),
                               ("terlambat sejak " if due < today else "batas ") + due.strftime("%d-%m-%Y")))
    report.sort(key=lambda t: t[0])
    superseded = db.session.query(ProgressEntry.supersedes_id).filter(ProgressEntry.supersedes_id.isnot(None))
    rejected = (ProgressEntry.query.join(Action).join(Plan)
                .filter(ProgressEntry.status == R.REJECTED, Plan.unit_id.in_(unit_ids or {-1}),
                        ProgressEntry.id.notin_(superseded))
                .options(db.contains_eager(ProgressEntry.action).contains_eager(Action.plan))
                .order_by(ProgressEntry.reviewed_at.desc()).all())
    unscheduled = _unscheduled(unit_ids)
    return [
        _results_to_send(unit_ids, today, url),
        Task("write", "RTL yang perlu ditulis atau diperbaiki", len(write), url("followup.plans"), write),
        Task("report", "Triwulan yang perlu dilaporkan", len(report), url("followup.plans"),
             [t[1:] for t in report[:50]], "Triwulan yang sudah dimulai dan belum memiliki laporan (selain yang ditolak)."),
        Task("rejected", "Laporan ditolak yang perlu dijawab", len(rejected), url("followup.plans"),
             [(f"{e.action.text[:90]} — {e.quarter}", url("followup.entry_resubmit", entry_id=e.id),
               "catatan: " + (e.review_comment or "")) for e in rejected[:50]]),
        Task("unscheduled", "Kegiatan belum dijadwalkan", len(unscheduled), url("followup.unscheduled"),
             [(f"{x.plan.unit.name}: {x.text[:90]}", url("followup.unscheduled", kegiatan=x.id),
               "pilih triwulan") for x in unscheduled[:50]]),
    ]


def inspector_tasks(today: date, url, monitoring_code: str | None) -> list[Task]:
    # Each plan keeps how many of its reports wait and since when (followup/state.py): one
    # row per plan instead of every waiting report.
    p = Plan.__table__
    count, oldest = core_rows(select(func.coalesce(func.sum(p.c.state_pending_count), 0),
                                     func.min(p.c.state_pending_since))
                              # "> 0" written as a literal, ix_plan_pending's own condition: a plan
                              # made for any value of a parameter (PostgreSQL's generic plan of a
                              # prepared statement) could not use the partial index
                              .where(p.c.state_pending_count > literal_column("0"))).one()
    tasks = [Task("queue", "Antrean verifikasi", count, url("followup.review_queue"),
                  hint=f"Laporan tertua dikirim {oldest:%d-%m-%Y}." if oldest else "")]
    if monitoring_code:
        # Counted from each plan's kept lateness dates and one query of the units with results:
        # the same lists as the monitoring screen's period_status (tested), without reading
        # every action and every result of the city.
        counts = sorted(lateness_counts(monitoring_code, today).values(), key=lambda u: u.unit_name.lower())
        with_results = units_with_results_named(monitoring_code)
        status_of = {u.unit_id: u.plan_status for u in counts}
        label = P.parse_period(monitoring_code).label
        late_link = url("monitoring.index", period=monitoring_code, outcome="late")
        unfinished_link = url("monitoring.index", period=monitoring_code, outcome="unfinished")
        late = [(u.unit_name, late_link, f"{u.late_reports} kegiatan") for u in counts if u.late_reports]
        unfinished = [(u.unit_name, unfinished_link, f"{u.unfinished_after_schedule} kegiatan")
                      for u in counts if u.unfinished_after_schedule]
        without = [(uid, name) for uid, name in sorted(with_results.items(), key=lambda item: item[1].lower())
                   if status_of.get(uid) != "accepted"]
        shown_without = [(name, url("followup.plan", code=monitoring_code, unit_id=uid),  # links for those shown
                          "belum ada RTL" if status_of.get(uid) is None else f"RTL {status_of[uid]}")
                         for uid, name in without[:50]]
        tasks += [
            Task("late", f"Unit terlambat melapor (RTL {label})", len(late), late_link, late[:50]),
            Task("unfinished", f"Kegiatan belum selesai setelah jadwal (RTL {label})",
                 sum(u.unfinished_after_schedule for u in counts), unfinished_link, unfinished[:50]),
            Task("no_plan", f"Unit tanpa RTL yang diterima ({label})", len(without),
                 url("monitoring.index", period=monitoring_code, outcome="no_plan"), shown_without),
        ]
    tasks += reporting_tasks(today, url)
    return tasks


def reporting_tasks(today: date, url) -> list[Task]:
    """Units past a reporting round's deadline without a result (a finding for the inspector,
    a chase for the admin), one task per open round."""
    from ..reporting.service import late_units
    by_round: dict = {}
    for rnd, row in late_units(today):
        by_round.setdefault(rnd, []).append(row)
    out = []
    for rnd, rows in by_round.items():
        label = P.parse_period(rnd.period.code).label
        link = url("reporting.round", code=rnd.period.code)
        out.append(Task(f"report_late_{rnd.id}", f"Unit terlambat melaporkan hasil SKM {label} "
                        f"(tenggat {rnd.deadline:%d-%m-%Y})", len(rows), link,
                        [(r.unit.name, url("reporting.unit", code=rnd.period.code, unit_id=r.unit.id),
                          r.unit.group or "") for r in rows[:50]]))
    return out


def admin_tasks(today: date, url) -> list[Task]:
    waiting = (Plan.query.filter_by(status=PLAN_SUBMITTED).options(db.joinedload(Plan.unit), db.joinedload(Plan.period))
               .order_by(Plan.submitted_at).all())
    code = latest_result_code()
    with_results = {v.unit.id for v in unit_views(code)} if code else set()
    missing = (Unit.query.filter(Unit.id.notin_(with_results or {-1}), Unit.is_city.is_(False))  # the city runs no survey
               .order_by(Unit.name).all() if code else [])
    unscheduled = _unscheduled(None)
    tasks = [
        Task("accept", "RTL menunggu keputusan", len(waiting), url("followup.plans"),
             [(f"{p.unit.name}: RTL {P.parse_period(p.period.code).label}",
               url("followup.plan", code=p.period.code, unit_id=p.unit_id),
               f"diajukan {p.submitted_at:%d-%m-%Y}" if p.submitted_at else "") for p in waiting[:50]]),
        Task("no_results", f"Unit tanpa hasil SKM ({P.parse_period(code).label})" if code else "Unit tanpa hasil SKM",
             len(missing), url("imports.upload"),
             [(u.name, url("admin.edit_unit", unit_id=u.id), u.group or "") for u in missing[:50]]),
        Task("unscheduled", "Kegiatan belum dijadwalkan", len(unscheduled), url("followup.unscheduled"),
             [(f"{x.plan.unit.name}: {x.text[:90]}", url("followup.unscheduled", kegiatan=x.id), "")
              for x in unscheduled[:20]]),
    ]
    from ..models.reporting import SUBMITTED, ResultSubmission
    submitted = (ResultSubmission.query.filter_by(status=SUBMITTED)
                 .options(db.joinedload(ResultSubmission.unit), db.joinedload(ResultSubmission.period))
                 .order_by(ResultSubmission.submitted_at).all())
    tasks.insert(1, Task("submissions", "Hasil SKM unit menunggu pemeriksaan", len(submitted),
                         url("reporting.index"),
                         [(f"{x.unit.name}: {P.parse_period(x.period.code).label}",
                           url("reporting.submission", submission_id=x.id),
                           f"dikirim {x.submitted_at:%d-%m-%Y}") for x in submitted[:50]]))
    tasks += reporting_tasks(today, url)
    return tasks


def recent_imports_and_exports() -> tuple[list, list]:
    """The admin's five latest imports and exports (read on every visit: an export's status
    changes without any change the home's tasks are kept under)."""
    imports = (ImportBatch.query.options(db.joinedload(ImportBatch.period))
               .order_by(ImportBatch.created_at.desc()).limit(5).all())
    exports = (ExportJob.query.options(db.joinedload(ExportJob.period), db.joinedload(ExportJob.unit))
               .order_by(ExportJob.created_at.desc()).limit(5).all())
    return imports, exports
