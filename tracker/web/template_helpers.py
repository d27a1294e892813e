"""Jinja filters and globals that speak the domain's language."""
from __future__ import annotations

from flask_login import current_user

from ..domain import elements as el
from ..domain import realisation, scoring
from ..domain.dates import format_window
from ..domain.numbers import format_id
from ..models.followup import PLAN_STATUS_LABELS
from ..models.system import ROLE_LABELS


def num(value, decimals=2):
    return format_id(value, decimals)


def pct(value, decimals=2):
    return "-" if value is None else format_id(value, decimals) + "%"


def element_name(key):
    return el.ELEMENTS[key].name if key in el.ELEMENTS else key


def element_short(key):
    return el.ELEMENTS[key].short if key in el.ELEMENTS else key


def category_name(code):
    return scoring.CATEGORY_NAMES.get(code, "-")


def u_code(key, numbering="questionnaire"):
    try:
        return el.u_code(key, numbering or "questionnaire")
    except (ValueError, KeyError):
        return key


def dt(value):
    return value.strftime("%d-%m-%Y %H:%M") if value else "-"


def d(value):
    return value.strftime("%d-%m-%Y") if value else "-"


def survey_window(view):
    """The survey window (Periode pelaksanaan) of anything with ``survey_start`` and
    ``survey_end`` (a UnitView or a stored result): "Juli - Oktober 2023", or "-"."""
    text = format_window(getattr(view, "survey_start", None), getattr(view, "survey_end", None))
    return text or "-"


FILTERS = {"nrr_cat": scoring.nrr_category, "num": num, "pct": pct, "element_name": element_name, "element_short": element_short,
           "category_name": category_name, "u_code": u_code, "dt": dt, "d": d,
           "survey_window": survey_window}


def context():
    unread = 0
    if current_user and current_user.is_authenticated:
        from sqlalchemy.exc import SQLAlchemyError

        from ..extensions import db
        from ..models import Notification
        try:
            unread = Notification.query.filter_by(user_id=current_user.id, read_at=None).count()
        except SQLAlchemyError:  # the error page must render while the database is down
            db.session.rollback()
    return {"ROLE_LABELS": ROLE_LABELS, "PLAN_STATUS_LABELS": PLAN_STATUS_LABELS,
            "OUTCOMES": realisation.OUTCOMES, "ENTRY_STATUS_LABELS": realisation.ENTRY_STATUS_LABELS,
            "CATEGORY_NAMES": scoring.CATEGORY_NAMES, "unread_notifications": unread}
