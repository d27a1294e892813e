"""Hardening (issue 10, first part): malformed period codes answer 404, database refusals get a
valid status and a sentence, control characters are refused by the forms, passwords and e-mail
addresses follow one rule for the command line and the screens, the last active admin stays,
and a new CSRF secret comes with every login."""
from __future__ import annotations

import re

import pytest

from tests.conftest import make_user
from tests.test_followup_workflow import World
from tracker.extensions import db
from tracker.models import ProgressEntry, User


@pytest.fixture
def world(loaded, client):
    return World(client)


@pytest.mark.parametrize("path", ["/hasil/0000", "/hasil/99999", "/hasil/0000-S1"])
def test_malformed_periods_are_404_without_login(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/periode/0000", "/periode/0000/unit/1", "/rtl/?period=0000",
                                  "/rtl/0000/unit/1", "/rtl/pemantauan?period=0000", "/rtl/9999/unit/3",
                                  "/laporan/dasbor?period=0000"])
def test_malformed_periods_are_404_when_signed_in(world, path):
    world.login("admin@kota.go.id")
    assert world.client.get(path).status_code == 404, path


def test_out_of_range_years_are_refused_by_the_domain():
    from tracker.domain import periods as P
    for code in ("0000", "0001-S1", "1989", "2101-Q1"):
        with pytest.raises(P.BadPeriod):
            P.parse_period(code)
    with pytest.raises(P.BadPeriod):
        P.parse_quarter("0000-TW1")
    assert P.parse_period("1990").code == "1990" and P.parse_period("2100-Q4").code == "2100-Q4"


def test_database_refusals_get_a_valid_status_and_a_sentence(app):
    from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

    class DriverError(Exception):
        pass

    def raiser(exc):
        def view():
            raise exc
        return view

    for name, exc, status in (
            ("integrity", IntegrityError("INSERT", {}, DriverError("duplicate")), 409),
            ("data", DataError("INSERT", {}, DriverError("NUL byte")), 400),
            ("other", DBAPIError("SELECT", {}, DriverError("boom")), 500)):
        exc.code = "9h9h"  # what SQLAlchemy carries: must never become the HTTP status
        app.add_url_rule(f"/_test/{name}", f"test_{name}", raiser(exc))
    client = app.test_client()
    for name, status in (("integrity", 409), ("data", 400), ("other", 500)):
        r = client.get(f"/_test/{name}")
        assert r.status_code == status, name
        assert "9h9h" not in r.get_data(as_text=True)


def test_control_characters_in_a_form_are_refused_with_the_field_named(world):
    plan = world.accepted_plan("2021-S1")
    world.login("m1@kota.go.id")
    action = plan.actions[0]
    r = world.client.post(f"/rtl/kegiatan/{action.id}/kemajuan",
                          data={"quarter": action.quarters[0], "percent": "50",
                                "narrative": "Nul\x00Unit", "link": "https://bukti.test/a"})
    assert r.status_code == 400
    assert "karakter kendali" in r.get_data(as_text=True)
    assert ProgressEntry.query.count() == 0


@pytest.mark.parametrize("password, words", [
    ("pendek123", "minimal 10"), ("password123", "paling sering"), ("Indonesia123", "paling sering"),
    ("baru@kota.go.id", "sama dengan email"), ("baru.pengguna", "sama dengan email")])
def test_password_rules_on_the_command_line(app, runner, password, words):
    email = "baru@kota.go.id" if "@" in password else "baru.pengguna@kota.go.id"
    r = runner.invoke(args=["users", "create", "--email", email, "--password", password,
                            "--role", "inspector"])
    assert r.exit_code != 0 and words in r.output
    assert User.query.count() == 0


def test_command_line_refuses_the_emails_the_login_form_refuses(app, runner, client):
    r = runner.invoke(args=["users", "create", "--email", "orang@x.test", "--password",
                            "kata-sandi-panjang", "--role", "inspector"])
    assert r.exit_code != 0 and "tidak valid" in r.output
    ok = runner.invoke(args=["users", "create", "--email", "orang@kota.go.id", "--password",
                             "kata-sandi-panjang", "--role", "inspector"])
    assert ok.exit_code == 0, ok.output
    assert client.post("/login", data={"email": "orang@kota.go.id",
                                       "password": "kata-sandi-panjang"}).status_code == 302


def test_the_last_active_admin_stays(world):
    world.login("admin@kota.go.id")
    admin = world.admin
    for data in ({"role": "inspector", "active": "y"}, {"role": "admin"}):  # demote, deactivate
        r = world.client.post(f"/admin/pengguna/{admin.id}",
                              data=dict(data, email=admin.email, name=""))
        assert r.status_code == 400 and "Admin aktif terakhir" in r.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active
    make_user("admin2@kota.go.id", "admin")
    r = world.client.post(f"/admin/pengguna/{admin.id}",
                          data={"role": "inspector", "active": "y", "email": admin.email, "name": ""})
    assert r.status_code == 302
    db.session.refresh(admin)
    assert admin.role == "inspector"


