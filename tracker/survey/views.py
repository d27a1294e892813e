"""SKM daring screens.

Public, no login: the questionnaire at ``/s/<token>``. Each rendered form carries a signed token
(collection, a nonce, the device cookie it was shown to, the time it was shown): a form sent
twice is one respondent (the nonce), a form sent sooner than ``SURVEY_MIN_SECONDS`` after it
was shown, or with the hidden honeypot field filled, is not counted, and a form posted from
another site fails the device check (the device cookie is SameSite=Lax, so it is not sent with
a cross-site POST). That check stands in for the session CSRF token, which would lose a
respondent's answers whenever the session cookie was missing; a refused form is shown again
with every answer kept. Submissions are rate limited per client address and per device
(``tracker.web.ratelimit``, shared by every worker).

Staff: the unit's collections, opening one, its link, QR code and printable poster, the live
count against the Krejcie-Morgan target with NRR, IKM and priorities so far, the respondents'
reasons (Rekap Alasan) and closing collection.
"""
from __future__ import annotations

import hashlib
import io
import secrets

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..auth.decorators import login_required
from ..domain import periods as P
from ..domain import questionnaire as Q
from ..extensions import csrf, db
from ..followup.workflow import WorkflowError
from ..imports.readers import ImportRejected
from ..models.online import OPEN, SurveyCollection
from ..scope import can_edit_unit, can_see_unit, get_unit_or_404, visible_unit_ids
from ..web import ratelimit
from . import service as S

bp = Blueprint("survey", __name__)

DEVICE_COOKIE = "skm_perangkat"
FORM_MAX_AGE = 24 * 3600  # a form left open longer is shown again with a fresh token
FORM_MAX_BYTES = 64 * 1024


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="skm-daring-form")


def _device() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if len(value) == 32 and value.isalnum() else None


def _digest(value: str) -> str:
    return hashlib.sha256(f"{current_app.config['SECRET_KEY']}|{value}".encode()).hexdigest()[:32]


def _form_token(coll: SurveyCollection, device: str) -> str:
    return _serializer().dumps({"c": coll.id, "n": secrets.token_hex(16), "d": _digest(device)})


def _render_form(coll, device, values=None, errors=None, message=None, status=200):
    from ..domain.elements import ELEMENTS
    unit = coll.unit
    response = current_app.make_response((render_template(
        "survey/form.html", coll=coll, unit=unit, label=P.parse_period(coll.period.code).label,
        questions=Q.questions(coll.element_keys), profile_fields=Q.PROFILE_FIELDS,
        values=values or {}, errors=(errors.by_field if errors else {}), message=message,
        token=_form_token(coll, device), elements=ELEMENTS, low=Q.LOW_ANSWERS,
        max_reason=Q.MAX_REASON_CHARS, max_suggestion=Q.MAX_SUGGESTION_CHARS), status))
    _remember_device(response, device)
    return response


def _remember_device(response, device: str) -> None:
    response.set_cookie(DEVICE_COOKIE, device, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=request.is_secure, path="/s/")
    response.headers["Cache-Control"] = "no-store"


