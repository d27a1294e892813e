"""/ : each role's home page, built around its open tasks."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from ..auth.decorators import login_required
from ..followup.status import today_wib
from ..monitoring.queries import monitoring_choice
from ..scope import visible_unit_ids
from ..web.cache import cached_page
from . import queries as Q

bp = Blueprint("home", __name__)

ROLE_TITLES = {"manager": "Tugas unit Anda", "inspector": "Tugas Inspektorat",
               "admin": "Tugas Bagian Organisasi"}


@bp.route("/")
@login_required
@cached_page(dated=True)
def index():
    today = today_wib()
    imports = exports = ()
    if current_user.role == "manager":
        units = visible_unit_ids()
        tasks = Q.manager_tasks(units, today, url_for)
    elif current_user.role == "inspector":
        tasks = Q.inspector_tasks(today, url_for, monitoring_choice()[1])
    else:
        tasks, imports, exports = Q.admin_tasks(today, url_for)
    return render_template("home/index.html", tasks=tasks, title=ROLE_TITLES[current_user.role],
                           open_count=sum(t.count for t in tasks), imports=imports, exports=exports,
                           today=today)
