"""Dashboards (admin, inspector; managers see their units' realisation) and annex exports
(admin only: "only the admin imports, overrides and exports")."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect,
                   render_template, request, send_file, url_for)
from flask_login import current_user

from ..auth.decorators import admin_required, login_required
from ..domain import periods as P
from ..domain import scoring
from ..domain.numbers import format_id
from ..extensions import db
from ..models import ExportJob, Unit
from ..scope import visible_unit_ids
from . import charts
from . import dashboard_data as dd

bp = Blueprint("reports", __name__, url_prefix="/laporan")

CATEGORY_BANDS = [(r[3], r[4], charts.COLORS[r[0]]) for r in scoring.CATEGORY_INTERVALS]


def _selected_code(codes: list[str]) -> str | None:
    code = request.args.get("period")
    if code:
        try:
            code = P.parse_period(code).code
        except P.BadPeriod:
            abort(404)
        if code not in codes:
            abort(404)
        return code
    return codes[-1] if codes else None


def _manager_units() -> set[int] | None:
    return visible_unit_ids()


def _render_chart(data: dd.ChartData, focus_unit: int | None = None):
    rows = data.rows
    if data.key == "city_trend":
        return charts.line_chart([r[1].replace("Semester ", "Smt ") for r in rows],
                                 [("IKM kota", [r[2] for r in rows])], data.title,
                                 y_min=60, y_max=100, decimals=2, bands=CATEGORY_BANDS)
    if data.key == "categories":
        return charts.share_bar([(f"{r[0]} ({r[1]})", r[2], charts.COLORS[r[0]]) for r in rows],
                                data.title)
    if data.key == "changes":
        return charts.share_bar([(r[0], r[1], charts.COLORS[r[0]]) for r in rows], data.title)
    if data.key == "above_below":
        return charts.hbar_chart([(rows[0][0], rows[0][1], charts.COLORS["above"]),
                                  (rows[1][0], rows[1][1], charts.COLORS["below"])],
                                 data.title, decimals=0, label_width=210)
    if data.key == "elements":
        items = [(f"{r[0]} {r[2]}", r[3], charts.COLORS[r[5]]) for r in rows]
        low = min([r[3] for r in rows] + [3.0])
        return charts.hbar_chart(items, data.title, decimals=3, x_min=max(1.0, int(low * 2) / 2 - 0.5),
                                 x_max=4.0, label_width=310)
    if data.key == "realisation":
        ex = data.extra
        labels = ex["codes"]
        series = [("Kota" if len(ex["units"]) != 1 else "Rata-rata", ex["city"])]
        if focus_unit in ex["units"]:
            u = ex["units"][focus_unit]
            if u["group"]:
                gi = [gr.get(u["group"]) for gr in ex["group_rows"]]
                series.append((f"Kelompok {u['group']}", gi))
            series.append((u["name"], [u["values"].get(c) for c in labels]))
        elif len(ex["units"]) <= 6:
            series += [(u["name"], [u["values"].get(c) for c in labels]) for u in ex["units"].values()]
        else:
            series += [(g, [gr.get(g) for gr in ex["group_rows"]]) for g in ex["groups"]][:7]
        return charts.line_chart(labels, series, data.title, y_min=0, y_max=100, decimals=1)
    raise KeyError(data.key)


def _cell(value, col_name: str):
    """A table cell as the page prints it (decimal comma)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        decimals = 3 if col_name in ("IKM kota", "NRR", "Nilai konversi") else 2
        return format_id(value, decimals)
    return value


