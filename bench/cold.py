"""(b') A cold page (nothing reused: the view computes everything) against a bare Flask route
that renders the same template from precomputed rows, in the same process, interleaved.

The context each page's view passes to ``render_template`` is captured once; the bare route
renders that template with that context and nothing else (no queries, no computation). The
ratio cold / bare is what computing the page costs on top of printing it.

For context, the floor of the page's reads is measured too: a route that sends as many
statements as the cold page sent, each ``SELECT 1``, on the same session (what the database
round trips alone cost, whatever the statements read)."""
from __future__ import annotations

import statistics
import time

REPEAT = 15  # cold, bare and floor requests of each page, interleaved (medians)


def _capture(app, client, path: str):
    """(template, context, statements sent) of one request of ``path``."""
    import flask
    from sqlalchemy import event

    from tracker.extensions import db
    seen = {}
    real = flask.templating._render
    statements = []

    def spy(app_, template, context):
        seen.setdefault("template", template)
        seen.setdefault("context", dict(context))
        return real(app_, template, context)

    def count(*args):
        statements.append(args[2])
    flask.templating._render = spy
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        flask.templating._render = real
        event.remove(db.engine, "before_cursor_execute", count)
    return seen["template"], seen["context"], len(statements)


def run(url: str, paths: dict[str, list[str]], email: str, password: str, repeat: int = REPEAT,
        log=print, configs: dict[str, dict] | None = None) -> dict:
    """{name: (cold median s, bare median s, floor median s, statements)} for each page;
    ``paths`` maps names to paths (cycled, so a unit page is measured over several units);
    ``configs``: settings a page is measured under (the unit page with its figures computed
    every time, ``UNIT_PAGE_KEPT`` off). Each path is requested once before it is captured and
    measured, so what was kept as data (a unit page's figures) is there, as on a server in use;
    nothing rendered is reused (``PAGE_CACHE`` off)."""
    import flask
    from flask import Response

    from tracker import create_app, freeze_startup_objects
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "PAGE_CACHE": False,
                      "WTF_CSRF_ENABLED": False})
    freeze_startup_objects()  # as wsgi.py does for every web process
    captured = {}

    @app.route("/__bare/<name>/<int:i>")
    def bare(name, i):
        template, context, _ = captured[(name, i)]
        return Response(flask.templating._render(app, template, dict(context)), mimetype="text/html")

    @app.route("/__floor/<int:n>")
    def floor(n):
        from sqlalchemy import text

        from tracker.extensions import db
        for _ in range(n):
            db.session.execute(text("SELECT 1")).scalar()
        return Response("", mimetype="text/html")

    out = {}
    with app.app_context():
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302
        defaults = dict(app.config)
        for name, ps in paths.items():
            app.config.update(defaults)
            app.config.update((configs or {}).get(name, {}))
            ps = ps[:repeat]
            for i, p in enumerate(ps):
                assert client.get(p).status_code == 200, p
                captured[(name, i)] = _capture(app, client, p)
            statements = round(statistics.median(captured[(name, i)][2] for i in range(len(ps))))
            cold, bare_t, floor_t = [], [], []
            for k in range(repeat):
                i = k % len(ps)
                t0 = time.perf_counter()
                client.get(ps[i])
                cold.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                r = client.get(f"/__bare/{name}/{i}")
                bare_t.append(time.perf_counter() - t0)
                assert r.status_code == 200
                t0 = time.perf_counter()
                client.get(f"/__floor/{statements}")
                floor_t.append(time.perf_counter() - t0)
            c, b, f = statistics.median(cold), statistics.median(bare_t), statistics.median(floor_t)
            out[name] = (c, b, f, statements)
            log(f"  cold {name}: {c * 1000:.1f} ms, bare render {b * 1000:.1f} ms = {c / b:.2f}x; "
                f"its {statements} statements as SELECT 1 alone: {f * 1000:.1f} ms")
        from tracker.extensions import db
        db.engine.dispose()
    return out
