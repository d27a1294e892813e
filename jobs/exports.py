"""Export jobs: annex workbooks and the city's report (DOCX or PDF) built in the background
(RQ) or inline without Redis.

Life of an export (``ExportJob`` row, id = RQ job id):

    queued -> running -> finished (file in EXPORT_DIR) | failed (error kept)

- The job writes to a temporary ``.part-*`` file inside EXPORT_DIR and renames it atomically to
  ``<id>.xlsx`` (``.docx``, ``.pdf``) only on success, so a partial file is never offered for
  download.
- Progress goes to ``ExportJob.progress``/``message`` (what the page polls) and to the RQ job's
  ``meta`` together with a heartbeat timestamp.
- A worker killed mid-job cannot mark its own failure. :func:`reconcile` compares the row with
  RQ: an RQ status of failed/stopped/canceled, an RQ job that vanished, or a running job with no
  heartbeat (ours or RQ's) for ``EXPORT_HEARTBEAT_SECONDS`` (default 120 s; RQ's worker beats
  every 30 s while a job runs) marks the row failed. The status endpoint calls it on every poll.
- Retry re-enqueues the same row; results older than ``EXPORT_RETENTION_HOURS`` are deleted by
  :func:`cleanup_exports`, called whenever an export starts.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jobs.queue import QueueUnavailable, enqueue, fetch_job, get_queue

ACTIVE = ("queued", "running")
# What each kind of export writes: the annex workbook (the period's, or one unit's) and the
# city's report as DOCX or PDF.
EXTENSIONS = {"period": ".xlsx", "unit": ".xlsx", "report-docx": ".docx", "report-pdf": ".pdf"}
MIMETYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ".pdf": "application/pdf"}
DEFAULT_HEARTBEAT_SECONDS = 120


class ExportRefused(Exception):
    """The export cannot start (no results, or the same export is already running)."""

    def __init__(self, message: str, existing=None):
        super().__init__(message)
        self.existing = existing


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _naive(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def export_dir(app) -> Path:
    path = Path(app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_of(app, job) -> Path | None:
    """The finished file of a job, resolved inside EXPORT_DIR (never outside it)."""
    if job.status != "finished" or not job.file_path:
        return None
    base = export_dir(app).resolve()
    path = (base / job.file_path).resolve()
    if path.parent != base or not path.is_file():
        return None
    return path


# --------------------------------------------------------------------------------------------
# The job function (runs in an RQ worker, or inline)


def run_export(export_id: str, app=None) -> str:
    """RQ entry point: runs in the worker's application context (jobs.worker.AppWorker), or
    inline with the caller's app."""
    if app is None:
        from jobs.context import app_context
        with app_context() as current:
            return _run(current, export_id)
    with app.app_context():
        return _run(app, export_id)


