from tests.conftest import make_user


def test_login_and_home(client, auth):
    make_user("admin@kota.go.id", "admin")
    r = auth.login("admin@kota.go.id")
    assert r.status_code == 302
    assert client.get("/").status_code == 200


def test_import_and_summary(loaded):
    from tracker.results.summary import build_summary
    data = build_summary("2021-S1")
    assert data["city"]["units"] == 44


def test_health_endpoints(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
