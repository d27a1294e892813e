"""/rtl/pemantauan: parse the filters, build the screen (queries.py), render."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ..auth.decorators import roles_required
from ..domain import periods as P
from ..domain import realisation as R
from ..followup.status import today_wib
from ..models.followup import PLAN_STATUS_LABELS
from ..web.cache import cached_page
from . import queries as Q

bp = Blueprint("monitoring", __name__)


@bp.route("/rtl/pemantauan")
@roles_required("inspector", "admin")
@cached_page(dated=True)
def index():
    args = request.args
    code = args.get("period") or None
    codes, default = Q.monitoring_choice()
    if code:
        try:
            code = P.parse_period(code).code
        except P.BadPeriod:
            abort(404)
    else:
        code = default
    try:
        parent = int(args.get("induk") or 0) or None
    except ValueError:
        abort(404)
    sort = args.get("urut") if args.get("urut") in Q.SORTS else "realisasi"
    finding = args.get("outcome") or ""
    today = today_wib()
    m = Q.build(code, today, group=args.get("group") or "", parent=parent,
                status_filter=args.get("status") or "", finding=finding, sort=sort,
                codes=codes)
    filtered = bool(args.get("group") or parent or args.get("status") or finding in Q.FINDINGS)
    return render_template("monitoring/index.html", m=m, code=m.code, today=today, sort=sort,
                           sorts=Q.SORTS, findings=Q.FINDINGS, finding=finding,
                           cell_words=Q.CELL_WORDS, bands=R.BANDS, filtered=filtered,
                           plan_labels=PLAN_STATUS_LABELS, args=args, parent=parent,
                           label=(lambda c: P.parse_period(c).label),
                           kind_word={"year": "tahunan", "semester": "semesteran", "quarter": "triwulanan"}[
                               P.parse_period(m.code).kind] if m.code else "",
                           next_label=P.parse_period(m.code).next().label if m.code else "")
