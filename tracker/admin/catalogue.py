"""The admin's view of the catalogue of common actions: every entry per element with its origin
and uses, reworded or hidden one at a time."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..audit import record
from ..auth.decorators import admin_required
from ..domain import elements as el
from ..extensions import db
from ..followup.catalogue import CatalogueError, edit_entry, ensure_catalogue
from ..models import CatalogueAction
from .forms import CatalogueEntryForm

bp = Blueprint("catalogue", __name__, url_prefix="/admin/katalog")


def _snapshot(entry: CatalogueAction) -> dict:
    return {"element": entry.element, "text": entry.text, "hidden": entry.hidden}


@bp.route("/")
@admin_required
def index():
    ensure_catalogue()
    element = request.args.get("unsur") or ""
    if element and element not in el.ELEMENTS:
        abort(404)
    query = CatalogueAction.query
    if element:
        query = query.filter(CatalogueAction.element == element)
    rows = query.order_by(CatalogueAction.element, CatalogueAction.hidden,
                          CatalogueAction.uses.desc(), CatalogueAction.text).all()
    groups = [(k, el.ELEMENTS[k].name, [r for r in rows if r.element == k])
              for k in el.ELEMENTS if not element or k == element]
    return render_template("admin/catalogue.html", groups=groups, element=element,
                           elements=[(k, el.ELEMENTS[k].name) for k in el.ELEMENTS])


@bp.route("/<int:entry_id>", methods=["GET", "POST"])
@admin_required
def edit(entry_id: int):
    entry = db.session.get(CatalogueAction, entry_id)
    if entry is None:
        abort(404)
    form = CatalogueEntryForm(obj=entry)
    problems = []
    if form.validate_on_submit():
        before = _snapshot(entry)
        try:
            edit_entry(entry, form.text.data, form.hidden.data)
        except CatalogueError as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            if _snapshot(entry) != before:
                record("catalogue", entry.id, "update", before=before, after=_snapshot(entry))
            db.session.commit()
            flash("Entri katalog disimpan.", "success")
            return redirect(url_for("catalogue.index", unsur=entry.element))
    status = 400 if problems or form.errors else 200
    return render_template("admin/catalogue_form.html", entry=entry, form=form, problems=problems,
                           element_name=el.ELEMENTS[entry.element].name), status
