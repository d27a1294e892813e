"""Admin upload page: the same imports and messages as the command line."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file

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


@bp.url_value_preprocessor
def _import_size_limit(endpoint, values):
    """Respondent-level files run to millions of rows: the upload page takes larger files than
    evidence forms do (set before anything reads the form, CSRF included)."""
    if endpoint == "imports.upload":
        request.max_content_length = current_app.config["IMPORT_MAX_CONTENT_LENGTH"]


def _spooled_to_disk(storage) -> str:
    """The upload written to a temporary file in chunks, so a respondent file is read from
    disk by the importer rather than held in memory whole."""
    root = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=f"incoming-{secrets.token_hex(4)}-", suffix=".part", dir=root)
    with os.fdopen(fd, "wb") as out:
        storage.save(out)
    return path


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
            spooled = _spooled_to_disk(storage) if form.kind.data == "responses" else None
            try:
                report = _importer(form.kind.data)(
                    spooled or storage.read(), name, form.period.data.strip(), form.numbering.data,
                    user=current_user, replace=form.replace.data, create_units=form.create_units.data)
                lines = report.lines()
            except ImportRejected as exc:
                errors = [f"{name}: {m}" for m in exc.messages()]
                status = 400
            finally:
                if spooled:
                    os.unlink(spooled)
    elif form.errors:
        status = 400
    batches = ImportBatch.query.order_by(ImportBatch.id.desc()).limit(50).all()
    return render_template("imports/upload.html", form=form, errors=errors, lines=lines,
                           batches=batches), status


@bp.route("/<int:batch_id>/berkas")
@admin_required
def download(batch_id):
    """The original file of any batch, replaced ones included."""
    from .service import original_file
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    name = (f"impor-{batch.id}-{batch.kind}"
            f"{'.xlsx' if batch.filename.lower().endswith(('.xlsx', '.xlsm')) else '.csv'}")
    if batch.content_path:
        path = original_file(batch) or abort(404)
        return send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=name)
    return Response(batch.content, mimetype="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
