"""The JSON API's routes under ``/api/v1``: thin views over the services (tracker.api.service
for reads, tracker.followup.progress for the progress report), each request acting as its
bearer token's user (tracker.api.auth)."""
from __future__ import annotations

import re

from flask import g
from flask_smorest import Blueprint
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..followup.progress import ProgressInput, log_progress
from ..followup.workflow import StaleError, WorkflowError
from ..models import ProgressEntry
from ..scope import can_edit_unit
from . import auth, service
from . import schemas as S

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="SKM results, follow-up plans (RTL), their status and progress reports.")

CODE_PARAM = {
    "in": "path", "name": "code", "required": True,
    "description": "Period code: `YYYY`, `YYYY-S1`/`S2` or `YYYY-Q1`..`Q4`.",
    "schema": {"type": "string", "pattern": r"^\d{4}(-([Ss][12]|[Qq][1-4]))?$", "example": "2021-S1"},
}
ACTION_PARAM = {"in": "path", "name": "action_id", "required": True, "description": "Action id.",
                "schema": {"type": "integer", "minimum": 1, "maximum": S.MAX_ID, "example": 1}}

ID = re.compile(r"[0-9]{1,10}")

MESSAGES = {
    400: "Permintaan tidak valid.",
    401: auth.MESSAGES["missing"],
    403: "Anda tidak berhak melakukan tindakan ini.",
    404: "Data tidak ditemukan.",
    405: "Metode ini tidak diizinkan untuk alamat ini.",
    409: "Data telah diubah oleh pengguna lain. Muat ulang data lalu ulangi.",
    413: "Permintaan terlalu besar.",
    415: "Jenis isi permintaan tidak didukung; kirim application/json.",
    422: "Isian tidak valid.",
    429: "Terlalu banyak permintaan. Coba lagi sebentar lagi.",
    500: "Terjadi kesalahan pada server.",
    503: "Basis data sedang tidak dapat dihubungi. Coba lagi sebentar lagi.",
}
INVALID_JSON = "Badan permintaan bukan JSON yang valid."
ROLE_CANNOT_REPORT = "Hanya pengelola unit yang dapat melaporkan kemajuan kegiatan unitnya."


def error(status: int, message: str | None = None, errors: dict | None = None, headers=None):
    body = {"error": message or MESSAGES.get(status, MESSAGES[500])}
    if errors:
        body["errors"] = errors
    return body, status, headers or {}


class ApiError(Exception):
    """Raised by a view: answered as the API's JSON error (views decorated with
    ``bp.response`` cannot return an error body, it would be dumped with the success schema)."""

    def __init__(self, status: int, message: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


# --------------------------------------------------------------------------- gate and errors

@bp.before_request
def _authenticate():
    g.pop("_login_user", None)  # nothing but the token decides who this request is
    try:
        user, prefix = auth.authenticate()
    except auth.Refused as refused:
        db.session.rollback()
        return error(refused.status, refused.message, headers=refused.headers)
    g.api_user = user
    g.api_token_prefix = prefix
    # Services and the audit trail that fall back to flask-login's current user get this one.
    g._login_user = user
    return None


@bp.after_request
def _headers(response):
    verdict = g.get("api_rate")
    if verdict is not None:
        response.headers.update(auth.rate_headers(verdict))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.teardown_request
def _forget_user(_exc=None):
    # Tests keep one application context across requests: the token's user must not outlive
    # its request there (each production request has its own context anyway).
    for key in ("_login_user", "api_user", "api_token_prefix", "api_rate"):
        g.pop(key, None)


def _field_errors(messages) -> dict:
    """webargs' {location: {field: [messages]}} as {field: [messages]}."""
    out: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, (dict, list, tuple)):
                    walk(prefix, item)
                else:
                    out.setdefault(prefix or "_schema", []).append(str(item))
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    for location, fields in (messages or {}).items():
        if isinstance(fields, dict):
            walk("", fields)
        else:
            walk(str(location), fields)
    return out


