"""Admin screens: users, units (identity, aliases, merging duplicates) and period settings."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit import record
from ..auth.decorators import admin_required
from ..domain.periods import BadPeriod, parse_period
from ..extensions import db
from ..models import (AuditLog, ExportJob, ImportBatch, Notification, Period, Plan, ResponseBlock, Unit,
                      UnitResult, User, user_units)
from ..models.survey import UnitAlias, name_key
from ..results.service import ACTIVE, ensure_period
from ..users import validate
from .forms import MergeUnitsForm, NewPeriodForm, PeriodSettingsForm, UnitAliasForm, UnitForm, UserForm

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
        if user is not None and user.role == "admin" and user.active and \
                (form.role.data != "admin" or not form.active.data) and \
                User.query.filter(User.role == "admin", User.active.is_(True), User.id != user.id).count() == 0:
            problems.append("Admin aktif terakhir tidak dapat dinonaktifkan atau diganti perannya; "
                            "tetapkan admin lain lebih dulu.")
        if not problems:
            before = _user_snapshot(user) if user else None
            if user is None:
                user = User(email=form.email.data.strip().lower(), role=form.role.data)
                db.session.add(user)
            user.email = form.email.data.strip().lower()
            user.name = form.name.data or None
            user.role = form.role.data
            if user.active and not form.active.data:
                user.end_sessions()  # a deactivated user is signed out everywhere
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
            "contact": unit.contact, "phone": unit.phone, "is_city": bool(unit.is_city)}


@bp.route("/unit")
@admin_required
def units():
    rows = Unit.query.options(selectinload(Unit.aliases)).order_by(Unit.group, Unit.name).all()
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
        alias_clash = UnitAlias.query.filter(UnitAlias.name_key == name_key(name),
                                             UnitAlias.unit_id != unit.id).first()
        if alias_clash:
            problems.append(f"Nama unit sudah dipakai sebagai alias unit {alias_clash.unit.name}.")
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
            for alias in [a for a in unit.aliases if a.name_key == unit.name_key]:
                unit.aliases.remove(alias)  # the alias became the unit's own name
            unit.group = (form.group.data or "").strip() or None
            unit.parent = parent
            unit.contact = (form.contact.data or "").strip() or None
            unit.phone = (form.phone.data or "").strip() or None
            if form.is_city.data and not unit.is_city:
                for other in Unit.query.filter(Unit.is_city.is_(True), Unit.id != unit.id):
                    other.is_city = False  # one unit stands for the city
            unit.is_city = bool(form.is_city.data)
            record("unit", unit.id, "update", unit_id=unit.id, before=before, after=_unit_snapshot(unit))
            db.session.commit()
            flash(f"Unit {unit.name} disimpan.", "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit, problems=problems,
                           alias_form=UnitAliasForm(formdata=None)), \
        (400 if problems or form.errors else 200)


# --------------------------------------------------------------------------- unit aliases

def _alias_problems(unit: Unit, name: str) -> list[str]:
    """Why ``name`` cannot become an alias of ``unit`` (empty when it can)."""
    if not name:
        return ["Nama alias wajib diisi."]
    if len(name) > 255:
        return ["Nama alias paling banyak 255 karakter."]
    key = name_key(name)
    if key == unit.name_key:
        return [f"'{name}' sudah merupakan nama unit ini."]
    other = Unit.query.filter(Unit.name_key == key).first()
    if other is not None:
        return [f"'{name}' sudah menjadi nama unit lain ({other.name}); gunakan Gabungkan unit "
                "bila keduanya unit yang sama."]
    alias = UnitAlias.query.filter(UnitAlias.name_key == key).first()
    if alias is not None:
        owner = "unit ini" if alias.unit_id == unit.id else f"unit {alias.unit.name}"
        return [f"'{name}' sudah menjadi alias {owner}."]
    return []


def _unit_page(unit: Unit, problems: list[str], alias_form: UnitAliasForm, status: int):
    form = UnitForm(formdata=None, obj=unit)
    others = Unit.query.filter(Unit.id != unit.id).order_by(Unit.name).all()
    form.parent_id.choices = [(0, "-- tidak ada --")] + [(u.id, u.name) for u in others]
    form.parent_id.data = unit.parent_id or 0
    return render_template("admin/unit_form.html", form=form, unit=unit, problems=problems,
                           alias_form=alias_form), status


@bp.route("/unit/<int:unit_id>/alias", methods=["POST"])
@admin_required
def unit_aliases(unit_id):
    """Add an alias (``name``) to the unit, or remove one of its aliases (``remove_id``)."""
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitAliasForm()
    if not form.validate_on_submit():
        return _unit_page(unit, [], form, 400)
    if form.remove_id.data:
        try:
            alias_id = int(form.remove_id.data)
        except ValueError:
            abort(404)
        alias = db.session.get(UnitAlias, alias_id)
        if alias is None or alias.unit_id != unit.id:
            abort(404)
        record("unit", unit.id, "alias_remove", unit_id=unit.id, before={"alias": alias.name},
               after={"aliases": [a.name for a in unit.aliases if a is not alias]})
        unit.aliases.remove(alias)
        db.session.commit()
        flash(f"Alias '{alias.name}' dihapus dari unit {unit.name}.", "success")
        return redirect(url_for("admin.edit_unit", unit_id=unit.id))
    name = " ".join((form.name.data or "").split())
    problems = _alias_problems(unit, name)
    if problems:
        return _unit_page(unit, problems, form, 400)
    unit.aliases.append(UnitAlias(name=name, name_key=name_key(name)))
    record("unit", unit.id, "alias_add", unit_id=unit.id, after={"alias": name})
    try:
        db.session.commit()
    except IntegrityError:  # the same alias was added at the same moment
        db.session.rollback()
        return _unit_page(unit, [f"'{name}' sudah menjadi alias unit lain."], form, 409)
    flash(f"Alias '{name}' ditambahkan ke unit {unit.name}; impor dengan nama ini masuk ke unit ini.",
          "success")
    return redirect(url_for("admin.edit_unit", unit_id=unit.id))


# --------------------------------------------------------------------------- merging units

class MergeRefused(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _shared_periods(model, dup: Unit, keep: Unit, active_only: bool = False) -> list[str]:
    """Codes of the periods in which both units have a row of ``model`` (UnitResult or Plan)."""
    q = (select(Period.code).join(model, model.period_id == Period.id)
         .where(model.unit_id.in_((dup.id, keep.id))))
    if active_only:
        q = q.join(ImportBatch, ImportBatch.id == model.batch_id).where(*ACTIVE)
    q = (q.group_by(Period.id, Period.code).having(func.count(func.distinct(model.unit_id)) > 1)
         .order_by(Period.code))
    return list(db.session.execute(q).scalars())


def merge_conflicts(dup: Unit, keep: Unit) -> list[str]:
    """Why ``dup`` cannot be merged into ``keep``: both have a result (in the active import) or
    a plan for the same period, and one of them would have to be thrown away."""
    problems = []
    results = _shared_periods(UnitResult, dup, keep, active_only=True)
    if results:
        problems.append(
            f"Unit {dup.name} dan {keep.name} sama-sama memiliki hasil survei periode "
            f"{', '.join(results)}; penggabungan dibatalkan dan tidak ada yang diubah. Ganti dulu "
            "impor periode tersebut dengan berkas yang memuat satu baris untuk unit ini.")
    plans = _shared_periods(Plan, dup, keep)
    if plans:
        problems.append(
            f"Unit {dup.name} dan {keep.name} sama-sama memiliki RTL periode {', '.join(plans)}; "
            "penggabungan dibatalkan dan tidak ada yang diubah. Satukan dulu kegiatan kedua RTL "
            "tersebut dalam satu RTL.")
    return problems


def _unit_link_pattern(unit_id: int) -> re.Pattern:
    return re.compile(rf"/unit/{unit_id}(?=$|[/?#])")


def _linked_notifications(unit_id: int) -> list[Notification]:
    pattern = _unit_link_pattern(unit_id)
    rows = Notification.query.filter(Notification.link.like(f"%/unit/{unit_id}%")).all()
    return [n for n in rows if pattern.search(n.link or "")]


def merge_preview(dup: Unit, keep: Unit) -> dict:
    """What merging ``dup`` into ``keep`` moves (shown before the admin confirms, and kept in
    the audit trail)."""
    results = db.session.execute(
        select(Period.code, ImportBatch.status).join(UnitResult, UnitResult.period_id == Period.id)
        .join(ImportBatch, ImportBatch.id == UnitResult.batch_id)
        .where(UnitResult.unit_id == dup.id).order_by(Period.code, ImportBatch.id)).all()
    plans = db.session.execute(select(Period.code).join(Plan, Plan.period_id == Period.id)
                               .where(Plan.unit_id == dup.id).order_by(Period.code)).scalars()
    managers = db.session.execute(select(User.email).join(user_units, user_units.c.user_id == User.id)
                                  .where(user_units.c.unit_id == dup.id).order_by(User.email)).scalars()
    children = db.session.execute(select(Unit.name).where(Unit.parent_id == dup.id, Unit.id != keep.id)
                                  .order_by(Unit.name)).scalars()
    count = lambda model: db.session.execute(  # noqa: E731
        select(func.count()).select_from(model).where(model.unit_id == dup.id)).scalar()
    return {
        "results": [code if status == "active" else f"{code} (arsip)" for code, status in results],
        "responses": db.session.execute(select(func.coalesce(func.sum(ResponseBlock.respondents), 0))
                                        .where(ResponseBlock.unit_id == dup.id)).scalar(),
        "plans": list(plans),
        "managers": list(managers),
        "children": list(children),
        "aliases": [a.name for a in dup.aliases],
        "audit_entries": count(AuditLog),
        "export_jobs": count(ExportJob),
        "notifications": len(_linked_notifications(dup.id)),
        "new_alias": dup.name,
    }


def merge_units_into(dup: Unit, keep: Unit) -> dict:
    """Move everything of ``dup`` to ``keep``, make ``dup``'s name an alias of ``keep`` and
    delete ``dup``, in the current transaction (the caller commits). Raises MergeRefused, having
    changed nothing, when both units have a result or a plan for the same period."""
    # Lock both units: a concurrent import or plan that refers to them waits for this merge
    # (and then fails on the deleted duplicate instead of slipping past the checks below).
    Unit.query.filter(Unit.id.in_((dup.id, keep.id))).with_for_update().populate_existing().all()
    problems = merge_conflicts(dup, keep)
    if problems:
        raise MergeRefused(problems)
    moved = merge_preview(dup, keep)
    before = {"duplicate": dict(_unit_snapshot(dup), id=dup.id, aliases=[a.name for a in dup.aliases]),
              "keep": dict(_unit_snapshot(keep), id=keep.id, aliases=[a.name for a in keep.aliases])}

    for model in (UnitResult, ResponseBlock, AuditLog, ExportJob):
        db.session.execute(update(model).where(model.unit_id == dup.id).values(unit_id=keep.id)
                           .execution_options(synchronize_session=False))
    for plan in Plan.query.filter(Plan.unit_id == dup.id).all():
        plan.unit = keep  # through the ORM: the plan's version moves on
    if keep.parent_id == dup.id:
        keep.parent = dup.parent
    db.session.execute(update(Unit).where(Unit.parent_id == dup.id, Unit.id != keep.id)
                       .values(parent_id=keep.id).execution_options(synchronize_session=False))
    already = select(user_units.c.user_id).where(user_units.c.unit_id == keep.id)
    db.session.execute(insert(user_units).from_select(
        ["user_id", "unit_id"],
        select(user_units.c.user_id, literal(keep.id)).where(user_units.c.unit_id == dup.id,
                                                              user_units.c.user_id.not_in(already))))
    db.session.execute(delete(user_units).where(user_units.c.unit_id == dup.id))
    pattern = _unit_link_pattern(dup.id)
    for note in _linked_notifications(dup.id):
        note.link = pattern.sub(f"/unit/{keep.id}", note.link)
    for alias in list(dup.aliases):
        alias.unit = keep
    db.session.flush()
    if UnitAlias.query.filter(UnitAlias.name_key == dup.name_key).first() is None:
        keep.aliases.append(UnitAlias(name=dup.name, name_key=dup.name_key))
    db.session.delete(dup)
    db.session.flush()
    db.session.expire_all()  # bulk updates above bypassed the objects in the session
    record("unit", keep.id, "merge", unit_id=keep.id, before=before, after=dict(moved, kept=keep.name))
    return moved


@bp.route("/unit/gabung", methods=["GET", "POST"])
@admin_required
def merge_units():
    """Gabungkan unit: pick the duplicate and the unit to keep, see what moves, confirm."""
    form = MergeUnitsForm()
    choices = [(u.id, u.name) for u in Unit.query.order_by(Unit.name).all()]
    form.duplicate_id.choices = [(0, "-- pilih unit duplikat --")] + choices
    form.keep_id.choices = [(0, "-- pilih unit yang dipertahankan --")] + choices
    if not form.is_submitted():
        form.duplicate_id.data = request.args.get("duplikat", type=int) or 0
        form.keep_id.data = request.args.get("tetap", type=int) or 0
        return render_template("admin/unit_merge.html", form=form, problems=[], preview=None)
    problems, preview, dup, keep = [], None, None, None
    if form.validate_on_submit():
        dup = db.session.get(Unit, form.duplicate_id.data) if form.duplicate_id.data else None
        keep = db.session.get(Unit, form.keep_id.data) if form.keep_id.data else None
        if dup is None or keep is None:
            problems.append("Pilih unit duplikat dan unit yang dipertahankan.")
        elif dup.id == keep.id:
            problems.append("Unit duplikat dan unit yang dipertahankan harus berbeda.")
        elif form.confirm.data == "1":
            names = (dup.name, keep.name)
            try:
                moved = merge_units_into(dup, keep)
                db.session.commit()
            except MergeRefused as exc:
                db.session.rollback()
                problems = exc.problems
            else:
                flash(f"Unit {names[0]} digabungkan ke {names[1]}: {len(moved['results'])} hasil survei, "
                      f"{len(moved['plans'])} RTL dan {len(moved['managers'])} pengelola dipindahkan; "
                      f"'{names[0]}' kini alias {names[1]}.", "success")
                return redirect(url_for("admin.edit_unit", unit_id=keep.id))
        else:
            problems = merge_conflicts(dup, keep)
            if not problems:
                preview = merge_preview(dup, keep)
                form.confirm.data = "1"
    if preview is None:
        form.confirm.data = ""  # back to choosing: a confirmation is only given on the preview
    status = 400 if problems or form.errors else 200
    return render_template("admin/unit_merge.html", form=form, problems=problems, preview=preview,
                           dup=dup, keep=keep), status