def _closed_page(coll, status=200):
    return render_template("survey/closed.html", coll=coll,
                           label=P.parse_period(coll.period.code).label), status


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by the signed form token bound to the device cookie (module docstring)
def answer(token):
    # A respondent's form is a few kilobytes: anyone may post here, so nothing larger is parsed.
    request.max_content_length = FORM_MAX_BYTES
    coll = S.public_collection(token)
    if coll is None:
        abort(404)
    if coll.status != OPEN:
        return _closed_page(coll, 410 if request.method == "POST" else 200)
    device = _device()
    if request.method == "GET":
        return _render_form(coll, device or secrets.token_hex(16))
    form = request.form
    fresh_device = device or secrets.token_hex(16)
    try:
        data, issued = _serializer().loads(form.get("form_token", ""), max_age=FORM_MAX_AGE,
                                           return_timestamp=True)
    except SignatureExpired:
        return _render_form(coll, fresh_device, form, message="Formulir sudah terlalu lama dibuka. Jawaban "
                            "Saudara masih ada di bawah; periksa lalu kirim kembali.", status=400)
    except BadSignature:
        data, issued = None, None
    if not data or data.get("c") != coll.id or device is None or data.get("d") != _digest(device):
        return _render_form(coll, fresh_device, form, message="Formulir tidak dapat diterima dari "
                            "halaman ini (cookie peramban mungkin dimatikan). Jawaban Saudara masih ada; "
                            "kirim kembali dari halaman ini.", status=400)
    if form.get("situs_web"):  # the honeypot: a person never sees it
        current_app.logger.info("survey %s: honeypot filled, not counted", coll.id)
        return render_template("survey/thanks.html", unit_name=coll.unit.name, duplicate=False)
    from datetime import datetime, timezone
    elapsed = (datetime.now(timezone.utc) - issued).total_seconds()
    if elapsed < current_app.config["SURVEY_MIN_SECONDS"]:
        return _render_form(coll, device, form, message="Jawaban terkirim terlalu cepat. Periksa kembali "
                            "jawaban Saudara, lalu kirim.", status=400)
    address = request.remote_addr or "-"
    verdicts = ratelimit.hit_many([
        (f"{scope}:{coll.id}", who, ratelimit.Limit.parse(current_app.config[spec]))
        for scope, who, spec in (("survey-address", address, "SURVEY_RATE_PER_ADDRESS"),
                                 ("survey-device", device, "SURVEY_RATE_PER_DEVICE"))])
    for verdict in verdicts:
        if not verdict.allowed:
            minutes = max(1, round(verdict.retry_after / 60))
            response = _render_form(coll, device, form, status=429, message=(
                "Terlalu banyak kiriman dari perangkat atau jaringan ini. Jawaban Saudara masih ada; "
                f"coba kirim lagi dalam {minutes} menit."))
            response.headers["Retry-After"] = str(verdict.retry_after)
            return response
    response, errors = Q.read_form(form, coll.element_keys, coll.service_types or ())
    if errors:
        return _render_form(coll, device, form, errors=errors, status=400,
                            message="Beberapa isian perlu diperbaiki; lihat pesan di bawah.")
    stored = S.record_answer(coll, response, data["n"], _digest(device))
    return render_template("survey/thanks.html", unit_name=coll.unit.name, duplicate=stored.duplicate)


# --------------------------------------------------------------------------------------------
# Staff


def _collection_or_404(collection_id: int) -> SurveyCollection:
    coll = db.session.get(SurveyCollection, collection_id)
    if coll is None or not can_see_unit(coll.unit_id):
        abort(404)
    return coll


def _may_manage(coll: SurveyCollection) -> bool:
    return current_user.role == "admin" or (current_user.role == "manager" and can_edit_unit(coll.unit_id))


def public_link(coll: SurveyCollection) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("survey.answer", token=coll.token)
    return (base.rstrip("/") + path) if base else url_for("survey.answer", token=coll.token, _external=True)


@bp.route("/survei-daring/", methods=["GET", "POST"])
@login_required
def index():
    ids = visible_unit_ids()
    problems = []
    if request.method == "POST":
        if current_user.role not in ("admin", "manager"):
            abort(403)
        unit = get_unit_or_404(_int(request.form.get("unit_id")))  # a manager sees only their units
        if current_user.role == "manager" and not can_edit_unit(unit.id):
            abort(404)
        try:
            P.parse_period(request.form.get("period", ""))
            coll = S.open_collection(unit, request.form.get("period", ""), request.form.get("population"),
                                     request.form.get("service_types", ""), current_user)
        except (P.BadPeriod, WorkflowError) as exc:
            problems.append(getattr(exc, "message", str(exc)))
        else:
            flash(f"Kuesioner {unit.name} dibuka. Bagikan tautan atau cetak posternya.", "ok")
            return redirect(url_for("survey.detail", collection_id=coll.id))
    collections = S.visible(ids)
    counts = S.answer_counts([c.id for c in collections])
    from ..models import Unit
    units = Unit.query.order_by(Unit.name)
    if ids is not None:
        units = units.filter(Unit.id.in_(ids))
    return render_template("survey/index.html", collections=collections, counts=counts,
                           units=units.all() if current_user.role in ("admin", "manager") else [],
                           problems=problems, form=request.form,
                           labels={c.id: P.parse_period(c.period.code).label for c in collections}), \
        (400 if problems else 200)