def _http_error(exc: HTTPException):
    db.session.rollback()
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if status == 400 and messages:  # webargs could not read the body
        return error(400, INVALID_JSON)
    if status == 422 and messages:
        fields = _field_errors(messages)
        summary = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items())
        return error(422, f"{MESSAGES[422]} {summary}".strip(), fields)
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    message = data.get("message") or (exc.description if status in (400, 404, 409) and
                                      isinstance(exc.description, str) and _is_ours(exc) else None)
    return error(status if status in MESSAGES else 500, message, headers=headers)


def _is_ours(exc: HTTPException) -> bool:
    """A description we wrote (Bahasa), not werkzeug's English default."""
    return exc.description != type(exc).description


def _database_error(exc: DBAPIError):
    db.session.rollback()
    from sqlalchemy.exc import DataError, IntegrityError
    if getattr(exc, "connection_invalidated", False) or \
            type(getattr(exc, "orig", None)).__name__ in ("OperationalError", "AdminShutdown"):
        return error(503, headers={"Retry-After": "5"})
    if isinstance(exc, IntegrityError):
        return error(409, "Perubahan bertentangan dengan data yang sudah ada; muat ulang lalu periksa kembali.")
    if isinstance(exc, DataError):
        return error(400, "Isian tidak dapat disimpan: terlalu panjang atau memuat karakter yang tidak diizinkan.")
    return error(500)


for _code in MESSAGES:
    bp.register_error_handler(_code, _http_error)
bp.register_error_handler(DBAPIError, _database_error)


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return error(exc.status, exc.message, exc.errors)


@bp.errorhandler(service.NotFound)
def _not_found(exc: service.NotFound):
    return error(404, str(exc) or MESSAGES[404])


COMMON_ERRORS = (401, 429)


def _documented(*codes):
    """alt_response entries for the error statuses an operation can answer."""
    def decorate(fn):
        for code in sorted(set(codes) | set(COMMON_ERRORS)):
            fn = bp.alt_response(code, schema=S.ErrorSchema,
                                 description=_ERROR_DOCS.get(code, MESSAGES.get(code, "")))(fn)
        return fn
    return decorate


_ERROR_DOCS = {
    401: "No, unknown, revoked or expired token (or its user is inactive).",
    403: "The token's role may not do this.",
    404: "Unknown period or id, or not one of the user's units.",
    409: "Conflict: a stale `supersedes_version`, or another report for the same quarter sent "
         "at the same moment.",
    422: "The body is invalid, or a follow-up rule refuses it (plan not accepted, quarter not "
         "planned, no evidence link, a report for the quarter still waiting for the inspector); "
         "`error` says why in Bahasa Indonesia, `errors` per field.",
    429: "Too many requests for this token, or too many failed token checks from this address "
         "(see `Retry-After`).",
}


def _id(text: str) -> int:
    """An id from the address. Read here rather than by an <int:...> converter so that an id
    beyond what the database holds is this blueprint's JSON 404, not the web's page."""
    if not ID.fullmatch(text) or not 1 <= int(text) <= S.MAX_ID:
        raise service.NotFound("Kegiatan tidak ditemukan.")
    return int(text)


# --------------------------------------------------------------------------- reads

@bp.route("/me")
@bp.response(200, S.MeSchema)
@_documented()
def me():
    """The token's user: role and units."""
    user = g.api_user
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "unit_ids": sorted(user.unit_ids) if user.role == "manager" else [],
            "token": g.api_token_prefix}


@bp.route("/units")
@bp.response(200, S.UnitSchema(many=True))
@_documented()
def units():
    """Units the token's user may see (a manager: their own units)."""
    return service.units(g.api_user)


@bp.route("/periods")
@bp.response(200, S.PeriodSchema(many=True))
@_documented()
def periods():
    """Periods with results or plans (and the years they roll up into), newest first."""
    return service.periods()


