"""Abuse: malformed imports, CSRF, login throttling, oversize and wrong-type uploads, path tricks
in evidence names, formula injection in exports, cookie flags and security headers."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.dataset import build_city
from tests.conftest import make_app, make_user
from tests.helpers import snapshot
from tracker.extensions import db
from tracker.imports.readers import ImportRejected
from tracker.models import Action, ProgressEntry, Unit, User

HYP = settings(max_examples=40, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.data_too_large])
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# ------------------------------------------------------------------ malformed import files

HEADERS = (["unit", "respondents", "reported_ikm", "population", "method", "age", "usia", "sex"]
           + [f"s_u{i}" for i in range(1, 11)] + [f"nrr_u{i}" for i in range(1, 10)]
           + [f"u{i}" for i in range(0, 11)] + ["element", "action", "quarters", "owner"])
NASTY = ["", " ", "0", "-1", "5", "4", "1", "3,5", "3.5", "1e308", "-1e308", "nan", "inf", "NaN",
         "99999999999999999999999999", str(2 ** 64), "12.921", "86,55", "98,57 5", "1,234.5",
         "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1:A9)",
         "\u0000", "\ufeff", "ünïcödé", "👍", "日本語", "\u202e", "a\nb", "\"", "'", ";", ",",
         "U8 (Sarana Prasarana)", "2021-TW4;2022-TW1", "2021-TW9", "Kelurahan  A", "KELURAHAN A"]

cell = st.one_of(st.sampled_from(NASTY), st.text(max_size=12),
                 st.integers(min_value=-10 ** 30, max_value=10 ** 30).map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(repr))
header = st.one_of(st.sampled_from(HEADERS), st.text(max_size=10))


@st.composite
def tables(draw):
    cols = draw(st.lists(header, min_size=0, max_size=12))
    if draw(st.booleans()):
        cols = ["unit"] + [f"u{i}" for i in range(1, 10)] + cols[:2]
    rows = draw(st.lists(st.lists(cell, min_size=len(cols), max_size=len(cols)), max_size=6))
    return cols, rows


def _csv(cols, rows, sep) -> bytes:
    import csv
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep)
    writer.writerow(cols)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


def _xlsx(cols, rows) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for r, values in enumerate([cols] + rows, 1):
        for c, v in enumerate(values, 1):
            try:
                ws.cell(r, c, v)
            except Exception:  # noqa: BLE001 - openpyxl refuses control characters
                ws.cell(r, c, repr(v))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


files = st.one_of(
    st.tuples(st.binary(max_size=300), st.sampled_from(["x.csv", "x.xlsx", "x.xls", "x", "x.txt"])),
    tables().flatmap(lambda t: st.tuples(
        st.sampled_from([",", ";"]).map(lambda sep: _csv(t[0], t[1], sep)), st.just("t.csv"))),
    tables().map(lambda t: (_xlsx(*t), "t.xlsx")),
)


def _importers():
    from tracker.followup.rtl_import import import_rtl
    from tracker.imports.service import import_responses, import_scores
    return {"scores": import_scores, "responses": import_responses, "rtl": import_rtl}


@HYP
@given(f=files, kind=st.sampled_from(["scores", "responses", "rtl"]),
       period=st.sampled_from(["2021-S1", "2021", "2021-Q3", "20x1", ""]),
       numbering=st.sampled_from(["questionnaire", "regulation", None, "bogus"]),
       replace=st.booleans(), create=st.booleans())
def test_malformed_imports_never_crash_nor_change_the_database(app, f, kind, period, numbering,
                                                               replace, create):
    data, name = f
    before = snapshot()
    try:
        _importers()[kind](data, name, period, numbering, user="hypothesis", replace=replace,
                           create_units=create)
    except ImportRejected as exc:
        assert exc.messages(), "a rejection names at least one problem"
        db.session.rollback()
        assert snapshot() == before
    # Success is allowed: the file happened to be valid.


@settings(HYP, max_examples=15)
@given(f=files, kind=st.sampled_from(["scores", "responses", "rtl"]),
       numbering=st.sampled_from(["questionnaire", "regulation", "bogus", ""]))
def test_malformed_uploads_through_the_page_never_500(app, f, kind, numbering):
    client = app.test_client()
    if not User.query.filter_by(email="admin@kota.go.id").first():
        make_user("admin@kota.go.id", "admin")
    assert client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"}).status_code == 302
    data, name = f
    before = snapshot()
    r = client.post("/impor/", data={"kind": kind, "period": "2021-S1", "numbering": numbering,
                                     "create_units": "y", "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")
    assert r.status_code in (200, 400), r.status_code
    if r.status_code == 400:
        db.session.rollback()
        assert snapshot() == before


@pytest.mark.parametrize("kind", ["scores", "responses"])
def test_huge_and_formula_cells_are_rejected_with_row_and_column(app, kind):
    cols = "unit," + ",".join((f"s_u{i}" if kind == "scores" else f"u{i}") for i in range(1, 10))
    if kind == "scores":
        cols = cols.replace("unit,", "unit,respondents,")
    body = cols + "\n"
    if kind == "scores":
        body += "=HYPERLINK(\"http://x\"),1e400," + ",".join(["99999999999999999999"] * 9) + "\n"
    else:
        body += "@SUM(A1),1e400," + ",".join(["3"] * 8) + "\n"
    before = snapshot()
    with pytest.raises(ImportRejected) as info:
        _importers()[kind](body.encode(), "x.csv", "2021-S1", "questionnaire", user="t")
    text = "\n".join(info.value.messages()).lower()
    assert "baris 2" in text and "kolom" in text
    assert snapshot() == before


# ------------------------------------------------------------------ CSRF

def _csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "form carries a csrf_token"
    return m.group(1)


def test_post_without_csrf_is_refused(csrf_app):
    make_user("admin@kota.go.id", "admin")
    client = csrf_app.test_client()
    # Login itself is a form: without the token it is refused.
    r = client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123",
                                    "csrf_token": token})
    assert r.status_code == 302
    before = snapshot()
    body = b"unit,respondents," + b",".join(b"s_u%d" % i for i in range(1, 10)) + b"\nA,10," + b",".join([b"30"] * 9)
    r = client.post("/impor/", data={"kind": "scores", "period": "2021-S1", "numbering": "questionnaire",
                                     "create_units": "y", "file": (io.BytesIO(body), "a.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    r = client.post("/logout")
    assert r.status_code == 400
    assert snapshot() == before


# ------------------------------------------------------------------ login throttling

def test_repeated_failed_logins_are_throttled(client):
    from tracker.models import LoginThrottle
    make_user("insp@kota.go.id", "inspector")
    for _ in range(5):
        r = client.post("/login", data={"email": "insp@kota.go.id", "password": "salah-salah"})
        assert r.status_code == 401
    r = client.post("/login", data={"email": "insp@kota.go.id", "password": "rahasia123"})
    assert r.status_code == 429  # even the right password waits until the delay is over
    db.session.expire_all()
    row = LoginThrottle.query.one()
    assert row.blocked_until is not None  # stored in the database: every worker sees it
    # Another spelling of the address does not dodge it.
    r = client.post("/login", data={"email": "INSP@Kota.go.id", "password": "rahasia123"})
    assert r.status_code == 429
    # Someone else's guesses from another address do not lock the person out.
    other = client.application.test_client()
    r = other.post("/login", data={"email": "insp@kota.go.id", "password": "rahasia123"},
                   environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 302


def test_unknown_emails_are_answered_like_known_ones(client):
    make_user("insp@kota.go.id", "inspector")
    known = [client.post("/login", data={"email": "insp@kota.go.id", "password": "salah-salah"})
             for _ in range(6)]
    unknown = [client.post("/login", data={"email": "tidak.ada@kota.go.id", "password": "salah-salah"})
               for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429]
    words = lambda r: re.sub(r"\d+ detik", "N detik", re.search(r'class="flash[^"]*"[^>]*>([^<]+)<',
                                                              r.get_data(as_text=True)).group(1))
    assert words(known[0]) == words(unknown[0]) and words(known[-1]) == words(unknown[-1])


def test_delays_grow_and_a_success_clears_them(client):
    from datetime import timedelta

    from tracker.models import LoginThrottle
    from tracker.models._base import utcnow
    make_user("insp@kota.go.id", "inspector")
    waits = []
    for tries in (6, 1, 1):  # five checked guesses, then one more each time a delay is over
        for _ in range(tries):
            r = client.post("/login", data={"email": "insp@kota.go.id", "password": "salah-salah"})
        assert r.status_code == 429
        waits.append(int(re.search(r"dalam (\d+) detik", r.get_data(as_text=True)).group(1)))
        row = LoginThrottle.query.one()
        row.blocked_until = utcnow() - timedelta(seconds=1)  # the delay is over
        db.session.commit()
    assert waits[0] <= 30 < waits[1] <= 60 < waits[2] <= 120
    assert client.post("/login", data={"email": "insp@kota.go.id", "password": "rahasia123"}).status_code == 429
    db.session.expire_all()
    LoginThrottle.query.one().blocked_until = utcnow() - timedelta(seconds=1)
    LoginThrottle.query.one().attempts = 0
    db.session.commit()
    assert client.post("/login", data={"email": "insp@kota.go.id", "password": "rahasia123"}).status_code == 302
    assert LoginThrottle.query.count() == 0


def test_concurrent_guesses_share_no_attempt(app):
    """Ten guesses at once: only the first five are checked, the rest wait."""
    import threading
    make_user("insp@kota.go.id", "inspector")
    codes = []

    def guess():
        r = app.test_client().post("/login", data={"email": "insp@kota.go.id", "password": "salah-salah"})
        codes.append(r.status_code)

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [401] * 5 + [429] * 5


# ------------------------------------------------------------------ uploads: size and type

def test_oversize_upload_refused_413(backend, tmp_path):
    app = make_app(backend, tmp_path, IMPORT_MAX_CONTENT_LENGTH=16 * 1024)
    with app.app_context():
        make_user("admin@kota.go.id", "admin")
        client = app.test_client()
        client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
        before = snapshot()
        big = b"unit,u1\n" + b"A,1\n" * 20000
        r = client.post("/impor/", data={"kind": "responses", "period": "2021-S1",
                                         "numbering": "questionnaire", "file": (io.BytesIO(big), "b.csv")},
                        content_type="multipart/form-data")
        assert r.status_code == 413
        assert snapshot() == before
        db.session.remove()
        db.engine.dispose()


def test_the_import_page_takes_files_larger_than_other_forms(backend, tmp_path):
    """Respondent files run to hundreds of MB: the import page has its own cap, above the one
    every other form keeps; the file is spooled to disk and kept as the batch's original."""
    app = make_app(backend, tmp_path, MAX_CONTENT_LENGTH=16 * 1024, IMPORT_MAX_CONTENT_LENGTH=1024 * 1024)
    with app.app_context():
        make_user("admin@kota.go.id", "admin")
        client = app.test_client()
        client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
        body = b"unit,u1,u2,u3,u4,u5,u6,u7,u8,u9\n" + b"Kantor A,4,3,3,4,2,3,4,3,4\n" * 3000
        r = client.post("/impor/", data={"kind": "responses", "period": "2021-S1", "numbering": "questionnaire",
                                         "create_units": "y", "file": (io.BytesIO(body), "r.csv")},
                        content_type="multipart/form-data")
        assert r.status_code == 200, r.get_data(as_text=True)[:2000]
        from tracker.models import ImportBatch
        batch = ImportBatch.query.one()
        assert batch.row_count == 3000 and batch.content is None
        kept = sorted(p.name for p in (Path(app.config["UPLOAD_DIR"]) / "imports").iterdir())
        assert kept == [Path(batch.content_path).name], "only the kept original, no spooled upload left"
        download = client.get(f"/impor/{batch.id}/berkas")
        assert download.status_code == 200 and download.data == body
        # Any other form keeps the general cap.
        from flask import g
        g.pop("_login_user", None)  # the app context outlives the request: forget who logged in
        r = app.test_client().post("/login", data={"email": "x" * 20000, "password": "y"})
        assert r.status_code == 413
        db.session.remove()
        db.engine.dispose()


