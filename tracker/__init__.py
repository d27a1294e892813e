"""The SKM follow-up tracker: application factory."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import settings
from .extensions import csrf, db, login_manager, migrate


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS (behind a proxy too)."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))


# Container objects allocated before the cycle collector's youngest generation is examined.
# Python's default (700) runs it dozens of times while one page builds its rows, and promotes
# the request's short-lived objects to older generations that are walked again; at 10,000 most
# of a request's objects are freed by reference counting before any collection sees them
# (measured in one process on the cold monitoring page of 300 units: about a sixth less time,
# nearly all that disabling the collector would save).
GC_YOUNG_THRESHOLD = 10_000


def freeze_startup_objects() -> None:
    """Move everything alive after start-up (modules, the app, SQLAlchemy's mappers, pandas)
    out of the cycle collector's reach, and examine the youngest generation less often
    (``GC_YOUNG_THRESHOLD``). Each full collection otherwise walks those hundreds of
    thousands of objects again: measured on the monitoring page of 300 units, a third of a
    request's time. Called by the process entry points (wsgi.py, the RQ worker), not by the
    factory, so tests that build many apps keep ordinary collection."""
    import gc
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="static")
    # <int:...> in routes matches ids the database can hold (PostgreSQL's INTEGER): a larger
    # number is a 404, not an overflow in the driver.
    app.url_map.converters["int"] = _IdConverter
    app.config.update(settings.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          settings.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    # Behind N trusted reverse proxies set TRUSTED_PROXIES=N so the client's own address (login
    # throttling) is read from X-Forwarded-For; 0 (default) trusts no such header.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config.get("TRUSTED_PROXIES", 0)), x_proto=1,
                            x_host=1)
    app.session_interface = _SessionInterface()
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


class _IdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"),
                     render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    from . import models  # noqa: F401  (register tables)
    from .followup import state
    state.install()  # each action's derived state follows every flush
    from .web import cache
    cache.install()  # committed changes advance the data generation (page reuse)
    from . import changes
    changes.install()  # changes advance the unit page versions and the city's change count
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():
            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(conn, _record):
                cur = conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.close()


def register_blueprints(app: Flask) -> None:
    from .admin.catalogue import bp as catalogue_bp
    from .admin.queue import bp as queue_bp
    from .admin.report_settings import bp as report_settings_bp
    from .admin.views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .followup.views import bp as followup_bp
    from .health import bp as health_bp
    from .home.views import bp as home_bp
    from .imports.views import bp as imports_bp
    from .monitoring.views import bp as monitoring_bp
    from .public.views import bp as public_bp
    from .reporting.views import bp as reporting_bp
    from .reports.views import bp as reports_bp
    from .results.views import bp as results_bp
    from .survey.views import bp as survey_bp

    for bp in (health_bp, auth_bp, home_bp, results_bp, imports_bp, admin_bp, catalogue_bp, queue_bp, report_settings_bp, followup_bp, monitoring_bp, reporting_bp,
               reports_bp, public_bp, survey_bp):
        app.register_blueprint(bp)
    from .api import register as register_api
    register_api(app)  # the JSON API under /api/v1, its docs and the token page


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    messages = {
        400: "Permintaan tidak valid.",
        403: "Anda tidak berhak mengakses halaman ini.",
        404: "Halaman tidak ditemukan.",
        409: "Data telah diubah oleh pengguna lain.",
        413: "Berkas terlalu besar.",
        500: "Terjadi kesalahan pada server.",
    }

    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if not isinstance(code, int) or not 400 <= code <= 599:  # e.g. a driver's error code
            code = 500
        message = getattr(error, "description", None) if code in (400, 409) else None
        if request.accept_mimetypes.best == "application/json":
            return {"error": message or messages.get(code, "")}, code
        return render_template("error.html", code=code,
                               message=message or messages.get(code, "Terjadi kesalahan.")), code

    def safe_render_error(error):
        try:
            return render_error(error)
        except Exception:  # the page itself needs the database (current user, notifications)
            db.session.rollback()
            return _plain_error(getattr(error, "code", 500) or 500,
                                messages.get(getattr(error, "code", 500), "Terjadi kesalahan."))

    for code in messages:
        app.errorhandler(code)(safe_render_error)

    from sqlalchemy.exc import DBAPIError

    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        # A lost connection (database restarting): say so without touching the database again.
        # pool_pre_ping gives the next request a fresh connection.
        db.session.rollback()
        if not getattr(error, "connection_invalidated", False) and \
                type(getattr(error, "orig", None)).__name__ not in ("OperationalError", "AdminShutdown"):
            return _database_refused(error)
        return _plain_error(503, "Basis data sedang tidak dapat dihubungi. Coba lagi sebentar lagi.")

    def _database_refused(error):
        """A statement the database refused (not a lost connection): a valid status and a
        sentence, never the driver's error code as the status."""
        from sqlalchemy.exc import DataError, IntegrityError
        app.logger.warning("database refused a statement: %s", type(getattr(error, "orig", error)).__name__)
        if isinstance(error, IntegrityError):
            code, message = 409, ("Perubahan bertentangan dengan data yang sudah ada (misalnya "
                                  "data ganda). Muat ulang halaman lalu periksa kembali.")
        elif isinstance(error, DataError):
            code, message = 400, ("Isian tidak dapat disimpan: terlalu panjang atau memuat karakter "
                                  "yang tidak diizinkan.")
        else:
            code, message = 500, messages[500]
        try:
            if request.accept_mimetypes.best == "application/json":
                return {"error": message}, code
            return render_template("error.html", code=code, message=message), code
        except Exception:  # noqa: BLE001 - the page itself needs the database
            db.session.rollback()
            return _plain_error(code, message)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("error.html", code=400,
                               message="Formulir kedaluwarsa atau tidak sah (CSRF). "
                                       "Muat ulang halaman lalu coba lagi."), 400


def _plain_error(code: int, message: str):
    """An error page that needs neither the database nor the session."""
    from markupsafe import escape
    body = (f"<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>Kesalahan {code}</title>"
            f"<h1>Kesalahan {code}</h1><p>{escape(message)}</p></html>")
    return body, code, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "5"}


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def register_template_helpers(app: Flask) -> None:
    from .web import template_helpers

    app.context_processor(template_helpers.context)
    for name, fn in template_helpers.FILTERS.items():
        app.add_template_filter(fn, name)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