@bp.route("/periods/<code>/results", parameters=[CODE_PARAM])
@bp.response(200, S.ResultsSchema)
@_documented(404)
def results(code):
    """The period's SKM results (`skm summary`).

    The `skm summary` JSON of CONTRACT.md, each unit row with its `unit_id`. City figures are
    over every unit; a manager gets their own units' rows only."""
    return service.results(code, g.api_user)


@bp.route("/periods/<code>/plans", parameters=[CODE_PARAM])
@bp.response(200, S.PlansSchema)
@_documented(404)
def plans(code):
    """The plans (RTL) answering this period, with their actions.

    Each action: element key, text, planned quarters, owner, outcome, realisation (latest
    verified %) and claimed (latest % not rejected), and its `version`. A unit's own plan for
    the period; for a year without one, the plans answering its semesters and quarters (each
    with its own `period`), as `rtl status` gathers them. A manager gets their own units'
    plans."""
    return service.plans(code, g.api_user)


@bp.route("/periods/<code>/status", parameters=[CODE_PARAM])
@bp.arguments(S.StatusQuerySchema, location="query")
@bp.response(200, S.StatusSchema)
@_documented(404)
def status(args, code):
    """The follow-up status of the period (`rtl status`).

    The `rtl status` JSON of CONTRACT.md (`as_of` defaults to today in WIB), each unit with its
    `unit_id`. City figures are the city's; a manager gets their own units only."""
    return service.status(code, g.api_user, args.get("as_of"))


@bp.route("/actions/<action_id>", parameters=[ACTION_PARAM])
@bp.response(200, S.ActionDetailSchema)
@_documented(404)
def action(action_id):
    """One action with its progress reports and the quarters a report may be sent for."""
    return service.action_detail(service.visible_action(_id(action_id), g.api_user), g.api_user)


# --------------------------------------------------------------------------- writes

@bp.route("/actions/<action_id>/progress", methods=["POST"], parameters=[ACTION_PARAM])
@bp.arguments(S.ProgressInSchema, location="json")
@bp.response(201, S.ProgressEntrySchema)
@_documented(400, 403, 404, 409, 422)
def report_progress(data, action_id):
    """Report progress (realisation) on an action of the manager's unit.

    The web's rules apply: accepted plans only, one of the action's `reportable_quarters`,
    percent 0-100, an evidence link above 0%, one report per quarter waiting for the inspector,
    resubmission of a rejected report with its `version`. Only unit managers may report. The
    report waits for the inspector's verification (status `submitted`)."""
    user = g.api_user
    found = service.visible_action(_id(action_id), user)
    if not can_edit_unit(found.plan.unit_id, user):
        raise ApiError(403, ROLE_CANNOT_REPORT)
    supersedes = None
    if data.get("supersedes_id") is not None:
        supersedes = db.session.get(ProgressEntry, data["supersedes_id"])
        if supersedes is None or supersedes.action_id != found.id:
            raise ApiError(422, "Laporan yang diajukan ulang tidak ditemukan pada kegiatan ini.",
                           {"supersedes_id": ["Laporan tidak ditemukan pada kegiatan ini."]})
        if data.get("supersedes_version") is None:
            raise ApiError(422, "Versi laporan yang diajukan ulang wajib dikirim.",
                           {"supersedes_version": ["Isian ini wajib diisi untuk pengajuan ulang."]})
    try:
        entry = log_progress(
            found, ProgressInput(quarter=data["quarter"].strip(), percent=data["percent"],
                                 narrative=data["narrative"], link=data.get("evidence_link"),
                                 keep_evidence=bool(data.get("keep_evidence"))),
            user, supersedes=supersedes, supersedes_version=data.get("supersedes_version"))
    except StaleError as exc:
        raise ApiError(409, exc.message) from None
    except WorkflowError as exc:
        raise ApiError(422, exc.message) from None
    return service.entry_dict(entry), 201, {"Location": f"{bp.url_prefix}/actions/{found.id}"}