def test_a_refused_import_leaves_no_file_behind(backend, tmp_path):
    app = make_app(backend, tmp_path)
    with app.app_context():
        make_user("admin@kota.go.id", "admin")
        client = app.test_client()
        client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
        before = snapshot()
        body = b"unit,u1,u2,u3,u4,u5,u6,u7,u8,u9\n" + b"Kantor A,4,3,3,4,2,3,4,3,4\n" * 50 + b"Kantor A,9,3,3,4,2,3,4,3,4\n"
        r = client.post("/impor/", data={"kind": "responses", "period": "2021-S1", "numbering": "questionnaire",
                                         "create_units": "y", "file": (io.BytesIO(body), "r.csv")},
                        content_type="multipart/form-data")
        assert r.status_code == 400 and "Baris 52" in r.get_data(as_text=True)
        assert snapshot() == before
        folder = Path(app.config["UPLOAD_DIR"]) / "imports"
        assert not folder.exists() or not any(folder.iterdir())
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("name", ["a.exe", "a.xls", "a.txt", "a.csv.exe", "a"])
def test_wrong_type_import_refused(client, auth, name):
    make_user("admin@kota.go.id", "admin")
    auth.login("admin@kota.go.id")
    before = snapshot()
    r = client.post("/impor/", data={"kind": "scores", "period": "2021-S1", "numbering": "questionnaire",
                                     "file": (io.BytesIO(b"MZ\x90\x00binary"), name)},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert snapshot() == before


# ------------------------------------------------------------------ evidence files

@pytest.fixture
def evidence_setup(app):
    city = build_city(1, ["2024-S1"], priorities=1, actions=1, progress=False, unit_prefix="Dinas Uji")
    unit = db.session.get(Unit, city.unit_ids[0])
    make_user("mgr@kota.go.id", "manager", [unit.name])
    action = db.session.get(Action, city.action_ids[0])
    return {"action": action, "quarter": action.quarters[0], "upload": Path(app.config["UPLOAD_DIR"])}


def _post_progress(client, action_id, quarter, data, filename):
    return client.post(f"/rtl/kegiatan/{action_id}/kemajuan",
                       data={"quarter": quarter, "percent": "50", "narrative": "Pelatihan dilaksanakan.",
                             "evidence": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_file()} if path.exists() else set()


@pytest.mark.parametrize("filename", [
    "../../etc/passwd.pdf", "/etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf",
    "bukti\x00.pdf", "bukti\x01\x1f\x7f.pdf", "bu\u202ekti.pdf",
    "../" * 20 + "tmp/evil.pdf", "....//....//x.pdf", "%2e%2e%2fx.pdf",
])
def test_evidence_names_cannot_escape_upload_dir(client, auth, evidence_setup, tmp_path, filename):
    auth.login("mgr@kota.go.id")
    action, quarter, upload = evidence_setup["action"], evidence_setup["quarter"], evidence_setup["upload"]
    outside_before = _files_under(tmp_path) - _files_under(upload)
    r = _post_progress(client, action.id, quarter, PDF, filename)
    assert r.status_code in (302, 400), r.status_code
    outside_after = _files_under(tmp_path) - _files_under(upload)
    assert outside_after == outside_before, "nothing written outside UPLOAD_DIR"
    assert not Path("/etc/passwd.pdf").exists() and not Path("/tmp/evil.pdf").exists()
    db.session.expire_all()
    entry = ProgressEntry.query.filter_by(action_id=action.id).order_by(ProgressEntry.id.desc()).first()
    if r.status_code == 302:
        assert entry is not None
        stored = (upload / entry.evidence_path).resolve()
        assert upload.resolve() in stored.parents and stored.is_file()
        assert "/" not in (entry.evidence_name or "") and "\\" not in (entry.evidence_name or "")
        assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in (entry.evidence_name or ""))
        d = client.get(f"/rtl/laporan/{entry.id}/bukti")
        assert d.status_code == 200 and d.data == PDF
        disposition = d.headers["Content-Disposition"]
        assert "/" not in disposition.split("filename", 1)[1] and ".." not in disposition
    else:
        assert entry is None


def test_tampered_evidence_path_is_not_served(client, auth, evidence_setup, tmp_path):
    auth.login("mgr@kota.go.id")
    action, quarter = evidence_setup["action"], evidence_setup["quarter"]
    assert _post_progress(client, action.id, quarter, PDF, "bukti.pdf").status_code == 302
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(PDF + b"secret")
    entry = ProgressEntry.query.filter_by(action_id=action.id).one()
    for bad in ("../secret.pdf", str(secret), "evidence/../../secret.pdf", "/etc/passwd"):
        ProgressEntry.query.filter_by(id=entry.id).update({"evidence_path": bad})
        db.session.commit()
        r = client.get(f"/rtl/laporan/{entry.id}/bukti")
        assert r.status_code == 404, bad


@pytest.mark.parametrize("data,filename,why", [
    (b"MZ\x90\x00" * 10, "virus.exe", "tidak diizinkan"),
    (PNG, "gambar.pdf", "tidak sesuai"),
    (b"<script>alert(1)</script>", "x.html", "tidak diizinkan"),
    (b"PK\x03\x04not a zip", "x.docx", "tidak sesuai"),
    (b"%PDF-1.4" + b"0" * 4096, "besar.pdf", "terlalu besar"),
])
def test_evidence_wrong_type_or_size_refused(backend, tmp_path, data, filename, why):
    app = make_app(backend, tmp_path, EVIDENCE_MAX_BYTES=2048)
    with app.app_context():
        city = build_city(1, ["2024-S1"], priorities=1, actions=1, progress=False, unit_prefix="Dinas Uji")
        unit = db.session.get(Unit, city.unit_ids[0])
        make_user("mgr@kota.go.id", "manager", [unit.name])
        action = db.session.get(Action, city.action_ids[0])
        client = app.test_client()
        client.post("/login", data={"email": "mgr@kota.go.id", "password": "rahasia123"})
        before = snapshot()
        r = _post_progress(client, action.id, action.quarters[0], data, filename)
        assert r.status_code in (400, 413)
        if r.status_code == 400:
            assert why in r.get_data(as_text=True)
        assert snapshot() == before
        assert not _files_under(Path(app.config["UPLOAD_DIR"]))
        db.session.remove()
        db.engine.dispose()


# ------------------------------------------------------------------ formula injection in exports

PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"klik\")", "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1:A9)",
            "=1+1", "\t=2+2"]


