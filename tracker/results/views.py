"""Period recap and unit result pages."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.decorators import login_required
from ..domain import periods as P
from ..domain import scoring
from ..domain.elements import CURRENT_KEYS, NUMBERING_LABELS
from ..extensions import db
from ..models import Unit
from ..scope import can_see_unit, visible_unit_ids
from .recap import build_recap
from ..web.cache import GenerationKept, cached_page
from .service import display_numbering, period_codes_with_years

bp = Blueprint("results", __name__)
_survey_states = GenerationKept(respect_page_cache=True)  # (unit, period) -> unit_survey_state


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
    code = _code_or_404(code)
    weighted = request.args.get("agregasi") == "tertimbang"
    recap = build_recap(code, visible_unit_ids(), weighted=weighted)
    if recap.city is None:
        abort(404)
    from ..domain.demographics import ATTRIBUTES
    from .demographics import profiles
    city_profile, _ = profiles(code, visible_unit_ids())
    # The period's row came with its results (each view's rows name it): no query for it.
    period_row = next((r.period for v in recap.views for r in v.rows if r.period.code == code), None)
    return render_template("results/period.html", recap=recap, weighted=weighted,
                           numbering=display_numbering(P.parse_period(code), period_row), AGG=scoring.AGGREGATION_LABELS_ID,
                           intervals=scoring.CATEGORY_INTERVALS, profile=city_profile,
                           attributes=ATTRIBUTES)


@bp.route("/periode/<code>/unit/<int:unit_id>")
@login_required
def unit(code, unit_id):
    """A unit's results. While its online questionnaire for the period is open the page is
    rendered every time (answers arrive without advancing the page generation), with the
    answers so far; otherwise it is reused until the data changes."""
    code = _code_or_404(code)
    from ..survey.service import unit_survey_state
    # Opening or closing a questionnaire is an ORM change (a new generation); its answers are
    # not, and do not change this state: it is kept per generation like the page itself.
    exists, online_id, survey_status = _survey_states.get((unit_id, code),
                                                          lambda: unit_survey_state(unit_id, code))
    if not exists or not can_see_unit(unit_id):
        abort(404)
    if survey_status == "open":
        return _unit_page(code, unit_id, online_id)
    return _cached_unit_page(code, unit_id, online_id)


@cached_page(dated=False)  # keyed by the request (path, user, generation)
def _cached_unit_page(code, unit_id, online_id):
    return _unit_page(code, unit_id, online_id)


def _unit_page(code, unit_id, online_id):
    ref = P.parse_period(code)
    from .service import views_for_codes
    # This period, the one before and the one after (the follow-up of both), in one load; the
    # unit comes with its results (then without a query of its own).
    loaded = views_for_codes([ref.previous().code, ref.code, ref.next().code], {unit_id})
    unit = db.session.get(Unit, unit_id)
    online = live = None
    if online_id is not None:
        from ..models import SurveyCollection
        from ..survey.service import live as live_of
        online = db.session.get(SurveyCollection, online_id)
        live = live_of(online)
    views = loaded[ref.code]
    if not views:
        if online is None:
            abort(404)
        return render_template("survey/unit_live.html", unit=unit, code=code, label=ref.label,
                               online=online, live=live)
    view = views[0]
    numbering = display_numbering(ref, next((r.period for r in view.rows if r.period.code == ref.code), None))
    parts = [(P.parse_period(part.code), part) for part in view.parts]
    keys = [k for k in CURRENT_KEYS if k in view.result.nrrs] + \
           [k for k in view.result.nrrs if k not in CURRENT_KEYS]
    from ..domain.elements import numbering_keys
    u_order = [k for k in numbering_keys(numbering) if k in view.result.nrrs] + \
              [k for k in keys if k not in numbering_keys(numbering)]
    from ..followup.status import period_status, plan_figures_many, unit_effects
    followup = []
    # The plans answering this period and the one before, with their actions, in two queries.
    figures = plan_figures_many([ref.previous(), ref], unit_ids={unit.id})
    for answered in (ref.previous(), ref):
        st = period_status(answered.code, unit_ids={unit.id}, loaded=loaded, figures=figures[answered.code])
        own = next((u for u in st.units if u.unit.id == unit.id and u.plans), None)
        if own is not None:
            followup.append((answered, answered.next(), own, unit_effects(own)))
    from ..domain.demographics import ATTRIBUTES
    from .demographics import profiles
    _, by_unit = profiles(code, {unit.id})
    return render_template("results/unit.html", view=view, unit=unit, code=code, label=ref.label,
                           followup=followup, profile=by_unit.get(unit.id), attributes=ATTRIBUTES,
                           numbering=numbering, numbering_label=NUMBERING_LABELS.get(numbering),
                           keys=u_order, parts=parts, priorities=view.priorities,
                           intervals=scoring.CATEGORY_INTERVALS, online=online, live=live,
                           can_plan=current_user.role in ("admin", "manager", "inspector"))


@bp.route("/periode")
@login_required
def period_redirect():
    code = request.args.get("kode", "")
    return redirect(url_for("results.period", code=_code_or_404(code)))
