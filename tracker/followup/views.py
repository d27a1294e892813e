"""Follow-up screens: plans (RTL), actions, progress, verification, monitoring, notifications.

Thin views: access checks (roles_required + tracker.scope), form parsing, rendering. The
workflow rules live in service.py and the numbers in rates.py."""
from __future__ import annotations

from flask import (Blueprint, abort, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from ..auth.decorators import login_required, roles_required
from ..domain import elements as el
from ..domain import periods as P
from ..domain import realisation as R
from ..extensions import db
from ..models import Action, AuditLog, CatalogueAction, Notification, Plan, ProgressEntry, Unit
from ..models.followup import PLAN_ACCEPTED, PLAN_STATUS_LABELS, PLAN_SUBMITTED
from ..results.service import get_period, period_codes_with_years, unit_views
from ..scope import can_edit_unit, can_see_unit, get_unit_or_404, visible_unit_ids
from . import forms as F
from . import rates
from . import service as S

bp = Blueprint("followup", __name__)

ALL = ("admin", "inspector", "manager")
AUDIT_EVENTS = {
    "create": "dibuat", "update": "diubah", "delete": "dihapus", "submit": "diajukan",
    "accept": "diterima", "return": "dikembalikan", "override": "unsur prioritas ditetapkan",
    "override_cleared": "penetapan unsur prioritas dibatalkan", "carry_over": "dilanjutkan dari periode sebelumnya",
    "verify": "diverifikasi", "reject": "ditolak", "resubmit": "diajukan ulang",
    "import": "diimpor", "replaced_by_import": "diganti oleh impor",
    "not_actionable": "ditandai tidak dapat ditindaklanjuti", "actionable": "ditandai dapat ditindaklanjuti",
    "schedule": "dijadwalkan",
}
ENTITY_LABELS = {"plan": "RTL", "action": "Kegiatan", "progress_entry": "Laporan kemajuan"}


@bp.app_context_processor
def _labels():
    return {"AUDIT_EVENTS": AUDIT_EVENTS, "ENTITY_LABELS": ENTITY_LABELS}


# --------------------------------------------------------------------------- lookups

def _code_or_404(code: str) -> str:
    try:
        return P.parse_period(code).code
    except P.BadPeriod:
        abort(404)


def _plan_or_404(plan_id: int, edit: bool = False) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or not can_see_unit(plan.unit_id) or (edit and not can_edit_unit(plan.unit_id)):
        abort(404)
    return plan


def _action_or_404(action_id: int, edit: bool = False) -> Action:
    action = db.session.get(Action, action_id)
    if action is None:
        abort(404)
    _plan_or_404(action.plan_id, edit)
    return action


def _entry_or_404(entry_id: int, edit: bool = False) -> ProgressEntry:
    entry = db.session.get(ProgressEntry, entry_id)
    if entry is None:
        abort(404)
    _action_or_404(entry.action_id, edit)
    return entry


def _stale_or_message(exc: S.WorkflowError) -> str:
    if isinstance(exc, S.StaleError):
        abort(409, description=exc.message)
    return exc.message


def _form_errors(form) -> list[str]:
    return [m for errs in form.errors.values() for m in errs]


# --------------------------------------------------------------------------- plans list

@bp.route("/rtl/")
@login_required
def plans():
    from ..monitoring.queries import default_code, monitoring_codes
    codes = sorted(set(period_codes_with_years()) | set(monitoring_codes()),
                   key=lambda c: (P.parse_period(c).end, P.parse_period(c).kind == "year"), reverse=True)
    code = request.args.get("period") or default_code(codes)
    if code:
        try:
            code = P.parse_period(code).code
        except P.BadPeriod:
            abort(404)
    ids = visible_unit_ids()
    rows = []
    if code:
        from .status import plan_figures
        views = {v.unit.id: v for v in unit_views(code, ids)}
        figures = plan_figures(P.parse_period(code), unit_ids=ids)
        unit_ids = set(views) | set(figures)
        from ..results.service import has_results
        if has_results(code):  # the unit standing for the city plans on the city's results
            city = Unit.query.filter(Unit.is_city.is_(True))
            unit_ids |= {u.id for u in (city if ids is None else city.filter(Unit.id.in_(ids or {-1})))}
        units = {u.id: u for u in Unit.query.filter(Unit.id.in_(unit_ids or {-1})).all()}
        for uid in sorted(unit_ids, key=lambda i: units[i].name.lower()):
            v = views.get(uid)
            f = figures.get(uid)
            plan = f.plans[0] if f and not f.gathered else None
            derived = (S.derived_priorities(units[uid], code) if units[uid].is_city
                       else list(v.priorities) if v else [])
            rows.append({"unit": units[uid], "view": v, "plan": plan, "figures": f,
                         "priorities": S.effective_priorities(plan, derived),
                         "overridden": bool(plan and plan.override_elements)})
    rejected = []
    waiting = []
    if current_user.role == "manager":
        q = (ProgressEntry.query.join(Action).join(Plan)
             .filter(ProgressEntry.status == R.REJECTED, Plan.unit_id.in_(ids or {-1}))
             .order_by(ProgressEntry.reviewed_at.desc()))
        done = {e.supersedes_id for e in ProgressEntry.query.join(Action).join(Plan)
                .filter(Plan.unit_id.in_(ids or {-1}), ProgressEntry.supersedes_id.isnot(None))}
        rejected = [e for e in q.all() if e.id not in done]
    overdue = []
    if current_user.role == "manager":
        mine = rates.load_plans([p.id for p in rates.periods_with_plans()], ids)
        overdue = sorted(rates.overdue_actions(mine), key=lambda t: (t[1][0], t[0].plan.unit.name))
    if current_user.role == "admin":
        waiting = (Plan.query.filter_by(status=PLAN_SUBMITTED).order_by(Plan.submitted_at).all())
    return render_template("followup/plans.html", codes=codes, code=code, rows=rows,
                           rejected=rejected, waiting=waiting, overdue=overdue)


# --------------------------------------------------------------------------- plan page

def _action_form(plan: S.Plan | None, priorities: list[str], catalogue, action: Action | None = None,
                 formdata=None):
    form = F.ActionForm(formdata=formdata) if formdata is not None else F.ActionForm()
    elements = S.period_elements(plan.period) if plan else list(el.CURRENT_KEYS)
    if action is not None and action.element not in elements:
        elements.append(action.element)
    ordered = [k for k in priorities if k in elements] + [k for k in elements if k not in priorities]
    form.element.choices = [(k, el.ELEMENTS[k].name + (" (prioritas)" if k in priorities else ""))
                            for k in ordered]
    groups = []
    for k in ordered:
        items = catalogue.get(k) or []
        if items:
            groups.append((el.ELEMENTS[k].name, [(str(c.id), c.text) for c in items]))
    form.catalogue.choices = [("", "- tulis sendiri -")] + [c for _, items in groups for c in items]
    form.catalogue_groups = groups  # rendered with <optgroup> per element by the template
    if plan is not None:
        form.quarters.choices = [(q, P.parse_quarter(q).label) for q in S.quarter_choices(plan, action)]
    return form


def _plan_context(unit: Unit, code: str):
    period = get_period(code)
    plan = S.get_plan(unit.id, period)
    views = unit_views(code, {unit.id})
    view = views[0] if views else None
    derived_values = S.derived_values(unit, code)  # the city's lowest elements for the city's unit
    derived = list(derived_values)
    priorities = S.effective_priorities(plan, derived)
    elements = S.period_elements(period)
    S.ensure_catalogue()
    catalogue = S.catalogue_for(elements)
    return period, plan, view, derived_values, priorities, elements, catalogue


def _render_plan(unit: Unit, code: str, status: int = 200, errors=None, action_form=None,
                 override_form=None, return_form=None):
    period, plan, view, derived_values, priorities, elements, catalogue = _plan_context(unit, code)
    derived = list(derived_values)
    rate = rates.plan_rate(plan) if plan else None
    states = {a.id: rates.action_state(a) for a in plan.actions} if plan else {}
    claimed = {a.id: R.claimed_progress(rates.entries_of(a)) for a in plan.actions} if plan else {}
    overdue = {a.id: rates.action_overdue(a) for a in plan.actions} if plan else {}
    grouped = []
    if plan:
        seen = []
        for k in priorities + [a.element for a in plan.actions]:
            if k not in seen:
                seen.append(k)
        for k in seen:
            grouped.append((k, k in priorities, [a for a in plan.actions if a.element == k]))
    else:
        grouped = [(k, True, []) for k in priorities]
    if action_form is None and plan is not None:
        action_form = _action_form(plan, priorities, catalogue)
        action_form.quarters.data = []
    if override_form is None:
        override_form = F.OverrideForm()
        override_form.elements.data = list(plan.override_elements or []) if plan else list(derived)
    override_form.elements.choices = [(k, el.ELEMENTS[k].name) for k in elements]
    if plan is not None:
        override_form.version.data = plan.version
    return_form = return_form or F.ReturnForm()
    if plan is not None:
        return_form.version.data = plan.version
    ref = P.parse_period(code)
    # The previous period's realisation by the same rule as `skm summary` and the annex (a year
    # without a plan of its own gathers its semesters' plans).
    from .status import plan_figures
    prev_ref = ref.previous()
    prev_figures = plan_figures(prev_ref, unit_ids={unit.id}).get(unit.id)
    prev_plans = prev_figures.plans if prev_figures else []
    prev_rate = prev_figures.status if prev_figures and prev_figures.accepted else None
    next_ref = ref.next()
    next_plan = S.get_plan(unit.id, get_period(next_ref.code))
    can_edit = bool(plan and can_edit_unit(unit.id) and plan.status in S.EDITABLE)
    unit_trend = sorted(((p.period, rates.plan_rate(p)) for p in Plan.query.filter_by(unit_id=unit.id)),
                        key=lambda t: (t[0].start_date, t[0].end_date))
    from ..survey.service import for_unit_period, reasons as survey_reasons
    online = for_unit_period(unit.id, code)
    return render_template(
        "followup/plan.html", unit=unit, code=code, ref=ref, period=period, plan=plan, view=view,
        online=online, reasons=survey_reasons(online) if online is not None else {},
        derived_values=derived_values,
        derived=derived, priorities=priorities, grouped=grouped, rate=rate, states=states,
        claimed=claimed, overdue=overdue, action_form=action_form, override_form=override_form,
        return_form=return_form, clear_form=F.ClearOverrideForm(), version_form=F.VersionForm(),
        can_edit=can_edit, can_create=plan is None and can_edit_unit(unit.id) and bool(derived),
        uncovered=S.uncovered_priorities(plan) if plan and plan.status in S.EDITABLE else [],
        prev_ref=prev_ref, prev_plans=prev_plans, prev_rate=prev_rate, next_ref=next_ref,
        next_plan=next_plan, errors=errors or [], catalogue=catalogue, unit_trend=unit_trend,
        window=[P.parse_quarter(q) for q in S.plan_window(code)]), status


@bp.route("/rtl/<code>/unit/<int:unit_id>")
@login_required
def plan(code, unit_id):
    code = _code_or_404(code)
    unit = get_unit_or_404(unit_id)
    return _render_plan(unit, code)


@bp.route("/rtl/<code>/unit/<int:unit_id>/buat", methods=["POST"])
@roles_required("manager")
def plan_create(code, unit_id):
    code = _code_or_404(code)
    unit = get_unit_or_404(unit_id)
    if not can_edit_unit(unit.id):
        abort(404)
    form = F.VersionForm()
    if not form.validate_on_submit():
        return _render_plan(unit, code, 400, _form_errors(form))
    if not S.derived_priorities(unit, code):
        return _render_plan(unit, code, 400, ["Unit ini belum memiliki hasil SKM untuk periode ini."])
    try:
        plan = S.create_plan(unit, code, current_user)
    except S.WorkflowError as exc:
        return _render_plan(unit, code, 400, [_stale_or_message(exc)])
    carried = [a for a in plan.actions if a.carried_from_id]
    flash("RTL dibuat." + (f" {len(carried)} kegiatan yang belum selesai dilanjutkan dari periode "
                          "sebelumnya." if carried else ""), "success")
    return redirect(url_for(".plan", code=code, unit_id=unit.id))


@bp.route("/rtl/<code>/unit/<int:unit_id>/prioritas", methods=["POST"])
@roles_required("admin")
def override(code, unit_id):
    code = _code_or_404(code)
    unit = get_unit_or_404(unit_id)
    form = F.OverrideForm()
    form.elements.choices = [(k, k) for k in el.ELEMENTS]
    if not form.validate_on_submit():
        return _render_plan(unit, code, 400, _form_errors(form), override_form=form)
    plan = S.get_plan(unit.id, get_period(code))
    try:
        S.override_priorities(unit, code, plan, form.version.data, form.elements.data, form.reason.data,
                              current_user)
    except S.WorkflowError as exc:
        return _render_plan(unit, code, 400, [_stale_or_message(exc)], override_form=form)
    flash("Unsur prioritas ditetapkan dan alasannya dicatat.", "success")
    return redirect(url_for(".plan", code=code, unit_id=unit.id))


@bp.route("/rtl/rencana/<int:plan_id>/prioritas/batal", methods=["POST"])
@roles_required("admin")
def override_clear(plan_id):
    plan = _plan_or_404(plan_id)
    form = F.ClearOverrideForm()
    code, unit = plan.period.code, plan.unit
    if not form.validate_on_submit():
        return _render_plan(unit, code, 400, _form_errors(form))
    try:
        S.clear_override(plan, form.version.data, form.reason.data, current_user)
    except S.WorkflowError as exc:
        return _render_plan(unit, code, 400, [_stale_or_message(exc)])
    flash("Penetapan unsur prioritas dibatalkan; unsur prioritas kembali ke hasil perhitungan.", "success")
    return redirect(url_for(".plan", code=code, unit_id=unit.id))


def _action_input(form, catalogue_ids=True) -> S.ActionInput:
    text = (form.text.data or "").strip()
    if not text and form.catalogue.data:
        try:
            item = db.session.get(CatalogueAction, int(form.catalogue.data))
        except (TypeError, ValueError):
            item = None
        if item is not None:
            text = item.text
    return S.ActionInput(element=form.element.data or "", text=text,
                         quarters=list(form.quarters.data or []), owner=form.owner.data,
                         target=form.target.data)


@bp.route("/rtl/rencana/<int:plan_id>/kegiatan", methods=["POST"])
@roles_required("manager")
def action_add(plan_id):
    plan = _plan_or_404(plan_id, edit=True)
    code, unit = plan.period.code, plan.unit
    _, _, _, _, priorities, _, catalogue = _plan_context(unit, code)
    form = _action_form(plan, priorities, catalogue, formdata=request.form)
    if not form.validate_on_submit():
        return _render_plan(unit, code, 400, _form_errors(form), action_form=form)
    try:
        S.add_action(plan, _action_input(form), current_user)
    except S.WorkflowError as exc:
        return _render_plan(unit, code, 400, [_stale_or_message(exc)], action_form=form)
    flash("Kegiatan ditambahkan.", "success")
    return redirect(url_for(".plan", code=code, unit_id=unit.id))


@bp.route("/rtl/rencana/<int:plan_id>/ajukan", methods=["POST"])
@roles_required("manager")
def plan_submit(plan_id):
    plan = _plan_or_404(plan_id, edit=True)
    return _transition(plan, S.submit_plan, "RTL diajukan kepada Bagian Organisasi.")


@bp.route("/rtl/rencana/<int:plan_id>/terima", methods=["POST"])
@roles_required("admin")
def plan_accept(plan_id):
    plan = _plan_or_404(plan_id)
    return _transition(plan, S.accept_plan, "RTL diterima.")


def _transition(plan, fn, message):
    code, unit = plan.period.code, plan.unit
    form = F.VersionForm()
    if not form.validate_on_submit():
        return _render_plan(unit, code, 400, _form_errors(form))
    try:
        fn(plan, form.version.data, current_user)
    except S.WorkflowError as exc:
        return _render_plan(unit, code, 400, [_stale_or_message(exc)])
    flash(message, "success")
    return redirect(url_for(".plan", code=code, unit_id=unit.id))


@bp.route("/rtl/rencana/<int:plan_id>/kembalikan", methods=["POST"])
@roles_required("admin")
def plan_return(plan_id):
    plan = _plan_or_404(plan_id)
    code, unit = plan.period.code, plan.unit
    form = F.ReturnForm()
    if not form.validate_on_submit():
        return _render_plan(unit, code, 400, _form_errors(form), return_form=form)
    try:
        S.return_plan(plan, form.version.data, form.comment.data, current_user)
    except S.WorkflowError as exc:
        return _render_plan(unit, code, 400, [_stale_or_message(exc)], return_form=form)
    flash("RTL dikembalikan kepada unit dengan catatan.", "success")
    return redirect(url_for(".plan", code=code, unit_id=unit.id))


# --------------------------------------------------------------------------- action page

def _render_action(action: Action, status: int = 200, errors=None, progress_form=None):
    plan = action.plan
    unit = plan.unit
    entries = list(action.entries)
    superseded = {e.supersedes_id: e for e in entries if e.supersedes_id}
    state = rates.action_state(action)
    claimed = R.claimed_progress(rates.entries_of(action))
    chain = S.chain_of(action)
    chain_rows = [{"action": a, "state": rates.action_state(a), "plan": a.plan,
                   "visible": can_see_unit(a.plan.unit_id)} for a in chain]
    can_log = (can_edit_unit(unit.id) and plan.status == PLAN_ACCEPTED and not action.not_actionable)
    if progress_form is None and can_log:
        progress_form = F.ProgressForm()
    if progress_form is not None:
        progress_form.quarter.choices = [(q, P.parse_quarter(q).label) for q in S.progress_quarters(action)]
    review_forms = {}
    if current_user.role == "inspector":
        for e in entries:
            if e.status == R.SUBMITTED:
                f = F.ReviewForm(formdata=None)
                f.version.data = e.version
                review_forms[e.id] = f
    audit = []
    if current_user.role in ("admin", "inspector"):
        ids = [e.id for e in entries]
        audit = (AuditLog.query.filter(or_(
            (AuditLog.entity == "action") & (AuditLog.entity_id == action.id),
            (AuditLog.entity == "progress_entry") & (AuditLog.entity_id.in_(ids or [-1]))))
            .order_by(AuditLog.at, AuditLog.id).all())
    na_form = F.NotActionableForm()
    na_form.version.data = action.version
    na_form.flag.data = "0" if action.not_actionable else "1"
    return render_template(
        "followup/action.html", action=action, plan=plan, unit=unit, entries=entries,
        superseded=superseded, state=state, claimed=claimed, chain_rows=chain_rows,
        overdue=rates.action_overdue(action), can_log=can_log, progress_form=progress_form,
        review_forms=review_forms, audit=audit, errors=errors or [], na_form=na_form,
        can_manage=can_edit_unit(unit.id), version_form=F.VersionForm()), status


@bp.route("/rtl/kegiatan/<int:action_id>")
@login_required
def action(action_id):
    return _render_action(_action_or_404(action_id))


@bp.route("/rtl/kegiatan/<int:action_id>/ubah", methods=["GET", "POST"])
@roles_required("manager")
def action_edit(action_id):
    action = _action_or_404(action_id, edit=True)
    plan = action.plan
    code, unit = plan.period.code, plan.unit
    _, _, _, _, priorities, _, catalogue = _plan_context(unit, code)
    errors, status = [], 200
    if request.method == "POST":
        form = _action_form(plan, priorities, catalogue, action, formdata=request.form)
        if form.validate_on_submit():
            try:
                S.update_action(action, form.version.data, _action_input(form), current_user)
                flash("Kegiatan disimpan.", "success")
                return redirect(url_for(".plan", code=code, unit_id=unit.id))
            except S.WorkflowError as exc:
                errors, status = [_stale_or_message(exc)], exc.status
        else:
            errors, status = _form_errors(form), 400
    else:
        form = _action_form(plan, priorities, catalogue, action)
        form.element.data = action.element
        form.text.data = action.text
        form.quarters.data = list(action.quarters or [])
        form.owner.data = action.owner
        form.target.data = action.target
        form.version.data = action.version
        if plan.status not in S.EDITABLE:
            errors = [f"RTL berstatus {PLAN_STATUS_LABELS[plan.status]}; kegiatan tidak dapat diubah."]
    return render_template("followup/action_edit.html", action=action, plan=plan, unit=unit,
                           form=form, errors=errors, version_form=F.VersionForm(),
                           editable=plan.status in S.EDITABLE), status


@bp.route("/rtl/kegiatan/<int:action_id>/hapus", methods=["POST"])
@roles_required("manager")
def action_delete(action_id):
    action = _action_or_404(action_id, edit=True)
    plan = action.plan
    code, unit = plan.period.code, plan.unit
    form = F.VersionForm()
    if not form.validate_on_submit():
        return _render_plan(unit, code, 400, _form_errors(form))
    try:
        S.delete_action(action, form.version.data, current_user)
    except S.WorkflowError as exc:
        return _render_plan(unit, code, exc.status, [_stale_or_message(exc)])
    flash("Kegiatan dihapus (tercatat di jejak audit).", "success")
    return redirect(url_for(".plan", code=code, unit_id=unit.id))


@bp.route("/rtl/kegiatan/<int:action_id>/tidak-dapat", methods=["POST"])
@roles_required("admin")
def action_not_actionable(action_id):
    action = _action_or_404(action_id)
    form = F.NotActionableForm()
    if not form.validate_on_submit():
        return _render_action(action, 400, _form_errors(form))
    try:
        S.set_not_actionable(action, form.version.data, form.flag.data == "1", form.reason.data, current_user)
    except S.WorkflowError as exc:
        return _render_action(action, 400, [_stale_or_message(exc)])
    flash("Status kegiatan diubah.", "success")
    return redirect(url_for(".action", action_id=action.id))


def _progress_input(form) -> S.ProgressInput:
    return S.ProgressInput(quarter=form.quarter.data or "", percent=form.percent.data,
                           narrative=form.narrative.data or "", file=form.evidence.data,
                           link=form.link.data, keep_evidence=bool(form.keep_evidence.data))


@bp.route("/rtl/kegiatan/<int:action_id>/kemajuan", methods=["POST"])
@roles_required("manager")
def progress_add(action_id):
    action = _action_or_404(action_id, edit=True)
    form = F.ProgressForm()
    form.quarter.choices = [(q, q) for q in S.progress_quarters(action)]
    if not form.validate_on_submit():
        return _render_action(action, 400, _form_errors(form), progress_form=form)
    try:
        S.log_progress(action, _progress_input(form), current_user)
    except S.WorkflowError as exc:
        return _render_action(action, 400, [_stale_or_message(exc)], progress_form=form)
    flash("Laporan kemajuan dikirim dan menunggu verifikasi Inspektorat.", "success")
    return redirect(url_for(".action", action_id=action.id))


@bp.route("/rtl/laporan/<int:entry_id>/ajukan-ulang", methods=["GET", "POST"])
@roles_required("manager")
def entry_resubmit(entry_id):
    entry = _entry_or_404(entry_id, edit=True)
    action = entry.action
    form = F.ProgressForm()
    form.quarter.choices = [(q, P.parse_quarter(q).label) for q in S.progress_quarters(action)]
    errors, status = [], 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                S.log_progress(action, _progress_input(form), current_user, supersedes=entry,
                               supersedes_version=form.version.data)
                flash("Laporan diajukan ulang dan menunggu verifikasi.", "success")
                return redirect(url_for(".action", action_id=action.id))
            except S.WorkflowError as exc:
                errors, status = [_stale_or_message(exc)], exc.status
        else:
            errors, status = _form_errors(form), 400
    else:
        if entry.status != R.REJECTED:
            errors = ["Hanya laporan yang ditolak yang dapat diajukan ulang."]
        form.quarter.data = entry.quarter
        form.percent.data = entry.percent
        form.narrative.data = entry.narrative
        form.link.data = entry.evidence_link
        form.keep_evidence.data = bool(entry.evidence_path)
        form.version.data = entry.version
    return render_template("followup/resubmit.html", entry=entry, action=action, form=form,
                           errors=errors), status


@bp.route("/rtl/laporan/<int:entry_id>/periksa", methods=["POST"])
@roles_required("inspector")
def entry_review(entry_id):
    entry = _entry_or_404(entry_id)
    form = F.ReviewForm()
    back = request.form.get("next") == "queue"
    if not form.validate_on_submit():
        if back:
            return _render_queue(400, _form_errors(form))
        return _render_action(entry.action, 400, _form_errors(form))
    try:
        S.review_entry(entry, form.version.data, form.decision.data, form.comment.data, current_user)
    except S.WorkflowError as exc:
        msg = _stale_or_message(exc)
        if back:
            return _render_queue(400, [msg])
        return _render_action(entry.action, 400, [msg])
    flash("Laporan diverifikasi." if form.decision.data == R.VERIFIED else "Laporan ditolak.", "success")
    if back:
        return redirect(url_for(".review_queue"))
    return redirect(url_for(".action", action_id=entry.action_id))


@bp.route("/rtl/laporan/<int:entry_id>/bukti")
@login_required
def evidence(entry_id):
    entry = _entry_or_404(entry_id)
    path = S.evidence_file(entry)
    if path is None:
        abort(404)
    resp = send_file(path, mimetype=entry.evidence_mime or "application/octet-stream",
                     as_attachment=True, download_name=entry.evidence_name or path.name,
                     max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.app_template_global("evidence_preview_kind")
def _evidence_preview_kind(entry):
    """How the review screen shows a report's stored file (evidence.preview_kind)."""
    from .evidence import preview_kind
    return preview_kind(entry)


@bp.route("/rtl/laporan/<int:entry_id>/pratinjau")
@login_required
def evidence_preview(entry_id):
    """The stored file inline (PDF and images only, with its own sandboxing headers); any other
    type is sent on to the download."""
    from .evidence import inline_response
    entry = _entry_or_404(entry_id)
    resp = inline_response(entry)
    if resp is not None:
        return resp
    if S.evidence_file(entry) is None:
        abort(404)
    return redirect(url_for(".evidence", entry_id=entry.id), 303)


@bp.route("/rtl/<code>/unit/<int:unit_id>/bukti.zip")
@login_required
def evidence_zip(code, unit_id):
    """One zip of the unit's evidence for the period, with daftar_bukti.csv."""
    from . import evidence as EV
    code = _code_or_404(code)
    unit = get_unit_or_404(unit_id)
    found = EV.collect(unit, code)
    if found is None:
        abort(404)
    try:
        return EV.zip_response(found)
    except EV.TooLarge as exc:
        return render_template("error.html", code=409, message=exc.message), 409


# --------------------------------------------------------------------------- inspector

def _render_queue(status=200, errors=None):
    entries = (ProgressEntry.query.filter(ProgressEntry.status == R.SUBMITTED)
               .options(selectinload(ProgressEntry.action).selectinload(Action.plan))
               .order_by(ProgressEntry.submitted_at, ProgressEntry.id).all())
    forms = {}
    if current_user.role == "inspector":
        for e in entries:
            f = F.ReviewForm(formdata=None)
            f.version.data = e.version
            forms[e.id] = f
    return render_template("followup/review_queue.html", entries=entries, forms=forms,
                           errors=errors or []), status


@bp.route("/rtl/verifikasi")
@roles_required("inspector", "admin")
def review_queue():
    return _render_queue()


@bp.route("/rtl/audit/unit/<int:unit_id>")
@roles_required("inspector", "admin")
def audit_unit(unit_id):
    unit = get_unit_or_404(unit_id)
    rows = (AuditLog.query.filter(AuditLog.unit_id == unit.id,
                                  AuditLog.entity.in_(list(ENTITY_LABELS)))
            .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(1000).all())
    return render_template("followup/audit.html", unit=unit, rows=rows)


@bp.route("/rtl/belum-dijadwalkan", methods=["GET", "POST"])
@roles_required(*ALL)
def unscheduled():
    """Unscheduled actions ("belum dijadwalkan") of accepted or imported plans in the user's
    scope; ``?kegiatan=<id>`` shows one, and a POST there schedules it (its unit's manager or
    the admin; the service decides and audits)."""
    focus = request.args.get("kegiatan", type=int)
    action = _action_or_404(focus) if focus is not None else None
    errors, status, posted = [], 200, None
    if request.method == "POST":
        if current_user.role not in ("admin", "manager"):
            abort(403)
        if action is None:
            abort(404)
        form = F.ScheduleForm()
        posted = list(form.quarters.data or [])
        if form.validate_on_submit():
            try:
                S.schedule_action(action, form.version.data, posted, current_user)
                flash("Kegiatan dijadwalkan (tercatat di jejak audit).", "success")
                return redirect(url_for(".unscheduled"))
            except S.WorkflowError as exc:
                errors, status = [_stale_or_message(exc)], exc.status
        else:
            errors, status = _form_errors(form), 400
    rows = [{"action": a, "plan": a.plan, "can_schedule": S.may_schedule(a, current_user),
             "choices": [P.parse_quarter(q) for q in S.quarter_choices(a.plan, a)]}
            for a in S.unscheduled_actions(visible_unit_ids(), focus)]
    return render_template("followup/unscheduled.html", rows=rows, focus=focus, errors=errors,
                           posted=posted, version_form=F.VersionForm()), status


# --------------------------------------------------------------------------- notifications

@bp.route("/notifikasi")
@login_required
def notifications():
    rows = (Notification.query.filter_by(user_id=current_user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(200).all())
    return render_template("followup/notifications.html", rows=rows, form=F.VersionForm())


@bp.route("/notifikasi/<int:notification_id>/baca", methods=["POST"])
@login_required
def notification_read(notification_id):
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    form = F.VersionForm()
    if not form.validate_on_submit():
        abort(400)
    S.mark_read(current_user, row.id)
    return redirect(url_for(".notifications"))


@bp.route("/notifikasi/baca-semua", methods=["POST"])
@login_required
def notifications_read_all():
    form = F.VersionForm()
    if not form.validate_on_submit():
        abort(400)
    S.mark_read(current_user)
    flash("Semua notifikasi ditandai sudah dibaca.", "success")
    return redirect(url_for(".notifications"))