def _inject(city):
    units = [db.session.get(Unit, uid) for uid in city.unit_ids]
    for unit, payload in zip(units, PAYLOADS):
        unit.name = payload
        unit.name_key = payload.lower()
        unit.contact = payload
    for action, payload in zip(Action.query.order_by(Action.id).all(), PAYLOADS * 10):
        action.text = payload + " kegiatan"
        action.owner = payload
    db.session.commit()


def _assert_no_formulas(path: Path):
    from openpyxl import load_workbook
    wb = load_workbook(path)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                v = c.value
                if isinstance(v, str):
                    for p in PAYLOADS:
                        core = p.strip()[:6]
                        if core in v:
                            seen.add(p)
                            assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), \
                                f"{ws.title}!{c.coordinate} not neutralised: {v!r}"
    return seen


def test_exported_annex_neutralises_formula_text(app, tmp_path):
    from tracker.reports.annex import write_period_workbook, write_unit_workbook
    city = build_city(len(PAYLOADS), ["2024-S1", "2024-S2"], priorities=3, actions=1)
    _inject(city)
    for code in ("2024-S2", "2024"):
        out = tmp_path / f"annex-{code}.xlsx"
        write_period_workbook(code, out)
        seen = _assert_no_formulas(out)
        assert seen >= {"=HYPERLINK(\"http://evil.example\",\"klik\")", "+cmd|' /C calc'!A0", "-1+1",
                        "@SUM(A1:A9)"}, "the payloads reached the workbook"
    out = tmp_path / "unit.xlsx"
    write_unit_workbook("2024-S2", city.unit_ids[0], out)
    assert "=HYPERLINK(\"http://evil.example\",\"klik\")" in _assert_no_formulas(out)


