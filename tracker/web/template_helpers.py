"""Jinja filters and globals that speak the domain's language."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

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


WIB = ZoneInfo("Asia/Jakarta")


def to_wib(value: datetime) -> datetime:
    """A stored datetime (naive = UTC, as ``models._base.utcnow`` writes it) in WIB."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(WIB)


def _as_datetime(value):
    if isinstance(value, str):  # an ISO date or timestamp kept in JSON (audit details, job meta)
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def dt(value):
    """Date and time in WIB, labelled: "30-11-2026 19:05 WIB"; a plain date has no zone."""
    value = _as_datetime(value)
    if not value:
        return "-"
    if isinstance(value, datetime):
        return to_wib(value).strftime("%d-%m-%Y %H:%M") + " WIB"
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value)


def d(value):
    """A date as "30-11-2026"; a stored datetime is first taken to WIB (20:00 UTC is the
    next day in Jakarta)."""
    value = _as_datetime(value)
    if not value:
        return "-"
    if isinstance(value, datetime):
        value = to_wib(value)
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value)


NUMBERING_SHORT = {"questionnaire": "Kuesioner", "regulation": "Peraturan"}
IMPORT_KIND_LABELS = {"scores": "Hasil agregat per unit", "responses": "Jawaban per responden",
                      "rtl": "RTL", "progress": "Realisasi RTL",
                      "submission": "Kiriman unit (pelaporan) yang diterima",
                      "survey": "SKM daring yang ditutup"}


def numbering_name(code):
    """A numbering as users call it: "Kuesioner" / "Peraturan" (never the machine name)."""
    if not code:
        return "-"
    return NUMBERING_SHORT.get(code, code)


def import_kind(code):
    return IMPORT_KIND_LABELS.get(code, code or "-")


# Audit details are stored with the code's keys and values (CONTRACT: machine values); screens
# name them in Bahasa Indonesia: ``{{ k|audit_key }}`` and ``{{ v|audit_value(k, entity) }}``.
AUDIT_KEYS = {
    "unit_id": "ID unit", "period": "Periode", "status": "Status", "source": "Sumber",
    "override_elements": "Unsur prioritas yang ditetapkan", "override_reason": "Alasan penetapan",
    "return_comment": "Catatan pengembalian", "element": "Unsur", "text": "Program / kegiatan",
    "quarters": "Triwulan pelaksanaan", "owner": "Penanggung jawab", "target": "Target",
    "not_actionable": "Tidak dapat ditindaklanjuti", "carried_from_id": "Dilanjutkan dari kegiatan #",
    "action_id": "Kegiatan #", "quarter": "Triwulan", "percent": "Persentase (%)",
    "narrative": "Uraian", "evidence_name": "Berkas bukti", "evidence_link": "Tautan bukti",
    "review_comment": "Catatan pemeriksaan", "supersedes_id": "Menggantikan laporan #",
    "carried_actions": "Kegiatan yang dilanjutkan", "batch": "Impor #", "row": "Baris berkas",
    "reason": "Alasan", "from_action": "Dari kegiatan #", "from_period": "Dari periode",
    "realisation": "Realisasi (%)", "plan": "RTL", "actions": "Kegiatan", "alias": "Alias",
    "name": "Nama", "group": "Kelompok", "parent": "Unit induk", "contact": "Narahubung",
    "phone": "Telepon", "numbering": "Penomoran unsur", "plan_deadline": "Tenggat RTL",
    "progress_grace_days": "Masa tenggang laporan (hari)", "code": "Kode", "email": "Email",
    "role": "Peran", "units": "Unit", "active": "Aktif", "kept": "Unit yang dipertahankan",
}
AUDIT_SOURCES = {"web": "layar aplikasi", "import": "impor berkas", "cli": "baris perintah"}


def audit_key(key):
    return AUDIT_KEYS.get(key, key)


def audit_value(value, key=None, entity=None):
    """One stored audit value as a user reads it (statuses, elements, yes/no, numbers)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if key == "status":
        if entity == "progress_entry":
            return realisation.ENTRY_STATUS_LABELS.get(value, value)
        return PLAN_STATUS_LABELS.get(value, realisation.ENTRY_STATUS_LABELS.get(value, value))
    if key in ("element", "override_elements"):
        return element_name(value)
    if key == "source":
        return AUDIT_SOURCES.get(value, value)
    if key == "numbering":
        return numbering_name(value)
    if key == "role":
        return ROLE_LABELS.get(value, value)
    if isinstance(value, float):
        text = format_id(value, 2)
        return text.rstrip("0").rstrip(",") if "," in text else text
    return value


def survey_window(view):
    """The survey window (Periode pelaksanaan) of anything with ``survey_start`` and
    ``survey_end`` (a UnitView or a stored result): "Juli - Oktober 2023", or "-"."""
    text = format_window(getattr(view, "survey_start", None), getattr(view, "survey_end", None))
    return text or "-"


FILTERS = {"nrr_cat": scoring.nrr_category, "num": num, "pct": pct, "element_name": element_name, "element_short": element_short,
           "category_name": category_name, "u_code": u_code, "dt": dt, "d": d,
           "survey_window": survey_window, "numbering_name": numbering_name,
           "import_kind": import_kind, "audit_key": audit_key, "audit_value": audit_value}


def context():
    unread = 0
    if current_user and current_user.is_authenticated:
        from sqlalchemy.exc import SQLAlchemyError

        from ..auth.views import unread_notifications
        from ..extensions import db
        try:
            unread = unread_notifications(current_user)
        except SQLAlchemyError:  # the error page must render while the database is down
            db.session.rollback()
    return {"ROLE_LABELS": ROLE_LABELS, "PLAN_STATUS_LABELS": PLAN_STATUS_LABELS,
            "OUTCOMES": realisation.OUTCOMES, "ENTRY_STATUS_LABELS": realisation.ENTRY_STATUS_LABELS,
            "CATEGORY_NAMES": scoring.CATEGORY_NAMES, "unread_notifications": unread}
