"""Public results page: no login, read-only, city IKM with its aggregation named, unit IKM and
category; nothing private."""
from tests.helpers import QueryCounter as QueryCount
from tests.test_reports_data import add_plans
from tracker.extensions import db


def test_public_index_without_login(client, loaded):
    from tracker.results.summary import build_summary
    r = client.get("/hasil/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "rata-rata IKM unit" in html
    for code, label in (("2021-S1", "Semester I 2021"), ("2021-S2", "Semester II 2021"),
                        ("2021", "Tahun 2021")):
        s = build_summary(code)
        assert label in html
        assert f"{s['city']['ikm']:.3f}".replace(".", ",") in html
        for u in s["units"][:5]:
            assert u["unit"] in html
            assert f"{u['ikm']:.3f}".replace(".", ",") in html


def test_public_period_page(client, loaded):
    from tracker.models import Unit
    from tracker.results.summary import build_summary
    unit = Unit.query.order_by(Unit.name).first()
    unit.contact, unit.phone = "Narahubung Rahasia", "0899999"
    db.session.commit()
    add_plans("2021")
    r = client.get("/hasil/2021-S2")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    s = build_summary("2021-S2")
    assert f"{s['city']['ikm']:.3f}".replace(".", ",") in html
    assert "rata-rata IKM unit" in html
    for u in s["units"]:
        assert u["unit"].replace(",", "&#44;") in html or u["unit"] in html
    assert "Narahubung Rahasia" not in html and "0899999" not in html
    assert "Evaluasi SOP" not in html and "bukti.example" not in html
    assert client.get("/hasil/2030").status_code == 404
    assert client.get("/hasil/bukan-periode").status_code == 404


def test_public_is_read_only(client, loaded):
    assert client.post("/hasil/").status_code == 405
    assert client.post("/hasil/2021").status_code == 405


def test_public_empty(client, app):
    r = client.get("/hasil/")
    assert r.status_code == 200 and "Belum ada hasil" in r.get_data(as_text=True)


def test_public_nav_link_for_anonymous(client, loaded):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/hasil/"' in html


def test_public_query_count_constant(client, app):
    """Counted on the period that grows: 2021's semesters re-imported with 60 units instead
    of 5 (so the year grows too)."""
    from tests.test_reports_data import synthetic_csv
    from tracker.imports.service import import_scores

    def load(n, replace):
        for k, code in enumerate(("2021-S1", "2021-S2")):
            import_scores(synthetic_csv(n, seed=k + 1), "s.csv", code, "questionnaire", user="t",
                          replace=replace)
    load(5, False)
    client.get("/hasil/2021")
    with QueryCount() as q1:
        before = client.get("/hasil/2021").get_data(as_text=True)
    load(60, True)
    with QueryCount() as q2:
        after = client.get("/hasil/2021").get_data(as_text=True)
    assert before.count("Unit Sintetis") < 20 <= 60 <= after.count("Unit Sintetis")
    assert q1.count == q2.count


def test_public_index_queries_flat_in_periods(client, loaded):
    from tests.test_reports_data import load_synthetic
    client.get("/hasil/")
    with QueryCount() as q1:
        client.get("/hasil/")
    load_synthetic(10, codes=("2022-S1", "2022-S2", "2023-S1"))
    with QueryCount() as q2:
        html = client.get("/hasil/").get_data(as_text=True)
    assert "Semester I 2023" in html and "Tahun 2022" in html
    assert q1.count == q2.count
