"""Shared browser fixtures: a live server on 127.0.0.1 and a real Chromium (playwright) with the
network cut off except for that server.

Use in a browser test::

    @pytest.mark.browser
    def test_something(live_server, page):
        with live_server.app.app_context():
            ...seed data...
        page.goto(live_server.url + "/login")

``live_server.login(page, email)`` logs a user in through the form. The server runs the app in a
thread of the test process against a SQLite file, so the test can seed data directly.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest

from tests.conftest import make_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 # No name resolution except the loopback server: the page must be self-contained.
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs a real Chromium against a live server")


class LiveServer:
    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_port}"

    def login(self, page, email, password="rahasia123"):
        page.goto(self.url + "/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        # Wait for the page the login POST leads to; wait_for_load_state() alone can return
        # before that navigation has started.
        with page.expect_navigation():
            page.click("button[type=submit], input[type=submit]")


@contextmanager
def serve(app):
    """Serve ``app`` on a free loopback port in a thread for the duration of the block."""
    from werkzeug.serving import make_server

    from tracker.extensions import db
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, server)
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    with serve(make_app("sqlite", tmp_path)) as server:
        yield server


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("TRACKER_REQUIRE_SERVICES") == "1":  # CI installs chromium: must run
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def guarded_page(browser, live_server, **context_options):
    """A new page whose requests can reach only the live server; anything else is aborted and
    recorded in ``page.blocked_requests`` (console errors in ``page.console_errors``).
    Returns (context, page); close the context when done."""
    options = dict(viewport={"width": 1280, "height": 900}, locale="id-ID")
    options.update(context_options)
    context = browser.new_context(**options)
    page = context.new_page()
    blocked: list[str] = []
    errors: list[str] = []

    def guard(route):
        if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.blocked_requests = blocked
    page.console_errors = errors
    return context, page


@pytest.fixture
def page(browser, live_server):
    """A fresh desktop page that can reach only the live server (see guarded_page)."""
    context, page = guarded_page(browser, live_server)
    yield page
    context.close()
