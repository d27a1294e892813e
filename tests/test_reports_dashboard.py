"""Dashboards: access, rendering, CSV downloads, and query counts that do not grow with units."""
from __future__ import annotations

import csv
import io
import re

from tests.conftest import make_user
from tests.helpers import QueryCounter as QueryCount
from tests.test_reports_data import add_plans, load_synthetic
from tracker.extensions import db


def _login(auth, email, role, units=()):
    make_user(email, role, units)
    assert auth.login(email).status_code == 302


def test_dashboard_needs_login(client, loaded):
    r = client.get("/laporan/dasbor")
    assert r.status_code == 302 and "/login" in r.location


def test_admin_dashboard_renders_all_charts(client, auth, loaded):
    add_plans("2021")
    _login(auth, "admin@kota.go.id", "admin")
    r = client.get("/laporan/dasbor?period=2021")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for key in ("city_trend", "categories", "changes", "above_below", "elements", "realisation"):
        assert f'id="chart-{key}"' in html
        assert f"/laporan/dasbor/{key}.csv" in html
    assert html.count("<svg") == 6
    assert html.count("<details>") == 6
    assert "<script" not in html  # no inline or external script on the dashboard
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "rata-rata IKM unit" in html
    # the city IKM is printed with a decimal comma
    from tracker.results.summary import build_summary
    ikm = build_summary("2021")["city"]["ikm"]
    assert f"{ikm:.3f}".replace(".", ",") in html


def test_inspector_sees_dashboard_manager_sees_own_realisation(client, auth, loaded):
    from tracker.models import Unit
    expected = add_plans("2021")
    _login(auth, "insp@kota.go.id", "inspector")
    assert client.get("/laporan/dasbor").status_code == 200
    auth.logout()
    uid = next(iter(expected))
    unit = db.session.get(Unit, uid)
    _login(auth, "mgr@kota.go.id", "manager", [unit.name])
    r = client.get("/laporan/dasbor")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="chart-realisation"' in html and 'id="chart-categories"' not in html
    assert unit.name in html
    others = [db.session.get(Unit, u).name for u in expected if u != uid]
    assert not [n for n in others if n in html]
    assert client.get("/laporan/dasbor/categories.csv").status_code == 403
    body = client.get("/laporan/dasbor/realisation.csv").get_data(as_text=True)
    assert unit.name in body and not [n for n in others if n in body]


def test_csv_matches_chart_data_and_is_neutralised(client, auth, loaded):
    from tracker.models import Unit
    from tracker.reports import dashboard_data as dd
    unit = Unit.query.order_by(Unit.name).first()
    unit.name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    add_plans("2021")
    _login(auth, "admin@kota.go.id", "admin")
    r = client.get("/laporan/dasbor/elements.csv?period=2021")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.data.startswith("\ufeff".encode("utf-8"))  # UTF-8 BOM: Excel reads the accents right
    # Indonesian Excel: ";" between cells, a decimal comma, no decimal point in numbers
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    data = dd.elements("2021")
    assert rows[0] == data.columns
    assert all(re.fullmatch(r"\d+,\d+", x[3]) for x in rows[1:]), rows[1:]
    assert [float(x[3].replace(",", ".")) for x in rows[1:]] == [row[3] for row in data.rows]
    # the city trend agrees with `skm summary` (another path to the same numbers)
    from tracker.results.summary import build_summary
    trend = list(csv.reader(io.StringIO(client.get("/laporan/dasbor/city_trend.csv").data.decode("utf-8-sig")),
                            delimiter=";"))
    by_code = {row[0]: row for row in trend[1:]}
    for code in ("2021-S1", "2021-S2", "2021"):
        city = build_summary(code)["city"]
        assert round(float(by_code[code][2].replace(",", ".")), 3) == city["ikm"]  # summary: 3 decimals
    assert by_code["2021-S1"][4:] == ["44", "4255"]  # counts stay integers, no thousands dot
    body = client.get("/laporan/dasbor/realisation.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert not re.search(r'(^|;)"?=', body, re.M)
    assert client.get("/laporan/dasbor/nothing.csv").status_code == 404
    assert client.get("/laporan/dasbor?period=1999").status_code == 404


def test_empty_dashboard(client, auth, app):
    _login(auth, "admin@kota.go.id", "admin")
    r = client.get("/laporan/dasbor")
    assert r.status_code == 200 and "Belum ada hasil SKM" in r.get_data(as_text=True)


def test_dashboard_queries_do_not_grow_with_units(client, auth, app):
    _login(auth, "admin@kota.go.id", "admin")
    load_synthetic(20)
    add_plans("2021", limit=20)
    client.get("/laporan/dasbor")  # warm up
    with QueryCount() as small:
        assert client.get("/laporan/dasbor").status_code == 200
    from tests.test_reports_data import synthetic_csv
    from tracker.imports.service import import_scores
    for k, code in enumerate(("2021-S1", "2021-S2")):
        import_scores(synthetic_csv(120, seed=k + 7, prefix="Unit Tambahan"), f"b-{code}.csv", code,
                      "questionnaire", user="t", replace=True)
    add_plans("2021", unit_names=[f"Unit Tambahan {i:03d}" for i in range(1, 121)], limit=120)
    client.get("/laporan/dasbor")  # warm up again: the data changed (the badge is counted anew)
    with QueryCount() as big:
        assert client.get("/laporan/dasbor").status_code == 200
    assert big.count == small.count, (small.count, big.count)


def test_realisation_chart_for_one_unit(client, auth, loaded):
    from tracker.models import Unit
    expected = add_plans("2021", limit=10)
    uid = next(iter(expected))
    unit = db.session.get(Unit, uid)
    _login(auth, "admin@kota.go.id", "admin")
    html = client.get(f"/laporan/dasbor?unit={uid}").get_data(as_text=True)
    svg = html.split('id="chart-realisation"')[1].split("</svg>")[0]
    assert unit.name[:22] in svg and "Kota" in svg
