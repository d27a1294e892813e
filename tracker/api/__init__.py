"""The versioned JSON API (``/api/v1``) for other systems (a city dashboard, e-SAKIP).

- ``auth.py``: per-user tokens (stored as SHA-256), the bearer-token gate, rate limits per token
  and per client address for failed checks;
- ``schemas.py``: marshmallow schemas (request bodies validated with Bahasa messages);
- ``service.py``: reads restricted to the token user's units (tracker.scope);
- ``views.py``: the routes (flask-smorest), documented as OpenAPI at ``/api/v1/openapi.json``;
- ``docs.py``: the spec and a plain HTML page listing the endpoints (no CDN assets);
- ``tokens.py``: the web page where users create, see and revoke their tokens.

The API blueprint is exempt from CSRF: its requests are authenticated by the bearer token only,
never by the session cookie.
"""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from . import schemas

API_TITLE = "Pelacak Tindak Lanjut SKM - API"
API_VERSION = "1"
OPENAPI_VERSION = "3.0.3"
DESCRIPTION = (
    "JSON API of the SKM follow-up tracker: SKM results, follow-up plans (RTL), their status and "
    "quarterly progress reports.\n\n"
    "Authenticate with `Authorization: Bearer <token>`; each user makes their tokens on the page "
    "*Token API* (`/akun/token-api`). A token acts with its user's role and units: a unit manager "
    "sees and reports on their own units only. Requests are limited per token (`API_RATE_LIMIT`, "
    "default 600 per 60 s; `429` with `Retry-After` beyond it), and failed token checks per "
    "client address. Error bodies are `{\"error\": \"<message in Bahasa Indonesia>\"}`, with "
    "`errors` per field for `422`.")


class TrackerApi(Api):
    """flask-smorest's Api with our error body documented, and without its app-wide error
    handler (the API blueprint answers its own errors; the web pages keep theirs) or its doc
    blueprint (tracker.api.docs serves the spec)."""

    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self):
        pass

    def _register_doc_blueprint(self):
        pass


def register(app: Flask) -> None:
    from ..extensions import csrf
    from . import docs, tokens, views

    api = TrackerApi(app, spec_kwargs={
        "title": API_TITLE, "version": API_VERSION, "openapi_version": OPENAPI_VERSION,
        "info": {"description": DESCRIPTION},
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "A token from the page Token API; sent as `Authorization: Bearer <token>`."})
    api.register_blueprint(views.bp)
    csrf.exempt(views.bp)
    app.extensions["tracker-api"] = api
    app.register_blueprint(docs.bp)
    app.register_blueprint(tokens.bp)
