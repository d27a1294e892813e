"""Reporting round screens: the admin opens a round and decides on submissions, a manager
submits the unit's result, and admin and inspector see who has reported."""
from __future__ import annotations

from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user

from ..auth.decorators import admin_required, login_required, roles_required
from ..domain import elements as el
from ..domain import periods as P
from ..extensions import db
from ..models import Unit
from ..models.reporting import SUBMITTED, ResultSubmission
from ..scope import can_edit_unit, can_see_unit, get_unit_or_404, visible_unit_ids
from . import service as S
from .forms import DecisionForm, RoundForm, SubmissionForm

bp = Blueprint("reporting", __name__, url_prefix="/pelaporan")


def _round_or_404(code: str):
    try:
        ref = P.parse_period(code)
    except P.BadPeriod:
        abort(404)
    rnd = S.get_round(ref.code)
    if rnd is None:
        abort(404)
    return rnd


def _messages(exc) -> list[str]:
    return exc.messages() if hasattr(exc, "messages") else [str(exc)]


def _admin_change(form, change):
    """A round form posted: only the admin may; a valid form runs ``change()``. Returns
    (the problems to show, what ``change`` returned or None)."""
    if current_user.role != "admin":
        abort(403)
    if not form.validate_on_submit():
        return [], None
    try:
        return [], change()
    except P.BadPeriod as exc:
        return [str(exc)], None
    except S.Refused as exc:
        return _messages(exc), None


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = RoundForm()
    problems = []
    if request.method == "POST":
        problems, rnd = _admin_change(form, lambda: S.open_round(
            form.period.data or "", form.deadline.data, form.instructions.data, form.numbering.data,
            current_user))
        if rnd is not None:
            flash(f"Putaran pelaporan {P.parse_period(rnd.period.code).label} dibuka; unit diberi tahu.",
                  "success")
            return redirect(url_for(".round", code=rnd.period.code))
    from ..models.reporting import ReportingRound
    rounds = ReportingRound.query.all()
    rounds.sort(key=lambda r: r.period.end_date, reverse=True)
    mine = []
    if current_user.role == "manager":
        units = Unit.query.filter(Unit.id.in_(visible_unit_ids() or {-1})).order_by(Unit.name).all()
        for rnd in rounds:
            state = S.completeness(rnd, unit_ids={u.id for u in units})
            mine.append((rnd, state.rows))
    status = 400 if problems or form.errors else 200
    return render_template("reporting/index.html", rounds=rounds, form=form, problems=problems,
                           mine=mine, labels=P), status


@bp.route("/<code>", methods=["GET", "POST"])
@roles_required("admin", "inspector")
def round(code):
    rnd = _round_or_404(code)
    form = RoundForm(obj=rnd)
    problems = []
    if request.method == "POST":
        problems, saved = _admin_change(form, lambda: S.update_round(
            rnd, form.version.data, form.deadline.data, form.instructions.data, form.numbering.data,
            form.status.data, current_user))
        if saved is not None:
            flash("Putaran pelaporan disimpan.", "success")
            return redirect(url_for(".round", code=rnd.period.code))
    done = S.completeness(rnd)
    waiting = [r.submission for r in done.rows if r.submission is not None and r.submission.status == SUBMITTED]
    status = 400 if problems or form.errors else 200
    return render_template("reporting/round.html", rnd=rnd, form=form, problems=problems, done=done,
                           waiting=waiting, label=P.parse_period(rnd.period.code).label, S=S), status


def _element_keys(numbering: str) -> list[str]:
    return list(el.numbering_keys(numbering))


