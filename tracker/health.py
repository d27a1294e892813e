"""Liveness and readiness endpoints for the load balancer (and the benchmarks' baseline)."""
from flask import Blueprint
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    try:
        db.session.execute(text("select 1"))
    except Exception:  # the database is down or restarting
        db.session.rollback()
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}
