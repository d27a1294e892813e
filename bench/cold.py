"""(b') A cold page (nothing reused: the view computes everything) against a bare Flask route
that renders the same template from precomputed rows, in the same process, interleaved.

The context each page's view passes to ``render_template`` is captured once; the bare route
renders that template with that context and nothing else (no queries, no computation). The
ratio cold / bare is what computing the page costs on top of printing it."""
from __future__ import annotations

import statistics
import time


def _capture(app, client, path: str):
    import flask
    seen = {}
    real = flask.templating._render

    def spy(app_, template, context):
        seen.setdefault("template", template)
        seen.setdefault("context", dict(context))
        return real(app_, template, context)
    flask.templating._render = spy
    try:
        assert client.get(path).status_code == 200, path
    finally:
        flask.templating._render = real
    return seen["template"], seen["context"]


def run(url: str, paths: dict[str, list[str]], email: str, password: str, repeat: int = 7, log=print) -> dict:
    """{name: (cold median s, bare median s)} for each page; ``paths`` maps names to paths
    (cycled, so a unit page is measured over several units)."""
    import flask
    from flask import Response

    from tracker import create_app, freeze_startup_objects
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "PAGE_CACHE": False,
                      "WTF_CSRF_ENABLED": False})
    freeze_startup_objects()  # as wsgi.py does for every web process
    captured = {}

    @app.route("/__bare/<name>/<int:i>")
    def bare(name, i):
        template, context = captured[(name, i)]
        return Response(flask.templating._render(app, template, dict(context)), mimetype="text/html")

    out = {}
    with app.app_context():
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302
        for name, ps in paths.items():
            ps = ps[:repeat]
            for i, p in enumerate(ps):
                captured[(name, i)] = _capture(app, client, p)
            cold, bare_t = [], []
            for k in range(repeat):
                i = k % len(ps)
                t0 = time.perf_counter()
                client.get(ps[i])
                cold.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                r = client.get(f"/__bare/{name}/{i}")
                bare_t.append(time.perf_counter() - t0)
                assert r.status_code == 200
            out[name] = (statistics.median(cold), statistics.median(bare_t))
            log(f"  cold {name}: {out[name][0] * 1000:.1f} ms, bare render {out[name][1] * 1000:.1f} ms "
                f"= {out[name][0] / out[name][1]:.2f}x")
        from tracker.extensions import db
        db.engine.dispose()
    return out