def test_login_gives_a_new_csrf_secret(csrf_app):
    make_user("admin@kota.go.id", "admin")
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as s:
        before = s.get("csrf_token")
    r = client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123",
                                    "csrf_token": token})
    assert r.status_code == 302
    with client.session_transaction() as s:
        assert s.get("csrf_token") != before
    # The pre-login token no longer works for a signed-in form.
    r = client.post("/notifikasi/baca-semua", data={"csrf_token": token})
    assert r.status_code == 400


def _fresh(client, path):
    """A request as a new process would serve it (the fixture's app context outlives requests)."""
    from flask import g
    g.pop("_login_user", None)
    return client.get(path)


def _signed_in(app, email):
    from flask import g
    g.pop("_login_user", None)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": "rahasia123"}).status_code == 302
    return client


def test_logout_password_change_and_deactivation_end_every_session(app):
    make_user("admin@kota.go.id", "admin")
    make_user("inspektur@kota.go.id", "inspector")
    laptop, phone = _signed_in(app, "inspektur@kota.go.id"), _signed_in(app, "inspektur@kota.go.id")
    assert _fresh(phone, "/").status_code == 200
    laptop.post("/logout")
    r = _fresh(phone, "/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    # A password change (here by the admin) ends the sessions opened with the old password.
    phone = _signed_in(app, "inspektur@kota.go.id")
    admin = _signed_in(app, "admin@kota.go.id")
    user = User.query.filter_by(email="inspektur@kota.go.id").one()
    r = admin.post(f"/admin/pengguna/{user.id}", data={"email": user.email, "name": "", "role": "inspector",
                                                        "active": "y", "password": "kata-sandi-baru-99"})
    assert r.status_code == 302
    assert _fresh(phone, "/").status_code == 302
    # Deactivation signs the user out everywhere.
    phone = app.test_client()
    from flask import g
    g.pop("_login_user", None)
    assert phone.post("/login", data={"email": user.email, "password": "kata-sandi-baru-99"}).status_code == 302
    assert _fresh(phone, "/").status_code == 200
    admin = _signed_in(app, "admin@kota.go.id")
    r = admin.post(f"/admin/pengguna/{user.id}", data={"email": user.email, "name": "", "role": "inspector"})
    assert r.status_code == 302
    assert _fresh(phone, "/").status_code == 302


def test_one_pending_report_per_action_and_quarter_is_enforced_by_the_database(world):
    from datetime import datetime

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from tracker.followup import service as S
    plan = world.accepted_plan("2021-S1")
    action = plan.actions[0]
    quarter = action.quarters[0]
    # A rejected and a pending report may stand side by side; two pending ones may not.
    db.session.add(ProgressEntry(action_id=action.id, quarter=quarter, percent=10, narrative="x",
                                 status="rejected", submitted_at=datetime(2024, 1, 1)))
    db.session.add(ProgressEntry(action_id=action.id, quarter=quarter, percent=20, narrative="x",
                                 status="submitted", submitted_at=datetime(2024, 1, 2)))
    db.session.commit()
    db.session.add(ProgressEntry(action_id=action.id, quarter=quarter, percent=30, narrative="x",
                                 status="submitted", submitted_at=datetime(2024, 1, 3)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # The race: another session sends a report after this one looked (its entries are loaded).
    other_quarter = action.quarters[1]
    db.session.refresh(action)
    assert [e.quarter for e in action.entries if e.status == "submitted"] == [quarter]
    engine = create_engine(world.client.application.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO progress_entry (action_id, quarter, percent, narrative, status, "
                          "submitted_at, version, source) VALUES (:a, :q, 50, 'lain', 'submitted', :t, 1, 'web')"),
                     {"a": action.id, "q": other_quarter, "t": datetime(2024, 1, 4)})
    engine.dispose()
    data = S.ProgressInput(quarter=other_quarter, percent=60, narrative="saya juga", link="https://bukti.test/x")
    with pytest.raises(S.StaleError, match="baru saja dikirim"):
        S.log_progress(action, data, world.m1)
    assert ProgressEntry.query.filter_by(action_id=action.id, quarter=other_quarter).count() == 1


IMPORT_HEAD = "unit,respondents,u1,u2,u3,u4,u5,u6,u7,u8,u9\n"


@pytest.mark.parametrize("body, where, words", [
    ("A,10,80,80,80,80,80,80,80,80,80\nB,10,80,80,80,80,80,80,80,80,80,99\n", "Baris 3, kolom ke-12", "memuat 12 kolom"),
    ("A," + "9" * 400 + ",80,80,80,80,80,80,80,80,80\n", "Baris 2, kolom 'respondents'", "bukan bilangan bulat"),
    ("A,1e400,80,80,80,80,80,80,80,80,80\n", "Baris 2, kolom 'respondents'", "bukan bilangan bulat"),
    ("Nul\x00Unit,10,80,80,80,80,80,80,80,80,80\n", "Baris 2, kolom 'unit'", "karakter kendali"),
    ("Unit A,10,80,80,80\x07,80,80,80,80,80,80\n", "Baris 2, kolom 'u3'", "karakter kendali"),
])
def test_bad_cells_are_refused_with_row_and_column_and_change_nothing(app, runner, tmp_path, body, where,
                                                                        words):
    from tests.helpers import snapshot
    path = tmp_path / "bad.csv"
    path.write_bytes((IMPORT_HEAD + body).encode())
    before = snapshot()
    r = runner.invoke(args=["skm", "import-scores", str(path), "--period", "2023-S1",
                            "--numbering", "regulation"])
    assert r.exit_code != 0, r.output
    assert where in r.output and words in r.output, r.output
    assert "Traceback" not in r.output and "9" * 60 not in r.output
    assert snapshot() == before


# ------------------------------------------------------------------ limits before parsing

def _xlsx(rows) -> bytes:
    import io

    import xlsxwriter
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return out.getvalue()


def _zip_bomb(size: int) -> bytes:
    """A workbook-shaped zip whose one sheet unpacks to ``size`` bytes of spaces."""
    import io
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b" " * (1 << 20)
            for _ in range(size >> 20):
                part.write(chunk)
    return out.getvalue()


def _refused(data: bytes, name: str, as_text=True):
    from tracker.imports.readers import ImportRejected, read_table
    with pytest.raises(ImportRejected) as info:
        read_table(data, name, as_text=as_text)
    return "\n".join(info.value.messages())


def test_a_million_columns_are_refused_before_parsing(monkeypatch):
    import pandas as pd
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("parsed a refused file"))
    text = _refused(b",".join([b"u"] * 1_000_000) + b"\n" + b"1," * 999_999 + b"1\n", "wide.csv")
    assert text.startswith("Baris 1:") and "1.000.000 kolom" in text and "paling banyak 200" in text


def test_an_endless_line_is_refused_with_its_row(monkeypatch):
    import pandas as pd
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("parsed a refused file"))
    body = IMPORT_HEAD + "A,10,80,80,80,80,80,80,80,80,80\n" + "B" * 70_000 + ",1\n"
    text = _refused(body.encode(), "long.csv")
    assert text.startswith("Baris 3:") and "65.536 byte" in text


def test_too_many_rows_are_refused_before_parsing(monkeypatch):
    import pandas as pd

    from tracker.imports import readers
    monkeypatch.setattr(readers, "MAX_ROWS", 3)
    monkeypatch.setattr(readers, "MAX_RESPONDENT_ROWS", 5)
    body = (IMPORT_HEAD + "A,10,80,80,80,80,80,80,80,80,80\n" * 4).encode()
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("parsed a refused file"))
    assert "4 baris data; paling banyak 3 baris" in _refused(body, "rows.csv")
    monkeypatch.setattr(pd, "read_csv", real)
    assert len(readers.read_table(body, "rows.csv", as_text=False)) == 4  # respondent files: 5
    workbook = _xlsx([IMPORT_HEAD.strip().split(",")] + [["A", 10] + [80] * 9] * 4)
    assert "lebih dari 3 baris data" in _refused(workbook, "rows.xlsx")


