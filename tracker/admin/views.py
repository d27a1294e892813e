"""Admin screens: users and period settings (deadlines)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..audit import record
from ..auth.decorators import admin_required
from ..domain.periods import BadPeriod, parse_period
from ..extensions import db
from ..models import Period, Unit, User
from ..models.survey import name_key
from ..results.service import ensure_period
from ..users import validate
from .forms import NewPeriodForm, PeriodSettingsForm, UnitForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_snapshot(user: User) -> dict:
    return {"email": user.email, "role": user.role, "active": user.active,
            "units": sorted(u.name for u in user.units)}


@bp.route("/pengguna")
@admin_required
def users():
    rows = User.query.order_by(User.role, User.email).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id=None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    form.units.choices = [(u.id, u.name) for u in Unit.query.order_by(Unit.name).all()]
    if user is not None and not form.is_submitted():
        form.units.data = [u.id for u in user.units]
    problems = []
    if form.validate_on_submit():
        units = Unit.query.filter(Unit.id.in_(form.units.data or [-1])).all()
        password = form.password.data or None
        if user is None and not password:
            problems.append("Kata sandi wajib diisi untuk pengguna baru.")
        problems += validate(form.email.data, password, form.role.data, units, existing=user)
        if not problems:
            before = _user_snapshot(user) if user else None
            if user is None:
                user = User(email=form.email.data.strip().lower(), role=form.role.data)
                db.session.add(user)
            user.email = form.email.data.strip().lower()
            user.name = form.name.data or None
            user.role = form.role.data
            user.active = form.active.data
            user.units = units if form.role.data == "manager" else []
            if password:
                user.set_password(password)
            db.session.flush()
            record("user", user.id, "update" if before else "create", before=before,
                   after=_user_snapshot(user))
            db.session.commit()
            flash(f"Pengguna {user.email} disimpan.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, problems=problems), \
        (400 if problems or form.errors else 200)


@bp.route("/periode", methods=["GET", "POST"])
@admin_required
def periods():
    form = NewPeriodForm()
    if form.validate_on_submit():
        try:
            code = parse_period(form.code.data).code
        except BadPeriod as exc:
            form.code.errors.append(str(exc))
        else:
            if Period.query.filter_by(code=code).first():
                flash(f"Periode {code} sudah ada.", "error")
            else:
                period = ensure_period(code, "questionnaire")
                record("period", period.id, "create", after={"code": code})
                db.session.commit()
                flash(f"Periode {code} dibuka.", "success")
                return redirect(url_for("admin.period_settings", period_id=period.id))
    rows = Period.query.order_by(Period.year.desc(), Period.kind, Period.number.desc()).all()
    return render_template("admin/periods.html", periods=rows, form=form)


@bp.route("/periode/<int:period_id>", methods=["GET", "POST"])
@admin_required
def period_settings(period_id):
    period = db.session.get(Period, period_id) or abort(404)
    form = PeriodSettingsForm(obj=period)
    if form.validate_on_submit():
        before = {"plan_deadline": str(period.plan_deadline), "progress_grace_days": period.progress_grace_days,
                  "numbering": period.numbering, "status": period.status}
        period.plan_deadline = form.plan_deadline.data
        period.progress_grace_days = form.progress_grace_days.data
        period.numbering = form.numbering.data
        period.status = form.status.data
        record("period", period.id, "update", before=before,
               after={"plan_deadline": str(period.plan_deadline), "progress_grace_days": period.progress_grace_days,
                      "numbering": period.numbering, "status": period.status})
        db.session.commit()
        flash("Pengaturan periode disimpan.", "success")
        return redirect(url_for("admin.periods"))
    return render_template("admin/period_form.html", form=form, period=period)


def _unit_snapshot(unit: Unit) -> dict:
    return {"name": unit.name, "group": unit.group, "parent": unit.parent.name if unit.parent else None,
            "contact": unit.contact, "phone": unit.phone}


@bp.route("/unit")
@admin_required
def units():
    rows = Unit.query.order_by(Unit.group, Unit.name).all()
    return render_template("admin/units.html", units=rows)


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def edit_unit(unit_id):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm(obj=unit)
    others = Unit.query.filter(Unit.id != unit.id).order_by(Unit.name).all()
    form.parent_id.choices = [(0, "-- tidak ada --")] + [(u.id, u.name) for u in others]
    if not form.is_submitted():
        form.parent_id.data = unit.parent_id or 0
    problems = []
    if form.validate_on_submit():
        name = " ".join(form.name.data.split())
        clash = Unit.query.filter(Unit.name_key == name_key(name), Unit.id != unit.id).first()
        if clash:
            problems.append(f"Nama unit sudah dipakai oleh unit lain ({clash.name}).")
        parent = db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None
        ancestor = parent
        while ancestor is not None:  # a unit may not end up under itself
            if ancestor.id == unit.id:
                problems.append("Unit induk tidak boleh unit ini sendiri atau unit di bawahnya.")
                break
            ancestor = ancestor.parent
        if not problems:
            before = _unit_snapshot(unit)
            unit.name, unit.name_key = name, name_key(name)
            unit.group = (form.group.data or "").strip() or None
            unit.parent = parent
            unit.contact = (form.contact.data or "").strip() or None
            unit.phone = (form.phone.data or "").strip() or None
            record("unit", unit.id, "update", unit_id=unit.id, before=before, after=_unit_snapshot(unit))
            db.session.commit()
            flash(f"Unit {unit.name} disimpan.", "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit, problems=problems), \
        (400 if problems or form.errors else 200)