def _run(app, export_id: str) -> str:
    from tracker.extensions import db
    from tracker.models import ExportJob
    from tracker.reports import annex
    from tracker.reports.safe import WorkbookRefused

    job = db.session.get(ExportJob, export_id)
    if job is None:
        return "missing"
    if job.status not in ACTIVE:
        return job.status
    rq_job = _current_rq_job()
    job.status = "running"
    job.started_at = _now()
    job.progress = 1
    job.message = "Dimulai"
    job.error = None
    db.session.commit()
    _meta(rq_job, 1, "Dimulai")

    kind, code, unit_id = job.kind, job.period.code, job.unit_id
    from tracker.reports.annex import REQUEST_BASE_URL
    base_token = REQUEST_BASE_URL.set(job.base_url)
    delay = float(os.environ.get("SKM_EXPORT_TEST_DELAY") or 0)  # test hook: slow the job down
    state = {"last": 0.0, "pct": 1}

    def progress(fraction: float, message: str) -> None:
        pct = max(1, min(99, int(fraction * 100)))
        now = time.monotonic()
        if delay:
            time.sleep(delay)
        if pct == state["pct"] and now - state["last"] < 2:
            return
        state.update(last=now, pct=pct)
        ExportJob.query.filter_by(id=export_id).update({"progress": pct, "message": message[:255]})
        db.session.commit()
        _meta(rq_job, pct, message)

    directory = export_dir(app)
    extension = EXTENSIONS.get(kind, ".xlsx")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".part-", suffix=extension)
    os.close(fd)
    outcome = "failed"
    error = None
    try:
        if kind == "unit":
            annex.write_unit_workbook(code, unit_id, tmp, progress)
        elif kind.startswith("report-"):
            from tracker.reports.report import build_report
            from tracker.reports.report_docx import write_report
            document = build_report(code, progress)
            progress(0.95, "Menulis " + extension[1:].upper())
            write_report(document, tmp)
        else:
            annex.write_period_workbook(code, tmp, progress)
        final = directory / f"{export_id}{extension}"
        os.replace(tmp, final)  # atomic within one directory: the file appears complete or not at all
        tmp = None
        outcome = "finished"
    except Exception as exc:  # noqa: BLE001 - any failure must reach the page
        db.session.rollback()
        # The page shows a sentence in Bahasa; the technical detail goes to the log.
        from tracker.reports.report_docx import ReportFailed
        error = (str(exc) if isinstance(exc, (LookupError, WorkbookRefused, ReportFailed)) else
                 f"Ekspor gagal karena kesalahan sistem ({type(exc).__name__}); rincian ada di log "
                 f"server dengan kode ekspor {export_id}.")
        app.logger.exception("export %s failed", export_id)
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        job = db.session.get(ExportJob, export_id)
        if job is not None:
            job.finished_at = _now()
            if outcome == "finished":
                job.status, job.progress, job.message = "finished", 100, "Selesai"
                job.file_path = f"{export_id}{extension}"
                job.error = None
            else:
                job.status, job.message = "failed", "Gagal"
                job.error = error or "Ekspor gagal."
            db.session.commit()
        _meta(rq_job, 100 if outcome == "finished" else None, "Selesai" if outcome == "finished" else "Gagal")
        REQUEST_BASE_URL.reset(base_token)
    return outcome


def _current_rq_job():
    try:
        from rq import get_current_job
        return get_current_job()
    except Exception:  # noqa: BLE001 - not in a worker
        return None


def _meta(rq_job, pct, message) -> None:
    if rq_job is None:
        return
    try:
        if pct is not None:
            rq_job.meta["progress"] = pct
        rq_job.meta["message"] = message
        rq_job.meta["heartbeat"] = _now().isoformat()
        rq_job.save_meta()
    except Exception:  # noqa: BLE001 - progress reporting must never fail the export
        pass


# --------------------------------------------------------------------------------------------
# Starting, retrying, reconciling, cleaning up (called by views)


def period_has_results(code: str) -> bool:
    from tracker.domain import periods as P
    from tracker.results import service
    return service.has_results(P.parse_period(code).code)


def active_duplicate(app, kind: str, period_id: int, unit_id: int | None):
    from tracker.models import ExportJob
    q = ExportJob.query.filter(ExportJob.kind == kind, ExportJob.period_id == period_id,
                               ExportJob.status.in_(ACTIVE))
    q = q.filter(ExportJob.unit_id.is_(None)) if unit_id is None else q.filter(ExportJob.unit_id == unit_id)
    for job in q.all():
        reconcile(app, job)
        if job.status in ACTIVE:
            return job
    return None


