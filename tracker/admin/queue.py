"""The admin's view of the job queue: live workers, waiting, running and failed jobs (RQ in
Redis), and the export jobs as the database records them."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from jobs.queue import queue_health

from ..auth.decorators import admin_required
from ..models import ExportJob

bp = Blueprint("queue", __name__, url_prefix="/admin/antrean")

STATE_LABELS = {"idle": "Menunggu tugas", "busy": "Mengerjakan tugas", "started": "Mulai",
                "suspended": "Ditangguhkan"}


@bp.route("/")
@admin_required
def index():
    health = queue_health(current_app._get_current_object())
    waiting = (ExportJob.query.filter(ExportJob.status.in_(("queued", "running")))
               .order_by(ExportJob.created_at).limit(50).all())
    return render_template("admin/queue.html", queue=health, exports=waiting, states=STATE_LABELS)