@bp.route("/<code>/unit/<int:unit_id>", methods=["GET", "POST"])
@login_required
def unit(code, unit_id):
    rnd = _round_or_404(code)
    unit = get_unit_or_404(unit_id)
    form = SubmissionForm()
    if not form.is_submitted():
        form.numbering.data = rnd.numbering
    problems = []
    if request.method == "POST":
        if not can_edit_unit(unit.id):
            abort(403 if current_user.role != "manager" else 404)
        if form.validate_on_submit():
            keys = _element_keys(rnd.numbering)  # the form follows the period's element set
            data = S.SubmissionInput(
                mode=form.mode.data, numbering=form.numbering.data, file=request.files.get("file"),
                respondents=int(form.respondents.data) if form.respondents.data is not None else None,
                values={k: getattr(form, f"nrr_{k}").data for k in keys}, method=form.method.data or "",
                survey_start=form.survey_start.data, survey_end=form.survey_end.data,
                report=request.files.get("report") or None, report_link=form.report_link.data or "",
                note=form.note.data or "")
            try:
                S.submit(rnd, unit, data, current_user)
            except S.Refused as exc:
                problems += _messages(exc)
            else:
                flash("Hasil SKM terkirim; Bagian Organisasi akan memeriksanya.", "success")
                return redirect(url_for(".unit", code=rnd.period.code, unit_id=unit.id))
    history = S.submissions_of(unit.id, rnd.period_id)
    state = S.completeness(rnd, unit_ids={unit.id}).rows[0]
    status = 400 if problems or form.errors else 200
    return render_template("reporting/unit.html", rnd=rnd, unit=unit, form=form, problems=problems,
                           history=history, state=state, label=P.parse_period(rnd.period.code).label,
                           can_submit=can_edit_unit(unit.id) and rnd.status == "open",
                           form_keys=_element_keys(rnd.numbering),
                           u_code=el.u_code), status


def _submission_or_404(submission_id: int) -> ResultSubmission:
    sub = db.session.get(ResultSubmission, submission_id)
    if sub is None or not can_see_unit(sub.unit_id):
        abort(404)
    return sub


@bp.route("/kiriman/<int:submission_id>")
@login_required
def submission(submission_id):
    sub = _submission_or_404(submission_id)
    parsed = None
    try:
        units, _ = S._parse(sub.mode, sub.content, sub.filename, sub.numbering)
        parsed = units[0].result
    except S.Refused:
        parsed = None
    form = DecisionForm()
    form.version.data = sub.version
    return render_template("reporting/submission.html", sub=sub, parsed=parsed, form=form,
                           keys=_element_keys(sub.numbering), u_code=el.u_code,
                           label=P.parse_period(sub.period.code).label)


@bp.route("/kiriman/<int:submission_id>/terima", methods=["POST"])
@admin_required
def accept(submission_id):
    sub = _submission_or_404(submission_id)
    form = DecisionForm()
    try:
        S.accept(sub, form.version.data, current_user)
    except S.Refused as exc:
        for m in _messages(exc):
            flash(m, "error")
        return redirect(url_for(".submission", submission_id=sub.id)), 303
    flash(f"Hasil SKM {sub.unit.name} diterima dan menjadi hasil unit periode ini.", "success")
    return redirect(url_for(".round", code=sub.period.code))


@bp.route("/kiriman/<int:submission_id>/kembalikan", methods=["POST"])
@admin_required
def give_back(submission_id):
    sub = _submission_or_404(submission_id)
    form = DecisionForm()
    try:
        S.return_submission(sub, form.version.data, form.comment.data, current_user)
    except S.Refused as exc:
        for m in _messages(exc):
            flash(m, "error")
        return redirect(url_for(".submission", submission_id=sub.id)), 303
    flash(f"Hasil SKM {sub.unit.name} dikembalikan kepada unit.", "success")
    return redirect(url_for(".round", code=sub.period.code))


@bp.route("/kiriman/<int:submission_id>/berkas")
@login_required
def data_file(submission_id):
    import io
    sub = _submission_or_404(submission_id)
    mime = ("text/csv" if sub.filename.lower().endswith(".csv")
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return send_file(io.BytesIO(sub.content), as_attachment=True, mimetype=mime,
                     download_name=f"kiriman-{sub.id}-{sub.filename}")


@bp.route("/kiriman/<int:submission_id>/laporan")
@login_required
def report_file(submission_id):
    sub = _submission_or_404(submission_id)
    if not sub.report_path:
        abort(404)
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / sub.report_path).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=False,
                     download_name=sub.report_name or "laporan-skm.pdf")
