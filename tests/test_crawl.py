"""Every route, as every role, with random path, query and form values (hypothesis): the
answer is never a 5xx. Values mix the ids and period codes that exist (so the checks past the
role and unit gates run) with malformed, huge and hostile ones."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from tests.test_roles_matrix import world as matrix_world
from tracker.extensions import db
from tracker.models import ExportJob, Period

ROLES = ("admin", "inspector", "own", "other", "anonymous")
EMAILS = {"admin": "admin@kota.go.id", "inspector": "inspektur@kota.go.id",
          "own": "m1@kota.go.id", "other": "m2@kota.go.id"}
SKIP = {("auth.logout", "POST"), ("static", "GET")}  # logout would end the role under test

HOSTILE = ["", "0", "-1", "2021", "2021-S1", "2021-S3", "2021-TW5", "0000", "9999-S1", "..", "%00",
           "a" * 300, "<script>", "' OR 1=1 --", "=HYPERLINK(\"x\")", "\u202e", "１２", "2021-s1", " 2021 "]
QUERY_KEYS = ["period", "kode", "unit", "group", "induk", "urut", "outcome", "unsur", "kegiatan",
              "page", "q", "format"]
FORM_KEYS = ["version", "element", "text", "owner", "target", "quarters", "quarter", "percent",
             "narrative", "link", "decision", "comment", "reason", "elements", "kind", "unit_id",
             "period", "email", "password", "role", "name", "hidden", "plan_deadline",
             "progress_grace_days", "source_id", "target_id", "alias", "remove_id", "numbering"]


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in SKIP:
                out.append((rule, method))
    return sorted(out, key=lambda x: (x[0].rule, x[1]))


@pytest.fixture
def world(loaded, client):
    """The role matrix's world (an accepted plan of unit A with a report), plus a failed export."""
    w = matrix_world.__wrapped__(loaded, client)
    job = ExportJob(id="00000000-0000-0000-0000-000000000001", kind="period",
                    period=Period.query.filter_by(code="2021-S1").one(), status="failed", error="x")
    db.session.add(job)
    db.session.commit()
    w.ints = [w.a_id, w.b_id, *w.ids.values(), 1, 2]
    return w


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_any_role(world, role):
    app = world.client.application
    routes = _routes(app)
    if role != "anonymous":
        world.login(EMAILS[role])
    ints = st.one_of(st.sampled_from(world.ints), st.integers(0, 2**63))
    texts = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
    failures = []

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(route=st.sampled_from(routes), data=st.data())
    def crawl(route, data):
        rule, method = route
        path = rule.rule
        for name, conv in rule._converters.items():
            number = isinstance(conv, IntegerConverter)
            value = data.draw(ints) if number else data.draw(texts)
            path = path.replace(f"<{'int:' if number else ''}{name}>", quote(str(value), safe="") or "x")
        query = data.draw(st.dictionaries(st.sampled_from(QUERY_KEYS), texts, max_size=3))
        if method == "GET":
            r = world.client.get(path, query_string=query)
        else:
            form = data.draw(st.dictionaries(st.sampled_from(FORM_KEYS), st.one_of(texts, ints.map(str)),
                                             max_size=6))
            r = world.client.post(path, query_string=query, data=form)
        db.session.rollback()
        if r.status_code >= 500:
            failures.append((method, path, query, r.status_code))
        assert r.status_code < 500, (method, path, query, r.status_code, r.get_data(as_text=True)[:500])
        g.pop("_login_user", None)  # the test's app context outlives each request

    crawl()
    assert not failures


@pytest.mark.parametrize("path", ["/rtl/kegiatan/9223372036854775808", "/rtl/kegiatan/2147483648",
                                  "/periode/2021-S1/unit/99999999999999999999999", "/admin/unit/2147483648"])
def test_ids_beyond_what_the_database_holds_are_404(world, path):
    """Found by the crawl: an id past 2^63 reached SQLite's driver and overflowed (a 500)."""
    world.login("admin@kota.go.id")
    assert world.client.get(path).status_code == 404
