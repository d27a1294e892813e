"""Period recap and unit pages, per role, with flat query counts."""
import pytest

from tests.conftest import make_user
from tests.helpers import QueryCounter
from tracker.models import Unit


@pytest.fixture
def people(loaded):
    bapenda = Unit.query.filter(Unit.name.like("Badan Pendapatan%")).one()
    techno = Unit.query.filter_by(name="UPT Solo Technopark").one()
    make_user("admin@kota.go.id", "admin")
    make_user("insp@kota.go.id", "inspector")
    make_user("mgr@kota.go.id", "manager", [bapenda.name])
    return {"bapenda": bapenda, "techno": techno}


def test_anonymous_redirected_to_login(client, people):
    r = client.get("/periode/2021")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_admin_reads_tabel_31(client, auth, people):
    auth.login("admin@kota.go.id")
    html = client.get("/periode/2021").get_data(as_text=True)
    assert "Tabel 3.1" in html and "Semester I" in html and "Naik" in html
    assert "rata-rata IKM unit" in html
    assert "Tabel 3.3" in html and "Tabel 3.4" in html and "Tabel 3.5" in html
    assert "88,713" in html or "88,71" in html  # Bapenda's year IKM, decimal comma


def test_unit_page_shows_scores_priorities_and_flags(client, auth, people):
    auth.login("insp@kota.go.id")
    html = client.get(f"/periode/2021-S1/unit/{people['bapenda'].id}").get_data(as_text=True)
    assert "S nilai unsur" in html and "NRR tertimbang" in html
    assert "86,546" in html
    assert "U3 Waktu Penyelesaian" in html  # first priority
    techno = client.get(f"/periode/2021-S1/unit/{people['techno'].id}").get_data(as_text=True)
    assert "Catatan kualitas data" in techno


def test_manager_sees_only_own_unit(client, auth, people):
    auth.login("mgr@kota.go.id")
    assert client.get(f"/periode/2021-S1/unit/{people['bapenda'].id}").status_code == 200
    assert client.get(f"/periode/2021-S1/unit/{people['techno'].id}").status_code == 404
    html = client.get("/periode/2021-S1").get_data(as_text=True)
    assert "Badan Pendapatan" in html
    assert "UPT Solo Technopark</a>" not in html


def test_weighted_aggregation_is_labelled(client, auth, people):
    auth.login("admin@kota.go.id")
    html = client.get("/periode/2021-S1?agregasi=tertimbang").get_data(as_text=True)
    assert "tertimbang jumlah responden" in html


def _rows(n):
    rows = ["unit,respondents," + ",".join(f"s_u{i}" for i in range(1, 10))]
    rows += [f"Kelurahan {i},100," + ",".join(str(300 + (i * 7 + j) % 50) for j in range(9)) for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def test_recap_query_count_is_flat(client, auth, people, app):
    from tracker.imports.service import import_scores
    auth.login("admin@kota.go.id")
    counts = []
    for n, replace in ((5, False), (150, True)):
        for code in ("2022-S1", "2022-S2"):
            import_scores(_rows(n), "k.csv", code, "questionnaire", user="t", replace=replace)
        unit_id = Unit.query.filter_by(name="Kelurahan 3").one().id
        with QueryCounter() as recap:
            assert client.get("/periode/2022").status_code == 200
        with QueryCounter() as semester:
            assert client.get("/periode/2022-S1").status_code == 200
        with QueryCounter() as unit:
            assert client.get(f"/periode/2022/unit/{unit_id}").status_code == 200
        counts.append((recap.count, semester.count, unit.count))
    assert counts[0] == counts[1]


def test_upload_page_imports_and_reports_errors(client, auth, people, tmp_path):
    from io import BytesIO
    auth.login("admin@kota.go.id")
    good = b"unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\nUnit Baru,10,30,31,28,35,32,33,34,29,36\n"
    r = client.post("/impor/", data={"kind": "scores", "period": "2022-S1", "numbering": "questionnaire",
                                     "create_units": "y", "file": (BytesIO(good), "a.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert "Impor berhasil" in r.get_data(as_text=True)
    bad = good.replace(b",10,30,", b",10,50,")
    r = client.post("/impor/", data={"kind": "scores", "period": "2022-S2", "numbering": "questionnaire",
                                     "file": (BytesIO(bad), "b.csv")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Baris 2, kolom &#39;s_u1&#39;" in html or "Baris 2, kolom 's_u1'" in html
    r = client.post("/impor/", data={"kind": "scores", "period": "2022-S2", "numbering": "",
                                     "file": (BytesIO(good), "b.csv")}, content_type="multipart/form-data")
    assert r.status_code == 400 and "penomoran" in r.get_data(as_text=True).lower()


@pytest.mark.parametrize("email", ["insp@kota.go.id", "mgr@kota.go.id"])
def test_only_admin_uploads(client, auth, people, email):
    auth.login(email)
    assert client.get("/impor/").status_code == 403
    assert client.get("/admin/pengguna").status_code == 403


def test_login_throttled_after_repeated_failures(client, auth, people):
    for _ in range(5):
        assert auth.login("admin@kota.go.id", "salah-salah").status_code == 401
    r = auth.login("admin@kota.go.id")
    assert r.status_code == 429
    assert client.get("/periode/2021").status_code == 302


def test_users_create_cli(runner, people):
    r = runner.invoke(args=["users", "create", "--email", "m2@kota.go.id", "--password", "rahasia123",
                            "--role", "manager", "--unit", "upt solo technopark", "--unit", people["bapenda"].name])
    assert r.exit_code == 0, r.output
    from tracker.models import User
    user = User.query.filter_by(email="m2@kota.go.id").one()
    assert {u.name for u in user.units} == {"UPT Solo Technopark", people["bapenda"].name}
    assert user.password_hash != "rahasia123" and user.check_password("rahasia123")
    r = runner.invoke(args=["users", "create", "--email", "m3@kota.go.id", "--password", "rahasia123",
                            "--role", "manager", "--unit", "Tidak Ada"])
    assert r.exit_code != 0 and "tidak dikenal" in r.output
