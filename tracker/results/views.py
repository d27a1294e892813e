"""Period recap and unit result pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import login_required
from ..domain import periods as P
from ..domain import scoring
from ..domain.elements import NUMBERING_LABELS
from ..extensions import db
from ..scope import can_see_unit, visible_unit_ids
from . import recap_kept, unit_page
from .recap import build_recap
from ..web.cache import GenerationKept, cached_page
from .service import display_numbering, period_codes_with_years

bp = Blueprint("results", __name__)
_survey_states = GenerationKept(respect_page_cache=True)  # (unit, period) -> (questionnaire id, status)


def _code_or_404(code: str) -> str:
    try:
        return P.parse_period(code).code
    except P.BadPeriod:
        abort(404)


def _numbering(code: str) -> str:
    return display_numbering(P.parse_period(code))


@bp.route("/periode/")
@login_required
def home():
    codes = period_codes_with_years()
    return render_template("results/home.html", codes=codes, P=P)


@bp.route("/periode/<code>")
@login_required
@cached_page(dated=False)
def period(code):
    """The recap, from the figures kept for the period, aggregation and scope while no result
    changed (``results.recap_kept``), else computed now and kept."""
    code = _code_or_404(code)
    weighted = request.args.get("agregasi") == "tertimbang"
    units = visible_unit_ids()
    use_kept = current_app.config.get("RECAP_KEPT", True)
    page_key = recap_kept.key(code, weighted, units, request.script_root)
    state = recap_kept.read(page_key) if use_kept else None
    doc = state.doc if state else None
    computed = doc is None
    if computed:
        recap = build_recap(code, units, weighted=weighted)
        if recap.city is None:
            abort(404)
        from .demographics import profiles
        city_profile, _ = profiles(code, units)
        # The period's row came with its results (each view's rows name it): no query for it.
        period_row = next((r.period for v in recap.views for r in v.rows if r.period.code == code), None)
        doc = recap_kept.document(recap, display_numbering(P.parse_period(code), period_row), city_profile)
    page = recap_kept.page(doc)
    from ..domain.demographics import ATTRIBUTES
    body = render_template("results/period.html", recap=page.recap, weighted=weighted,
                           numbering=page.numbering, AGG=scoring.AGGREGATION_LABELS_ID,
                           intervals=scoring.CATEGORY_INTERVALS, profile=page.profile,
                           attributes=ATTRIBUTES)
    if computed and use_kept:
        recap_kept.keep(page_key, state.count, doc)
    return body


@bp.route("/periode/<code>/unit/<int:unit_id>")
@login_required
def unit(code, unit_id):
    """A unit's results. While its online questionnaire for the period is open the page is
    rendered every time (answers arrive without advancing the page generation), with the
    answers so far; otherwise it is reused until the data changes."""
    code = _code_or_404(code)
    # Opening or closing a questionnaire is an ORM change (a new generation); its answers are
    # not, and do not change this state: it is kept per generation like the page itself.
    found = _survey_states.kept((unit_id, code))
    state = None
    if found is None:
        # One query: the unit, its questionnaire, and the page's kept figures.
        state = unit_page.state(unit_id, code, kept=_kept_pages())
        found = _GONE if state is None else (state.online_id, state.survey_status)
        _survey_states.keep((unit_id, code), found)
    if found is _GONE or not can_see_unit(unit_id):
        abort(404)
    online_id, survey_status = found
    if survey_status == "open":
        return _unit_page(code, unit_id, online_id, state, kept=False)
    return _cached_unit_page(code, unit_id, online_id, state)


_GONE = ("gone",)


def _kept_pages() -> bool:
    return current_app.config.get("UNIT_PAGE_KEPT", True)


@cached_page(dated=False)  # keyed by the request (path, user, generation)
def _cached_unit_page(code, unit_id, online_id, state):
    return _unit_page(code, unit_id, online_id, state, kept=_kept_pages())


def _unit_page(code, unit_id, online_id, state, kept: bool):
    """The page from its kept figures (``results.unit_page``), computed and kept first when
    there are none of the unit's current version. While the questionnaire is open nothing is
    kept: its figures are computed every time."""
    if state is None:
        state = unit_page.state(unit_id, code, kept=kept)
        if state is None:
            abort(404)
    doc = state.doc if kept else None
    computed = doc is None
    if computed:
        doc = unit_page.compute(code, unit_id)
        if doc is None:
            abort(404)
    page = unit_page.page(doc)
    ref = P.parse_period(code)
    online = live = None
    if online_id is not None:
        from ..models import SurveyCollection
        from ..survey.service import live as live_of
        online = db.session.get(SurveyCollection, online_id)
        live = live_of(online)
    if page.view is None:
        if online is None:
            abort(404)
        return render_template("survey/unit_live.html", unit=page.unit, code=code, label=ref.label,
                               online=online, live=live)
    from ..domain.demographics import ATTRIBUTES
    body = render_template("results/unit.html", view=page.view, unit=page.unit, code=code, label=ref.label,
                           followup=page.followup, profile=page.profile, attributes=ATTRIBUTES,
                           numbering=page.numbering, numbering_label=NUMBERING_LABELS.get(page.numbering),
                           keys=page.keys, parts=page.parts, priorities=page.view.priorities,
                           intervals=scoring.CATEGORY_INTERVALS, online=online, live=live,
                           can_plan=current_user.role in ("admin", "manager", "inspector"))
    if computed and kept:
        unit_page.keep(unit_id, code, state.version, doc)
    return body


@bp.route("/periode")
@login_required
def period_redirect():
    code = request.args.get("kode", "")
    return redirect(url_for("results.period", code=_code_or_404(code)))