def test_a_zip_bomb_workbook_is_refused_before_unpacking(monkeypatch):
    import pandas as pd

    from tracker.imports import readers
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: pytest.fail("unpacked a refused file"))
    bomb = _zip_bomb(readers.MAX_XLSX_UNPACKED + (1 << 20))
    assert len(bomb) < 1024 * 1024  # small on the wire, 201 MB unpacked
    text = _refused(bomb, "bomb.xlsx")
    assert "terlalu besar setelah dibuka (201 MB; paling banyak 200 MB)" in text
    assert "rusak" in _refused(b"PK\x03\x04 not really", "broken.xlsx")


def test_an_overlong_cell_is_refused_with_row_and_column():
    workbook = _xlsx([["unit", "rencana"], ["A", "x"], ["B", "y" * 5001]])
    text = _refused(workbook, "cell.xlsx")
    assert text.startswith("Baris 3, kolom 'rencana':") and "5.000 karakter" in text


def test_caps_reach_the_upload_page_as_a_message(world):
    from tests.helpers import snapshot
    world.login("admin@kota.go.id")
    client = world.client
    before = snapshot()
    import io
    r = client.post("/impor/", data={"kind": "scores", "period": "2021-S1", "numbering": "questionnaire",
                                     "file": (io.BytesIO(b",".join([b"u"] * 5000) + b"\n1\n"), "w.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert "5.000 kolom" in r.get_data(as_text=True)
    assert snapshot() == before
