"""The page where signed-in users make, see and revoke their API tokens (``/akun/token-api``).
A new token is shown once, in the answer to the form that made it (never in a flash message:
those travel in the session cookie); only its hash is kept. Each form carries a one-time
nonce, so reloading that answer (the browser sends the form again) makes no second token.
The admin also sees and may revoke everyone's tokens."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired

from ..audit import record
from ..auth.decorators import login_required
from ..extensions import db
from ..models import ApiToken
from ..models._base import utcnow
from ..web.fields import IndonesianForm, max_length
from . import auth

bp = Blueprint("api_tokens", __name__, url_prefix="/akun/token-api")

VALIDITY = [("90", "90 hari"), ("30", "30 hari"), ("365", "1 tahun"), ("0", "Tanpa batas waktu")]


class TokenForm(IndonesianForm):
    name = StringField("Nama token (misalnya: Dasbor kota, e-SAKIP)",
                       validators=[DataRequired("Nama token wajib diisi."), max_length(100)])
    validity = SelectField("Berlaku", choices=VALIDITY, default="90")
    nonce = HiddenField()  # one per form shown: a form sent twice makes one token


USED_FORMS = "api_token_forms"  # session key: nonces of forms that made a token (the latest few)


def _fresh_form(**kwargs) -> TokenForm:
    form = TokenForm(**kwargs)
    form.nonce.data = secrets.token_urlsafe(16)
    return form


class RevokeForm(IndonesianForm):
    """Only the CSRF token: the token to revoke is in the address."""


def _rows(query):
    now = utcnow()
    rows = []
    for t in query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).all():
        state = ("dicabut" if t.revoked_at is not None else
                 "kedaluwarsa" if t.expires_at is not None and t.expires_at <= now else "aktif")
        rows.append({"token": t, "state": state})
    return rows


def _render(form: TokenForm, created: auth.NewToken | None = None, status: int = 200):
    mine = _rows(ApiToken.query.filter(ApiToken.user_id == current_user.id))
    others = []
    if current_user.role == "admin":
        others = _rows(ApiToken.query.options(joinedload(ApiToken.user))
                       .filter(ApiToken.user_id != current_user.id))
    response = render_template("api/tokens.html", form=form, mine=mine, others=others,
                               created=created, revoke_form=RevokeForm(),
                               max_tokens=auth.MAX_ACTIVE_TOKENS)
    headers = {"Cache-Control": "no-store"} if created is not None else {}
    return response, status, headers


@bp.route("/", methods=["GET"])
@login_required
def index():
    return _render(_fresh_form())


@bp.route("/", methods=["POST"])
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    nonce = (form.nonce.data or "")[:64]
    used = list(session.get(USED_FORMS, []))
    if nonce and nonce in used:
        flash("Token dari formulir ini sudah dibuat dan hanya ditampilkan sekali. Bila belum "
              "tersalin, cabut token itu lalu buat token baru.", "info")
        return redirect(url_for(".index"))
    if auth.active_count(current_user.id) >= auth.MAX_ACTIVE_TOKENS:
        form.name.errors = [f"Anda sudah memiliki {auth.MAX_ACTIVE_TOKENS} token aktif; cabut "
                            "token yang tidak dipakai lagi terlebih dahulu."]
        return _render(form, status=400)
    days = int(form.validity.data)
    expires = utcnow() + timedelta(days=days) if days else None
    created = auth.create_token(current_user, form.name.data.strip(), expires)
    db.session.flush()
    record("api_token", created.row.id, "create", user=current_user,
           after={"name": created.row.name, "prefix": created.row.prefix,
                  "expires_at": expires.isoformat() if expires else None})
    db.session.commit()
    if nonce:
        session[USED_FORMS] = (used + [nonce])[-20:]
    return _render(_fresh_form(formdata=None), created=created)


@bp.route("/<int:token_id>/cabut", methods=["POST"])
@login_required
def revoke(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != current_user.id and current_user.role != "admin"):
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400, description="Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api_token", token.id, "revoke", user=current_user,
               before={"name": token.name, "prefix": token.prefix, "user_id": token.user_id})
        db.session.commit()
        flash(f"Token {token.name} ({token.prefix}…) dicabut dan tidak dapat dipakai lagi.", "success")
    else:
        flash(f"Token {token.name} sudah dicabut sebelumnya.", "info")
    return redirect(url_for(".index"))
