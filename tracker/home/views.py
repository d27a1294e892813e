"""/ : each role's home page, built around its open tasks."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import login_required
from ..followup.status import today_wib
from ..monitoring.queries import monitoring_choice
from ..scope import visible_unit_ids
from ..web.cache import cached_page
from . import kept
from . import queries as Q

bp = Blueprint("home", __name__)

ROLE_TITLES = {"manager": "Tugas unit Anda", "inspector": "Tugas Inspektorat",
               "admin": "Tugas Bagian Organisasi"}


@bp.route("/")
@login_required
@cached_page(dated=True)
def index():
    """The role's open tasks, from those kept for its role, scope and day while nothing in
    the city has changed (``home.kept``), else computed now and kept."""
    today = today_wib()
    role = current_user.role
    units = visible_unit_ids() if role == "manager" else None
    use_kept = current_app.config.get("HOME_KEPT", True)
    page_key = kept.key(role, units, request.script_root)
    state = kept.read(page_key, today) if use_kept else None
    tasks = state.tasks if state else None
    computed = tasks is None
    if computed:
        tasks = _tasks(role, units, today)
    imports = exports = ()
    if role == "admin":
        imports, exports = Q.recent_imports_and_exports()
    body = render_template("home/index.html", tasks=tasks, title=ROLE_TITLES[role],
                           open_count=sum(t.count for t in tasks), imports=imports, exports=exports,
                           today=today)
    if computed and use_kept:
        kept.keep(page_key, today, state.count, tasks)
    return body


def _tasks(role: str, units, today):
    if role == "manager":
        return Q.manager_tasks(units, today, url_for)
    if role == "inspector":
        return Q.inspector_tasks(today, url_for, monitoring_choice()[1])
    return Q.admin_tasks(today, url_for)
