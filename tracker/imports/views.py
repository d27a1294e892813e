"""Admin upload page: the same imports and messages as the command line."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from ..auth.decorators import admin_required
from ..extensions import db
from ..models import ImportBatch
from .forms import UploadForm
from .readers import ImportRejected

bp = Blueprint("imports", __name__, url_prefix="/impor")

ALLOWED = (".csv", ".xlsx", ".xlsm")


def _importer(kind):
    from ..followup.rtl_import import import_rtl
    from .service import import_responses, import_scores
    return {"scores": import_scores, "responses": import_responses, "rtl": import_rtl}[kind]


@bp.route("/", methods=["GET", "POST"])
@admin_required
def upload():
    from flask_login import current_user
    form = UploadForm()
    errors, lines, status = [], [], 200
    if form.validate_on_submit():
        storage = form.file.data
        name = storage.filename or "upload"
        if not name.lower().endswith(ALLOWED):
            errors = ["Jenis berkas tidak didukung; unggah .csv atau .xlsx."]
            status = 400
        else:
            try:
                report = _importer(form.kind.data)(
                    storage.read(), name, form.period.data.strip(), form.numbering.data,
                    user=current_user, replace=form.replace.data, create_units=form.create_units.data)
                lines = report.lines()
            except ImportRejected as exc:
                errors = [f"{name}: {m}" for m in exc.messages()]
                status = 400
    elif form.errors:
        status = 400
    batches = ImportBatch.query.order_by(ImportBatch.id.desc()).limit(50).all()
    return render_template("imports/upload.html", form=form, errors=errors, lines=lines,
                           batches=batches), status


@bp.route("/<int:batch_id>/berkas")
@admin_required
def download(batch_id):
    """The original file of any batch, replaced ones included."""
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    return Response(batch.content, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="impor-{batch.id}-{batch.kind}'
                                                    f'{".xlsx" if batch.filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"}"'})