def _int(value) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < n < 2**31:
        abort(404)
    return n


@bp.route("/survei-daring/<int:collection_id>")
@login_required
def detail(collection_id):
    coll = _collection_or_404(collection_id)
    now = S.live(coll)
    from ..domain.elements import ELEMENTS
    return render_template("survey/detail.html", coll=coll, live=now, link=public_link(coll),
                           label=P.parse_period(coll.period.code).label, elements=ELEMENTS,
                           reasons=S.reasons(coll), suggestions=S.suggestions(coll)[-50:],
                           manage=_may_manage(coll), qr_svg=_qr(coll).svg_inline(scale=4, title="Kode QR kuesioner", omitsize=True),
                           questions=Q.questions(coll.element_keys))


def _qr(coll):
    import segno
    return segno.make(public_link(coll), error="m")


@bp.route("/survei-daring/<int:collection_id>/poster")
@login_required
def poster(collection_id):
    coll = _collection_or_404(collection_id)
    return render_template("survey/poster.html", coll=coll, link=public_link(coll),
                           label=P.parse_period(coll.period.code).label,
                           qr_svg=_qr(coll).svg_inline(scale=10, title="Kode QR kuesioner", border=4, omitsize=True))


@bp.route("/survei-daring/<int:collection_id>/qr.<kind>")
@login_required
def qr_file(collection_id, kind):
    coll = _collection_or_404(collection_id)
    if kind not in ("png", "svg"):
        abort(404)
    out = io.BytesIO()
    _qr(coll).save(out, kind=kind, scale=12 if kind == "png" else 10, border=4,
                   **({"title": f"SKM daring {coll.unit.name}"} if kind == "svg" else {}))
    out.seek(0)
    return send_file(out, mimetype="image/png" if kind == "png" else "image/svg+xml", as_attachment=True,
                     download_name=f"qr-skm-{coll.id}.{kind}")


@bp.route("/survei-daring/<int:collection_id>/<action>", methods=["POST"])
@login_required
def change(collection_id, action):
    coll = _collection_or_404(collection_id)
    if action not in ("tutup", "buka-lagi", "pengaturan"):
        abort(404)
    if not _may_manage(coll):
        abort(403)
    version = request.form.get("version")
    try:
        if action == "tutup":
            flash(S.close(coll, version, current_user), "ok")
        elif action == "buka-lagi":
            if current_user.role != "admin":
                abort(403)
            S.reopen(coll, version, current_user)
            flash("Pengumpulan dibuka kembali.", "ok")
        else:
            S.update_settings(coll, version, request.form.get("population"),
                              request.form.get("service_types", ""), current_user)
            flash("Pengaturan kuesioner disimpan.", "ok")
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    except ImportRejected as exc:  # the answers refused as an import would be: its problems named
        db.session.rollback()
        for message in exc.messages()[:10]:
            flash(message, "error")
    return redirect(url_for("survey.detail", collection_id=coll.id))


@bp.route("/survei-daring/<int:collection_id>/alasan.<kind>")
@login_required
def reasons_export(collection_id, kind):
    coll = _collection_or_404(collection_id)
    if kind not in ("xlsx", "csv"):
        abort(404)
    from .export import reasons_csv, reasons_xlsx
    rows = S.reasons(coll)
    name = f"rekap-alasan-skm-{coll.id}.{kind}"
    if kind == "csv":
        return send_file(io.BytesIO(reasons_csv(coll, rows)), mimetype="text/csv", as_attachment=True,
                         download_name=name)
    return send_file(io.BytesIO(reasons_xlsx(coll, rows)), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
