"""CSRF protection as production runs it: on by default (no test switches it on), and every POST
route of the application refuses a form without its token, signed in or not."""
from __future__ import annotations

import re

import pytest

from tests.conftest import make_user
from tracker import create_app
from tracker.extensions import db


@pytest.fixture
def production_app(tmp_path, backend):
    """The application as ``settings.load`` configures it, with only the database, the secret
    and the directories given: no CSRF setting at all."""
    from tests.conftest import pg_url
    url = f"sqlite:///{tmp_path / 'prod.sqlite'}" if backend == "sqlite" else pg_url("_csrf")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "prod-like",
                      "UPLOAD_DIR": str(tmp_path / "up"), "EXPORT_DIR": str(tmp_path / "ex"),
                      "REDIS_URL": None})
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _sample(converter) -> str:
    from werkzeug.routing import IntegerConverter
    return "1" if isinstance(converter, IntegerConverter) else "2021-S1"


# POST routes that take no session CSRF token, each with the check that stands in for it:
# the public questionnaire is sent by people who never sign in (a signed form token bound to the
# device cookie, SameSite=Lax, so a cross-site post fails it: tests/test_survey_online.py); the
# JSON API is authenticated by a bearer token only, never by the session cookie (tests/test_api.py).
OWN_CHECKS = {"survey.answer"}
OWN_CHECK_PREFIXES = ("api.", "api_docs.")  # api_docs: the spec, and JSON 404/405 under /api/v1


def _post_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        if rule.endpoint in OWN_CHECKS or rule.endpoint.startswith(OWN_CHECK_PREFIXES):
            continue
        values = {name: _sample(conv) for name, conv in rule._converters.items()}
        with app.test_request_context():
            from flask import url_for
            urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


def test_every_post_route_refuses_a_form_without_its_token(production_app):
    assert production_app.config.get("WTF_CSRF_ENABLED", True) is True
    make_user("admin@kota.go.id", "admin")
    client = production_app.test_client()
    urls = _post_urls(production_app)
    assert len(urls) >= 25 and "/login" in urls and "/rtl/laporan/1/periksa" in urls
    # Anonymous, then signed in (with the token, as the login form sends it).
    for url in urls:
        r = client.post(url, data={"email": "admin@kota.go.id", "password": "rahasia123"})
        assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True), (url, r.status_code)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123",
                                    "csrf_token": token.group(1)})
    assert r.status_code == 302
    for url in urls:
        r = client.post(url, data={"version": "1", "text": "x"})
        assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True), (url, r.status_code)
        # A token from another session does not do either.
        r = client.post(url, data={"csrf_token": "IjE2YmFkIg.forged.token"})
        assert r.status_code == 400, url