def test_export_download_and_chart_csv_neutralise_formula_text(app, client, auth, tmp_path):
    city = build_city(len(PAYLOADS), ["2024-S1", "2024-S2"], priorities=3, actions=1)
    _inject(city)
    make_user("admin@kota.go.id", "admin")
    auth.login("admin@kota.go.id")
    r = client.post("/laporan/ekspor", data={"kind": "period", "period": "2024-S2"})
    assert r.status_code == 302
    job_id = r.headers["Location"].rstrip("/").split("/")[-1]
    d = client.get(f"/laporan/ekspor/{job_id}/unduh")
    assert d.status_code == 200
    out = tmp_path / "dl.xlsx"
    out.write_bytes(d.data)
    assert _assert_no_formulas(out)
    from tracker.reports import dashboard_data as dd
    import csv
    seen = set()
    for key in dd.CHARTS:
        r = client.get(f"/laporan/dasbor/{key}.csv?period=2024-S2")
        assert r.status_code == 200, key  # every chart has data here: none may be skipped
        for row in csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"):
            for value in row:
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (key, value)
                if value.startswith("'"):
                    seen.add(value)
    # The payloads reached the CSVs (as unit names), neutralised with the apostrophe.
    assert any(v.startswith("'=") for v in seen) and any(v.startswith("'@") for v in seen), seen


