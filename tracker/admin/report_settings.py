"""The admin's settings of the generated report: its text blocks (for every period or one),
the city's annual IKM from before the system, and the order of unit groups."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..audit import record
from ..auth.decorators import admin_required
from ..domain import periods as P
from ..extensions import db
from ..models import GroupOrder, HistoricalIkm, Unit
from ..reports.texts import BLOCKS, save_text, texts_for
from ..web.fields import DecimalCommaField, IndonesianForm, WholeNumberField

bp = Blueprint("report_settings", __name__, url_prefix="/admin/laporan")


class TextsForm(IndonesianForm):
    pass


for _block in BLOCKS:
    setattr(TextsForm, _block.key, TextAreaField(_block.label, validators=[Optional(), Length(max=20000)]))


class HistoryForm(IndonesianForm):
    year = WholeNumberField("Tahun", validators=[InputRequired("Tahun wajib diisi."),
                                                 NumberRange(2000, 2100, "Tahun antara 2000 dan 2100.")])
    ikm = DecimalCommaField("IKM kota (25-100)", validators=[InputRequired("IKM wajib diisi."),
                                                            NumberRange(25, 100, "IKM antara 25 dan 100.")])
    units = WholeNumberField("Jumlah unit", validators=[Optional(), NumberRange(1, 100000, "Jumlah unit tidak wajar.")])
    source = StringField("Sumber (laporan, halaman)", validators=[InputRequired("Sumber wajib diisi."),
                                                                  Length(max=255)])


class GroupOrderForm(IndonesianForm):
    order = TextAreaField("Urutan kelompok (satu per baris)", validators=[Optional(), Length(max=20000)])


def _period_code() -> str:
    code = (request.values.get("periode") or "").strip()
    if not code:
        return ""
    try:
        return P.parse_period(code).code
    except P.BadPeriod:
        abort(404)


@bp.route("/teks", methods=["GET", "POST"])
@admin_required
def texts():
    code = _period_code()
    current = texts_for(code) if code else texts_for("")
    form = TextsForm(data=current)
    if form.validate_on_submit():
        changed = {}
        for block in BLOCKS:
            value = getattr(form, block.key).data or ""
            if value.replace("\r\n", "\n").strip() != current[block.key].strip():
                save_text(block.key, code, value, current_user)
                changed[block.key] = value[:200]
        if changed:
            record("report_text", 0, "update", after={"period": code or "semua", **changed})
        db.session.commit()
        flash("Teks laporan disimpan." if changed else "Tidak ada perubahan.", "success")
        return redirect(url_for(".texts", periode=code or None))
    return render_template("admin/report_texts.html", form=form, blocks=BLOCKS, code=code)


@bp.route("/riwayat", methods=["GET", "POST"])
@admin_required
def history():
    form = HistoryForm()
    if form.validate_on_submit():
        year = int(form.year.data)
        row = HistoricalIkm.query.filter_by(year=year).first()
        before = {"ikm": row.ikm, "source": row.source} if row else None
        if row is None:
            row = HistoricalIkm(year=year, ikm=form.ikm.data, source="", created_by_id=current_user.id)
            db.session.add(row)
        row.ikm, row.source = float(form.ikm.data), form.source.data.strip()
        row.units = int(form.units.data) if form.units.data is not None else None
        db.session.flush()
        record("historical_ikm", row.id, "update" if before else "create", before=before,
               after={"year": year, "ikm": row.ikm, "source": row.source})
        db.session.commit()
        flash(f"IKM kota tahun {year} disimpan.", "success")
        return redirect(url_for(".history"))
    rows = HistoricalIkm.query.order_by(HistoricalIkm.year).all()
    return render_template("admin/report_history.html", form=form, rows=rows), (400 if form.errors else 200)


@bp.route("/riwayat/<int:row_id>/hapus", methods=["POST"])
@admin_required
def history_delete(row_id: int):
    row = db.session.get(HistoricalIkm, row_id) or abort(404)
    if not TextsForm().validate_on_submit():  # the CSRF token
        abort(400)
    record("historical_ikm", row.id, "delete", before={"year": row.year, "ikm": row.ikm, "source": row.source})
    db.session.delete(row)
    db.session.commit()
    flash(f"IKM kota tahun {row.year} dihapus.", "success")
    return redirect(url_for(".history"))


@bp.route("/urutan", methods=["GET", "POST"])
@admin_required
def group_order():
    groups = sorted({g for (g,) in db.session.query(Unit.group).distinct() if g})
    placed = [g.name for g in GroupOrder.query.order_by(GroupOrder.position).all()]
    form = GroupOrderForm(data={"order": "\n".join(placed + [g for g in groups if g not in placed])})
    problems = []
    if form.validate_on_submit():
        names = [line.strip() for line in (form.order.data or "").splitlines() if line.strip()]
        unknown = [n for n in names if n not in groups]
        twice = sorted({n for n in names if names.count(n) > 1})
        if unknown:
            problems.append("Kelompok tidak dikenal: " + ", ".join(unknown) + ".")
        if twice:
            problems.append("Kelompok disebut lebih dari sekali: " + ", ".join(twice) + ".")
        if not problems:
            GroupOrder.query.delete()
            for position, name in enumerate(names):
                db.session.add(GroupOrder(name=name, position=position))
            record("group_order", 0, "update", before={"order": placed}, after={"order": names})
            db.session.commit()
            flash("Urutan kelompok disimpan.", "success")
            return redirect(url_for(".group_order"))
    return render_template("admin/group_order.html", form=form, groups=groups, problems=problems), \
        (400 if problems or form.errors else 200)