def start_export(app, kind: str, code: str, unit_id: int | None = None, user_id: int | None = None,
                 base_url: str | None = None):
    """Create and enqueue (or run inline) an export. Raises ExportRefused."""
    from tracker.domain import periods as P
    from tracker.extensions import db
    from tracker.models import ExportJob, Unit
    from tracker.results import service

    if kind not in EXTENSIONS:
        raise ExportRefused("Jenis ekspor tidak dikenal.")
    ref = P.parse_period(code)
    if not period_has_results(ref.code):
        raise ExportRefused(f"Periode {ref.code} belum memiliki hasil SKM.")
    if kind == "unit":
        if unit_id is None or db.session.get(Unit, unit_id) is None:
            raise ExportRefused("Unit tidak ditemukan.")
    else:
        unit_id = None
    cleanup_exports(app)
    period = service.ensure_period(ref.code)  # a year aggregated from semesters gets its row
    db.session.commit()
    _lock_period(period.id)
    existing = active_duplicate(app, kind, period.id, unit_id)
    if existing is not None:
        raise ExportRefused("Ekspor yang sama sedang berjalan.", existing)
    job = ExportJob(id=str(uuid.uuid4()), kind=kind, period_id=period.id, unit_id=unit_id,
                    status="queued", progress=0, message="Menunggu giliran", created_by_id=user_id,
                    base_url=(base_url or "").rstrip("/")[:255] or None)
    db.session.add(job)
    db.session.commit()
    _enqueue(app, job.id)
    db.session.expire_all()
    return db.session.get(ExportJob, job.id)


def _lock_period(period_id: int) -> None:
    """Serialise 'is the same export running? then create it' per period: on PostgreSQL the
    period row is locked until the new job is committed (SQLite serialises writers anyway)."""
    from tracker.extensions import db
    from tracker.models import Period
    if db.engine.dialect.name == "postgresql":
        db.session.query(Period.id).filter(Period.id == period_id).with_for_update().first()


def _enqueue(app, export_id: str) -> None:
    from tracker.extensions import db
    from tracker.models import ExportJob
    try:
        enqueue(app, run_export, export_id, job_id=export_id, inline_kwargs={"app": app})
    except Exception as exc:  # noqa: BLE001 - Redis down: say so on the page
        db.session.rollback()
        job = db.session.get(ExportJob, export_id)
        job.status, job.message = "failed", "Gagal"
        app.logger.warning("export %s: queue unreachable: %s", job.id, exc)
        job.error = "Antrean tidak dapat dihubungi (Redis); coba lagi nanti atau hubungi pengelola sistem."
        job.finished_at = _now()
        db.session.commit()


def retry_export(app, job):
    """Re-enqueue a failed export (same row, same id)."""
    from tracker.extensions import db
    if job.status != "failed":
        raise ExportRefused("Hanya ekspor yang gagal yang dapat diulang.")
    _lock_period(job.period_id)
    db.session.refresh(job)
    if job.status != "failed":
        raise ExportRefused("Ekspor ini sudah diulang.", job)
    existing = active_duplicate(app, job.kind, job.period_id, job.unit_id)
    if existing is not None:
        raise ExportRefused("Ekspor yang sama sedang berjalan.", existing)
    cleanup_exports(app)
    try:
        old = fetch_job(app, job.id)
        if old is not None:
            old.delete()
    except Exception:  # noqa: BLE001 - Redis down: _enqueue below records why
        pass
    job.status, job.progress, job.message = "queued", 0, "Menunggu giliran (diulang)"
    job.error = None
    job.started_at = job.finished_at = None
    job.file_path = None
    job.created_at = _now()
    db.session.commit()
    _enqueue(app, job.id)
    db.session.expire_all()
    return db.session.get(type(job), job.id)