# ------------------------------------------------------------------ cookies and headers

def _set_cookie(response, name="session") -> str:
    for value in response.headers.getlist("Set-Cookie"):
        if value.startswith(name + "="):
            return value
    raise AssertionError(f"no {name} cookie set")


def _flags(cookie: str) -> set[str]:
    return {p.strip().lower() for p in cookie.split(";")[1:]}


def test_session_cookie_flags_http(client):
    make_user("insp@kota.go.id", "inspector")
    r = client.post("/login", data={"email": "insp@kota.go.id", "password": "rahasia123"})
    assert r.status_code == 302
    flags = _flags(_set_cookie(r))
    assert "httponly" in flags and "samesite=lax" in flags
    assert "secure" not in flags  # plain http (development): a Secure cookie would be dropped


@pytest.mark.parametrize("how", ["base_url", "forwarded"])
def test_session_cookie_secure_behind_https(client, how):
    make_user("insp@kota.go.id", "inspector")
    kwargs = ({"base_url": "https://skm.kota.go.id"} if how == "base_url"
              else {"headers": {"X-Forwarded-Proto": "https"}})
    r = client.post("/login", data={"email": "insp@kota.go.id", "password": "rahasia123"}, **kwargs)
    assert r.status_code == 302
    flags = _flags(_set_cookie(r))
    assert {"httponly", "samesite=lax", "secure"} <= flags
    assert "max-age=31536000" in r.headers.get("Strict-Transport-Security", "")