@bp.route("/dasbor")
@login_required
def dashboard():
    if current_user.role == "manager":
        data = dd.realisation(_manager_units())
        return render_template("reports/dashboard.html", code=None, codes=[], manager=True,
                               charts=[(data, _render_chart(data))], cell=_cell)
    codes = dd.period_codes()
    code = _selected_code(codes)
    items = [dd.city_trend(codes)]
    if code:
        items += [dd.categories(code), dd.changes(code), dd.above_below(code), dd.elements(code)]
    items.append(dd.realisation())
    focus = request.args.get("unit", type=int)
    rendered = [(d, _render_chart(d, focus) if d.rows else None) for d in items]
    units = sorted(((uid, u["name"]) for uid, u in items[-1].extra["units"].items()),
                   key=lambda x: x[1].lower())
    return render_template("reports/dashboard.html", code=code, codes=codes, manager=False,
                           charts=rendered, cell=_cell, label=dd.label, plan_units=units,
                           focus=focus)


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# One endpoint, two formats: CSV for Excel set to Indonesian (";" and decimal commas) and XLSX
# with numeric cells. The file name is built from the validated period code only.
@bp.route("/dasbor/<key>.csv", defaults={"fmt": "csv"})
@bp.route("/dasbor/<key>.xlsx", defaults={"fmt": "xlsx"})
@login_required
def chart_csv(key, fmt="csv"):
    if key not in dd.CHARTS:
        abort(404)
    if current_user.role == "manager":
        if key != "realisation":
            abort(403)
        code = None
        if request.args.get("period"):
            try:
                code = P.parse_period(request.args["period"]).code
            except P.BadPeriod:
                abort(404)
        data = dd.realisation(_manager_units())
    else:
        codes = dd.period_codes()
        code = _selected_code(codes)
        try:
            data = dd.chart(key, code)
        except LookupError:
            abort(404)
    name = dd.download_name(key, code, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "xlsx":
        subtitle = "" if key in dd.ALL_PERIODS or not code else f"Periode: {dd.label(code)}"
        return Response(dd.xlsx_download(data, subtitle), mimetype=XLSX_MIMETYPE, headers=headers)
    return Response(dd.csv_download(data).encode("utf-8"), mimetype="text/csv", headers=headers)


# ------------------------------------------------------------------------------------------
# Exports


def _exports():
    from jobs import exports
    return exports


@bp.route("/ekspor", methods=["GET", "POST"])
@admin_required
def exports():
    from ..results.service import period_codes_with_years
    ex = _exports()
    if request.method == "POST":
        kind = request.form.get("kind", "period")
        code = request.form.get("period", "")
        unit_id = request.form.get("unit_id", type=int)
        try:
            code = P.parse_period(code).code
        except P.BadPeriod as exc:
            flash(str(exc), "error")
            return redirect(url_for(".exports"))
        try:
            job = ex.start_export(current_app._get_current_object(), kind, code,
                                  unit_id if kind == "unit" else None, current_user.id,
                                  base_url=request.host_url)
        except ex.ExportRefused as exc:
            flash(str(exc), "error")
            if exc.existing is not None:
                return redirect(url_for(".export_status", job_id=exc.existing.id))
            return redirect(url_for(".exports"))
        return redirect(url_for(".export_status", job_id=job.id))
    codes = sorted((c for c in period_codes_with_years() if ex.period_has_results(c)),
                   key=lambda c: (-P.parse_period(c).year, P.parse_period(c).kind != "year",
                                  -P.parse_period(c).number))
    units = Unit.query.order_by(Unit.name).all()
    jobs = ExportJob.query.order_by(ExportJob.created_at.desc()).limit(30).all()
    ex.reconcile_many(current_app._get_current_object(), jobs)
    return render_template("reports/exports.html", codes=codes, units=units, jobs=jobs,
                           queue=_queue_health())


def _queue_health():
    from jobs.queue import queue_health
    return queue_health(current_app._get_current_object(), failed_limit=0)


def _job_or_404(job_id: str) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None:
        abort(404)
    return job


def _job_json(job: ExportJob) -> dict:
    return {"id": job.id, "status": job.status, "progress": job.progress,
            "message": job.message or "", "error": job.error,
            "download_url": url_for(".export_download", job_id=job.id)
            if job.status == "finished" else None,
            "retry_url": url_for(".export_retry", job_id=job.id) if job.status == "failed" else None}


@bp.route("/ekspor/<job_id>")
@admin_required
def export_status(job_id):
    job = _job_or_404(job_id)
    _exports().reconcile(current_app._get_current_object(), job)
    return render_template("reports/export_status.html", job=job, data=_job_json(job),
                           queue=_queue_health() if job.status == "queued" else None)


@bp.route("/ekspor/<job_id>/status.json")
@admin_required
def export_status_json(job_id):
    job = _job_or_404(job_id)
    _exports().reconcile(current_app._get_current_object(), job)
    response = jsonify(_job_json(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ekspor/<job_id>/ulang", methods=["POST"])
@admin_required
def export_retry(job_id):
    ex = _exports()
    job = _job_or_404(job_id)
    try:
        ex.retry_export(current_app._get_current_object(), job)
    except ex.ExportRefused as exc:
        flash(str(exc), "error")
        if exc.existing is not None:
            return redirect(url_for(".export_status", job_id=exc.existing.id))
    return redirect(url_for(".export_status", job_id=job_id))


@bp.route("/ekspor/<job_id>/unduh")
@admin_required
def export_download(job_id):
    from .annex import default_filename
    ex = _exports()
    job = _job_or_404(job_id)
    path = ex.file_of(current_app._get_current_object(), job)
    if path is None:
        abort(404)
    extension = ex.EXTENSIONS.get(job.kind, ".xlsx")
    name = (f"laporan-skm-{job.period.code}{extension}" if job.kind.startswith("report-")
            else default_filename(job.period.code, job.unit))
    return send_file(path, as_attachment=True, download_name=name, mimetype=ex.MIMETYPES[extension])