def reconcile(app, job, now: datetime | None = None) -> bool:
    """Mark an active job failed when its worker is gone. Returns True when it changed."""
    from tracker.extensions import db
    if job.status not in ACTIVE:
        return False
    now = now or _now()
    limit = timedelta(seconds=int(app.config.get("EXPORT_HEARTBEAT_SECONDS",
                                                 DEFAULT_HEARTBEAT_SECONDS)))
    reason = None
    if get_queue(app) is None:
        # Inline: the request that ran it is gone if the row is still active this long after.
        if now - (job.started_at or job.created_at) > limit:
            reason = "Proses ekspor terhenti sebelum selesai."
    else:
        try:
            rq_job = fetch_job(app, job.id)
            _cleanup_registries(app)  # RQ's own check for abandoned jobs, before reading status
            status = rq_job.get_status(refresh=True) if rq_job is not None else None
        except QueueUnavailable:
            return False  # Redis is down: nothing can be known; the job keeps its state
        except Exception:  # noqa: BLE001 - a Redis error while reading the job
            return False
        if rq_job is None:
            if now - (job.started_at or job.created_at) > limit:
                reason = "Tugas ekspor tidak ditemukan lagi di antrean (worker berhenti?)."
        else:
            status = getattr(status, "value", status)
            if status in ("failed", "stopped", "canceled"):
                detail = _last_line(rq_job)
                reason = f"Tugas ekspor {_STATUS_ID.get(status, status)} di worker" + (f": {detail}" if detail else ".")
            elif status == "started" or job.status == "running":
                beats = [job.started_at, _naive(rq_job.last_heartbeat), _naive(rq_job.started_at)]
                hb = rq_job.meta.get("heartbeat") if rq_job.meta else None
                if hb:
                    try:
                        beats.append(datetime.fromisoformat(hb))
                    except ValueError:
                        pass
                last = max(b for b in beats if b is not None) if any(beats) else job.created_at
                if now - last > limit:
                    reason = (f"Pekerja latar (worker) tidak memberi tanda hidup selama lebih dari "
                              f"{int(limit.total_seconds())} detik (kemungkinan dihentikan).")
            elif status == "finished" and now - (job.started_at or job.created_at) > limit:
                reason = "Pekerja latar (worker) selesai tanpa memperbarui status ekspor."
    if reason is None:
        return False
    job.status, job.message, job.error = "failed", "Gagal", reason
    job.finished_at = now
    db.session.commit()
    return True


_STATUS_ID = {"failed": "gagal", "stopped": "dihentikan", "canceled": "dibatalkan"}


def _last_line(rq_job) -> str:
    try:
        result = rq_job.latest_result()
        info = getattr(result, "exc_string", None) if result else None
    except Exception:  # noqa: BLE001
        info = None
    lines = [line for line in (info or "").strip().splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else ""


def reconcile_many(app, jobs) -> None:
    """Reconcile a list of jobs (the exports page); stop asking Redis once it proved down."""
    from jobs.queue import get_redis
    active = [j for j in jobs if j.status in ACTIVE]
    if not active:
        return
    if get_queue(app) is not None:
        try:
            get_redis(app).ping()
        except Exception:  # noqa: BLE001
            return
    for job in active:
        reconcile(app, job)


def _cleanup_registries(app) -> None:
    """Let RQ move abandoned started jobs (expired heartbeat) to the failed registry."""
    queue = get_queue(app)
    if queue is None:
        return
    try:
        from rq.registry import StartedJobRegistry
        StartedJobRegistry(queue=queue).cleanup()
    except Exception:  # noqa: BLE001 - best effort
        pass


def cleanup_exports(app, now: datetime | None = None) -> int:
    """Delete export rows and files older than EXPORT_RETENTION_HOURS, and stale partial files.
    Active jobs are kept. Returns the number of rows removed."""
    from tracker.extensions import db
    from tracker.models import ExportJob
    now = now or _now()
    cutoff = now - timedelta(hours=int(app.config.get("EXPORT_RETENTION_HOURS", 24)))
    directory = export_dir(app)
    removed = 0
    old = ExportJob.query.filter(ExportJob.status.notin_(ACTIVE), ExportJob.created_at < cutoff).all()
    for job in old:
        if (job.finished_at or job.created_at) >= cutoff:
            continue
        if job.file_path:
            path = directory / Path(job.file_path).name
            if path.is_file():
                path.unlink()
        db.session.delete(job)
        removed += 1
    db.session.commit()
    limit = cutoff.replace(tzinfo=timezone.utc).timestamp()
    for part in directory.glob(".part-*"):
        try:
            if part.stat().st_mtime < limit:
                part.unlink()
        except OSError:
            pass
    return removed