def _assert_security_headers(r):
    h = r.headers
    csp = h.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[-1].split(";")[0]
    assert h.get("X-Frame-Options") == "DENY"
    assert h.get("X-Content-Type-Options") == "nosniff"
    assert h.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def test_security_headers_on_pages(client, auth, loaded):
    make_user("admin@kota.go.id", "admin")
    for path in ("/login", "/healthz", "/tidak-ada", "/hasil/", "/hasil/2021"):
        _assert_security_headers(client.get(path))
    auth.login("admin@kota.go.id")
    for path in ("/", "/periode/2021", "/periode/2021-S1", "/rtl/pemantauan", "/laporan/dasbor",
                 "/impor/", "/laporan/ekspor"):
        r = client.get(path)
        assert r.status_code == 200, path
        _assert_security_headers(r)


def test_an_import_refused_after_parsing_leaves_only_the_earlier_original(backend, tmp_path):
    """The original is copied aside while the file is parsed: when the import is then refused
    (the period already has data and no replacement was asked for), the copy goes too."""
    from tracker.imports.service import import_responses
    from tracker.imports.readers import ImportRejected
    from tracker.models import ImportBatch
    app = make_app(backend, tmp_path)
    body = b"unit,u1,u2,u3,u4,u5,u6,u7,u8,u9\n" + b"Kantor A,4,3,3,4,2,3,4,3,4\n" * 40
    with app.app_context():
        first = import_responses(body, "r.csv", "2021-S1", "questionnaire", user="cli")
        before = snapshot()
        with pytest.raises(ImportRejected):
            import_responses(body, "r.csv", "2021-S1", "questionnaire", user="cli")
        assert snapshot() == before
        folder = Path(app.config["UPLOAD_DIR"]) / "imports"
        assert sorted(p.name for p in folder.iterdir()) == [Path(first.batch.content_path).name]
        assert ImportBatch.query.count() == 1
        db.session.remove()
        db.engine.dispose()
