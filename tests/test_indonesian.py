"""Indonesian conventions everywhere (issue 9 part 4): numbers typed with a decimal comma, no
English in messages or labels, times in WIB and labelled, dashboard downloads as XLSX with real
numbers and as CSV with ";" and decimal commas."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import Flask

from tests.conftest import make_user
from tests.test_followup_workflow import World
from tracker.extensions import db
from tracker.models import Action, ImportBatch, Notification, Period, ProgressEntry, Unit

ENGLISH = ("Not a valid", "This field is required", "Invalid", "questionnaire", "regulation",
           "mean of unit", "File is not a zip", "Field must", "Field cannot", "Number must",
           "CSRF token", "not a valid choice")
DECIMAL_MESSAGE = "Masukkan angka, misalnya 50,5."


def visible(page: str) -> str:
    """The text a user reads: tags, scripts and styles removed, entities decoded."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def english_in(text: str) -> list[str]:
    low = text.lower()
    return [p for p in ENGLISH if p.lower() in low]


# ------------------------------------------------------------------------------ form fields

@pytest.fixture(scope="module")
def form_app():
    """A bare Flask app: the forms need a request context, not the database."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False, TESTING=True)
    return app


def _progress_form(form_app, percent):
    from tracker.followup.forms import ProgressForm
    with form_app.test_request_context(method="POST", data={
            "quarter": "2021-TW2", "percent": percent, "narrative": "Sudah dilaksanakan"}):
        form = ProgressForm()
        form.quarter.choices = [("2021-TW2", "TW II 2021")]
        ok = form.validate()
        return ok, form.percent.data, list(form.percent.errors)


@pytest.mark.parametrize("typed, value", [
    ("50,5", 50.5), ("50.5", 50.5), ("0", 0.0), ("100", 100.0), (" 75,25 ", 75.25),
    ("33,333", 33.333)])
def test_percent_accepts_indonesian_and_point_decimals(form_app, typed, value):
    ok, data, errors = _progress_form(form_app, typed)
    assert ok and errors == []
    assert data == value


def test_decimal_field_reads_thousands_dot_with_decimal_comma(form_app):
    from tracker.web.fields import DecimalCommaField, IndonesianForm

    class F(IndonesianForm):
        amount = DecimalCommaField("Jumlah")

    for typed, value in (("1.234,5", 1234.5), ("1.234.567", 1234567.0), ("-2,5", -2.5), ("", None)):
        with form_app.test_request_context(method="POST", data={"amount": typed}):
            form = F()
            assert form.validate(), (typed, form.errors)
            assert form.amount.data == value


@pytest.mark.parametrize("typed", ["abc", "50,5%x", "1,234.5", "1.23,5", "nan", "-", "1e3", "inf",
                                   "50,,5"])
def test_percent_garbage_gets_one_bahasa_message(form_app, typed):
    ok, data, errors = _progress_form(form_app, typed)
    assert not ok and data is None
    assert errors == [DECIMAL_MESSAGE]  # one sentence, not a range complaint besides it


@pytest.mark.parametrize("typed", ["-1", "100,5", "250"])
def test_percent_out_of_range_message(form_app, typed):
    ok, _, errors = _progress_form(form_app, typed)
    assert not ok and errors == ["Persentase harus antara 0 dan 100."]


def test_percent_empty_is_required_in_bahasa(form_app):
    ok, _, errors = _progress_form(form_app, "")
    assert not ok and errors == ["Persentase wajib diisi."]


def test_number_input_is_text_with_inputmode(form_app):
    from tracker.followup.forms import ProgressForm
    with form_app.test_request_context():
        form = ProgressForm(formdata=None)
        form.percent.data = 50.5
        # the templates pass type='number': the widget keeps type="text" (a comma is allowed)
        markup = str(form.percent(type="number", min=0, max=100, step="any"))
    assert 'type="text"' in markup and 'inputmode="decimal"' in markup
    assert 'type="number"' not in markup and "step=" not in markup
    assert 'value="50,5"' in markup  # a stored value is shown the way it is typed


def test_whole_number_field(form_app):
    from tracker.admin.forms import PeriodSettingsForm

    def check(days, deadline=""):
        with form_app.test_request_context(method="POST", data={
                "plan_deadline": deadline, "progress_grace_days": days, "numbering": "questionnaire",
                "status": "open"}):
            form = PeriodSettingsForm()
            ok = form.validate()
            return ok, form.progress_grace_days.data, form.plan_deadline.data, form.errors, \
                str(form.progress_grace_days())

    ok, days, _, _, markup = check("14")
    assert ok and days == 14 and 'inputmode="numeric"' in markup and 'type="text"' in markup
    ok, days, _, _, _ = check("0")  # zero days is a valid grace period
    assert ok and days == 0
    ok, _, _, errors, _ = check("14,5")
    assert not ok and errors["progress_grace_days"] == ["Masukkan bilangan bulat, misalnya 14."]
    ok, _, _, errors, _ = check("abc")
    assert not ok and errors["progress_grace_days"] == ["Masukkan bilangan bulat, misalnya 14."]
    ok, _, _, errors, _ = check("91")
    assert not ok and errors["progress_grace_days"] == ["Antara 0 dan 90 hari."]
    ok, _, deadline, _, _ = check("14", "30-11-2026")  # typed the Indonesian way
    assert ok and deadline == date(2026, 11, 30)
    ok, _, _, errors, _ = check("14", "31-02-2026")
    assert not ok and not english_in(" ".join(errors["plan_deadline"]))


def _all_forms():
    from tracker.admin import forms as admin_forms
    from tracker.auth import forms as auth_forms
    from tracker.followup import forms as followup_forms
    from tracker.imports import forms as import_forms
    from tracker.web.fields import IndonesianForm
    out = []
    for module in (admin_forms, auth_forms, followup_forms, import_forms):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, IndonesianForm) and obj is not IndonesianForm \
                    and obj.__module__ == module.__name__:
                out.append(obj)
    return out


BAD_VALUES = ["", "abc", "x" * 9000, "31-02-2026", "-1", "zz"]


@pytest.mark.parametrize("form_class", _all_forms(), ids=lambda c: c.__name__)
def test_every_form_speaks_bahasa_for_bad_input(form_app, form_class):
    """Each form of these modules, each field given each kind of garbage: every message is
    Bahasa (no WTForms / Flask-WTF built-in English)."""
    from flask_wtf import FlaskForm
    assert issubclass(form_class, FlaskForm)
    messages = []
    for bad in BAD_VALUES:
        with form_app.test_request_context(method="POST", data={}):
            names = [f.name for f in form_class(formdata=None)]
        data = {n: bad for n in names if n != "csrf_token"}
        with form_app.test_request_context(method="POST", data=data):
            form = form_class()
            for field in form:
                if getattr(field, "choices", False) is None or getattr(field, "choices", False) == []:
                    field.choices = [(1, "Satu")] if getattr(field, "coerce", str) is int else [("a", "A")]
            form.validate()
            messages += [m for errs in form.errors.values() for m in errs]
    found = [m for m in messages if english_in(m)
             or re.search(r"\b(field|must|choice|required|value|characters?|token)\b", m, re.I)]
    assert not found, found


def test_csrf_messages_are_bahasa():
    from tracker.auth.forms import LoginForm
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=True)
    with app.test_request_context(method="POST", data={"email": "a@kota.go.id", "password": "x"}):
        form = LoginForm()
        assert not form.validate()
        assert form.errors["csrf_token"] == [
            "Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi."]


def test_translations_cover_every_wtforms_message_id():
    """Every message id WTForms ships in its catalogue has a Bahasa entry, so no built-in English
    sentence can reach a form of ours."""
    from wtforms.i18n import messages_path
    from tracker.web.fields import MESSAGES
    pot = open(f"{messages_path()}/wtforms.pot", encoding="utf-8").read()
    ids = re.findall(r'^msgid "(.+)"$', pot, re.M) + re.findall(r'^msgid_plural "(.+)"$', pot, re.M)
    ids = [i.replace('\\"', '"') for i in ids]
    # WTForms' own CSRF extension (not used: Flask-WTF's messages are translated instead)
    ids = [i for i in ids if "CSRF" not in i]
    missing = [i for i in ids if i not in MESSAGES]
    assert not missing, missing


# ------------------------------------------------------------------------ progress via the web

@pytest.fixture
def world(loaded, client):
    return World(client)


def test_progress_form_accepts_decimal_comma_and_stores_the_number(world):
    plan = world.accepted_plan()
    world.login("m1@kota.go.id")
    action = Action.query.filter_by(plan_id=plan.id).order_by(Action.id).first()
    quarter = world.window("2021-S1")[0]
    page = world.client.get(f"/rtl/kegiatan/{action.id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="percent"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'inputmode="decimal"' in field
    world.log(action, quarter, "50,5")
    entry = ProgressEntry.query.filter_by(action_id=action.id).one()
    assert entry.percent == 50.5
    # the page prints it with a decimal comma
    assert "50,5" in visible(world.client.get(f"/rtl/kegiatan/{action.id}").get_data(as_text=True))


def test_progress_form_garbage_answers_in_bahasa(world):
    plan = world.accepted_plan()
    world.login("m1@kota.go.id")
    action = Action.query.filter_by(plan_id=plan.id).order_by(Action.id).first()
    r = world.log(action, world.window("2021-S1")[0], "abc", expect=400)
    text = visible(r.get_data(as_text=True))
    assert DECIMAL_MESSAGE in text
    assert not english_in(text), english_in(text)
    assert ProgressEntry.query.filter_by(action_id=action.id).count() == 0
    # what the user typed is given back to correct
    assert 'value="abc"' in r.get_data(as_text=True)


def test_resubmit_form_shows_the_stored_percentage_with_a_comma(world):
    plan = world.accepted_plan()
    world.login("m1@kota.go.id")
    action = Action.query.filter_by(plan_id=plan.id).order_by(Action.id).first()
    world.log(action, world.window("2021-S1")[0], "62,5")
    entry = ProgressEntry.query.filter_by(action_id=action.id).one()
    world.login("inspektur@kota.go.id")
    world.review(entry, "rejected", "Bukti kurang")
    world.login("m1@kota.go.id")
    page = world.client.get(f"/rtl/laporan/{entry.id}/ajukan-ulang").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="percent"[^>]*>', page).group(0)
    assert 'value="62,5"' in field and 'type="text"' in field


# ----------------------------------------------------------------------------- page sweep

def _busy_world(world):
    """Plans, progress (one verified, one rejected), a notification, an export, an import."""
    plan = world.accepted_plan()
    world.login("m1@kota.go.id")
    actions = Action.query.filter_by(plan_id=plan.id).order_by(Action.id).all()
    quarter = world.window("2021-S1")[0]
    world.log(actions[0], quarter, "50,5")
    world.log(actions[1], quarter, "100")
    entries = ProgressEntry.query.order_by(ProgressEntry.id).all()
    world.login("inspektur@kota.go.id")
    world.review(entries[0], "verified")
    world.review(entries[1], "rejected", "Bukti belum lengkap")
    world.login("admin@kota.go.id")
    world.client.post("/laporan/ekspor", data={"kind": "period", "period": "2021-S1"})
    return plan, actions, entries


def _pages(world, plan, actions, entries):
    A = world.a_id
    period_id = Period.query.filter_by(code="2021-S1").one().id
    common = ["/", "/periode/2021-S1", "/periode/2021", f"/periode/2021-S1/unit/{A}",
              f"/periode/2021/unit/{A}", "/rtl/", "/rtl/?period=2021", f"/rtl/2021-S1/unit/{A}",
              f"/rtl/kegiatan/{actions[0].id}", f"/rtl/kegiatan/{actions[1].id}", "/notifikasi",
              "/laporan/dasbor", "/laporan/dasbor?period=2021", "/hasil/", "/hasil/2021",
              "/hasil/2021-S1"]
    return {
        "admin@kota.go.id": common + [
            "/rtl/pemantauan", "/rtl/verifikasi", f"/rtl/audit/unit/{A}", "/rtl/belum-dijadwalkan",
            "/admin/pengguna", "/admin/pengguna/baru", f"/admin/pengguna/{world.m1.id}",
            "/admin/periode", f"/admin/periode/{period_id}", "/admin/unit", f"/admin/unit/{A}",
            "/admin/unit/gabung", "/impor/", "/laporan/ekspor"],
        "inspektur@kota.go.id": common + ["/rtl/pemantauan", "/rtl/verifikasi", f"/rtl/audit/unit/{A}"],
        "m1@kota.go.id": common + [f"/rtl/laporan/{entries[1].id}/ajukan-ulang", f"/rtl/audit/unit/{A}"],
    }


TIME = re.compile(r"\b\d{2}-\d{2}-\d{4} \d{2}:\d{2}\b")


def test_no_english_on_any_page_for_any_role(world):
    plan, actions, entries = _busy_world(world)
    checked = 0
    for email, urls in _pages(world, plan, actions, entries).items():
        world.login(email)
        for url in urls:
            r = world.client.get(url)
            if r.status_code in (403, 404):  # not this role's page
                continue
            assert r.status_code == 200, (email, url, r.status_code)
            text = visible(r.get_data(as_text=True))
            assert not english_in(text), (email, url, english_in(text))
            # every time of day printed is in WIB and says so
            for m in TIME.finditer(text):
                assert text[m.end():m.end() + 4] == " WIB", (email, url, text[m.start():m.end() + 20])
            checked += 1
    assert checked >= 60
    # the numbering is named in Bahasa Indonesia on the periods page
    world.login("admin@kota.go.id")
    text = visible(world.client.get("/admin/periode").get_data(as_text=True))
    assert "Kuesioner" in text


def test_form_errors_on_pages_are_bahasa(world, client):
    world.login("admin@kota.go.id")
    period_id = Period.query.filter_by(code="2021-S1").one().id
    r = client.post(f"/admin/periode/{period_id}", data={
        "plan_deadline": "kemarin", "progress_grace_days": "dua minggu", "numbering": "lain",
        "status": "open"})
    text = visible(r.get_data(as_text=True))
    assert "Masukkan bilangan bulat, misalnya 14." in text
    assert "Pilihan tidak valid." in text
    assert not english_in(text), english_in(text)
    r = client.post(f"/admin/unit/{world.a_id}", data={"name": "", "parent_id": "bukan-angka"})
    text = visible(r.get_data(as_text=True))
    assert r.status_code in (200, 400) and not english_in(text), english_in(text)
    r = client.post("/admin/pengguna/baru", data={"email": "", "role": "raja", "units": ["x"]})
    text = visible(r.get_data(as_text=True))
    assert not english_in(text), english_in(text)
    client.post("/logout")
    r = client.post("/login", data={"email": "bukan email", "password": ""})
    text = visible(r.get_data(as_text=True))
    assert "Format email tidak valid." in text and not english_in(text)


@pytest.mark.parametrize("body, name", [(b"PK\x03\x04 bukan buku kerja", "hasil.xlsx"),
                                        (b"sama sekali bukan excel", "hasil.xlsx")])
def test_broken_xlsx_upload_says_so_in_bahasa(world, client, body, name):
    world.login("admin@kota.go.id")
    r = client.post("/impor/", data={"kind": "scores", "period": "2022-S1", "numbering": "questionnaire",
                                     "file": (io.BytesIO(body), name)},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    text = visible(r.get_data(as_text=True))
    assert "Berkas .xlsx rusak atau bukan buku kerja Excel." in text
    assert not english_in(text), english_in(text)
    assert "zip" not in text.lower()


def test_broken_csv_names_the_line_without_pandas_text():
    from tracker.imports.readers import ImportRejected, read_table
    with pytest.raises(ImportRejected) as info:
        read_table(b'unit,respondents\nA,1\nB,2,3,4\n', "x.csv")
    message = " ".join(info.value.messages())
    assert "Baris 3, kolom ke-3" in message and "Expected" not in message and "tokenizing" not in message
    with pytest.raises(ImportRejected) as info:
        read_table(b"", "x.csv")
    assert info.value.messages() == ["Berkas kosong: tidak ada baris judul kolom."]


# ---------------------------------------------------------------------------------- times

def test_dt_filter_shows_wib():
    from tracker.web.template_helpers import d, dt
    assert dt(datetime(2026, 11, 30, 12, 5)) == "30-11-2026 19:05 WIB"
    # past 17:00 UTC it is already the next day in Jakarta
    assert dt(datetime(2026, 11, 30, 20, 30)) == "01-12-2026 03:30 WIB"
    assert d(datetime(2026, 11, 30, 20, 30)) == "01-12-2026"
    # an aware datetime is converted from its own zone
    assert dt(datetime(2026, 11, 30, 12, 5, tzinfo=timezone(timedelta(hours=8)))) == "30-11-2026 11:05 WIB"
    assert dt(date(2026, 11, 30)) == d(date(2026, 11, 30)) == "30-11-2026"
    assert dt(None) == d(None) == "-"


def test_times_on_pages_are_wib_shifted_from_stored_utc(world):
    plan = world.accepted_plan()
    world.login("m1@kota.go.id")
    action = Action.query.filter_by(plan_id=plan.id).order_by(Action.id).first()
    world.log(action, world.window("2021-S1")[0], "40")
    entry = ProgressEntry.query.filter_by(action_id=action.id).one()
    # stored naive UTC
    note = Notification(user_id=world.m1.id, message="Uji waktu", created_at=datetime(2026, 11, 30, 12, 5))
    db.session.add(note)
    batch = ImportBatch.query.order_by(ImportBatch.id).first()
    batch.created_at = datetime(2026, 11, 30, 20, 30)
    db.session.commit()
    text = visible(world.client.get("/notifikasi").get_data(as_text=True))
    assert "30-11-2026 19:05 WIB" in text and "30-11-2026 12:05" not in text
    # the progress report's time, whatever it is, shifted by 7 hours and labelled
    text = visible(world.client.get(f"/rtl/kegiatan/{action.id}").get_data(as_text=True))
    stored = entry.submitted_at.strftime("%d-%m-%Y %H:%M")
    expected = (entry.submitted_at + timedelta(hours=7)).strftime("%d-%m-%Y %H:%M") + " WIB"
    assert expected in text and stored + " WIB" not in text
    for m in TIME.finditer(text):
        assert text[m.end():m.end() + 4] == " WIB"
    # past 17:00 UTC the date moves too (import history, admin)
    world.login("admin@kota.go.id")
    text = visible(world.client.get("/impor/").get_data(as_text=True))
    assert "01-12-2026 03:30 WIB" in text and "30-11-2026 20:30" not in text


# ------------------------------------------------------------------------------ downloads

@pytest.fixture
def dashboard(loaded, client, auth):
    from tests.test_reports_data import add_plans
    unit = Unit.query.order_by(Unit.name).first()
    unit.name = "=HYPERLINK(\"http://evil\")"  # typed by a user: must stay text
    db.session.commit()
    add_plans("2021")
    make_user("admin@kota.go.id", "admin")
    assert auth.login("admin@kota.go.id").status_code == 302
    return client


def _filename(response) -> str:
    m = re.fullmatch(r'attachment; filename="([^"]*)"', response.headers["Content-Disposition"])
    assert m, response.headers["Content-Disposition"]
    return m.group(1)


CHART_KEYS = ("city_trend", "categories", "changes", "above_below", "elements", "realisation")


@pytest.mark.parametrize("key", CHART_KEYS)
def test_csv_download_uses_semicolons_and_decimal_commas(dashboard, key):
    from tracker.reports import dashboard_data as dd
    r = dashboard.get(f"/laporan/dasbor/{key}.csv?period=2021")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.csv", _filename(r))
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    data = dd.chart(key, "2021")
    assert rows[0] == data.columns
    assert len(rows) == len(data.rows) + 1 and data.rows
    numbers = 0
    for got, want in zip(rows[1:], data.rows):
        assert len(got) == len(want)
        for cell, value in zip(got, want):
            if isinstance(value, bool) or value is None:
                assert cell == ("" if value is None else str(value))
            elif isinstance(value, (int, float)):
                assert "." not in cell and re.fullmatch(r"-?\d+(,\d+)?", cell), cell
                assert float(cell.replace(",", ".")) == value  # the same number back
                numbers += 1
            else:
                assert cell == ("'" + value if value.startswith(("=", "+", "-", "@")) else value)
    assert numbers


def test_csv_known_values(dashboard):
    """Independent figures: the city trend's counts for Surakarta's sample and the elements' NRR
    written with a comma."""
    from tracker.results.summary import build_summary
    rows = list(csv.reader(io.StringIO(dashboard.get("/laporan/dasbor/city_trend.csv").data.decode("utf-8-sig")),
                           delimiter=";"))
    by_code = {row[0]: row for row in rows[1:]}
    for code in ("2021-S1", "2021-S2", "2021"):
        summary = build_summary(code)["city"]
        ikm = by_code[code][2]
        assert re.fullmatch(r"\d{2},\d+", ikm)
        assert round(float(ikm.replace(",", ".")), 3) == summary["ikm"]
        assert by_code[code][4] == str(summary["units"])
    assert by_code["2021-S1"][5] == "4255"  # a count: no thousands dot, no decimals
    # a formula-like unit name stays text in the realisation table
    body = dashboard.get("/laporan/dasbor/realisation.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in body
    assert not re.search(r'(^|;)"?[=+@]', body, re.M)


@pytest.mark.parametrize("key", CHART_KEYS)
def test_xlsx_download_has_numeric_cells(dashboard, key, tmp_path):
    import openpyxl
    from tracker.reports import dashboard_data as dd
    r = dashboard.get(f"/laporan/dasbor/{key}.xlsx?period=2021")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.xlsx", _filename(r))
    path = tmp_path / "d.xlsx"
    path.write_bytes(r.data)
    ws = openpyxl.load_workbook(path).active
    cells = list(ws.iter_rows())
    for row in cells:
        for c in row:
            assert c.data_type != "f", c.value  # no formula anywhere
    header = next(i for i, row in enumerate(cells) if [c.value for c in row[:len(dd.chart(key, '2021').columns)]]
                  == dd.chart(key, "2021").columns)
    data = dd.chart(key, "2021")
    body = cells[header + 1:]
    assert len(body) == len(data.rows)
    numbers = 0
    for row, want in zip(body, data.rows):
        for c, value in zip(row, want):
            if value is None:
                assert c.value is None
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                assert c.data_type == "n" and c.value == pytest.approx(value, abs=1e-12)
                column = data.columns[c.column - 1]
                if isinstance(value, float):
                    assert c.number_format == ("0.000" if column in ("IKM kota", "NRR", "Nilai konversi")
                                               else "0.00")
                else:
                    assert c.number_format == "0"
                numbers += 1
            else:
                assert c.data_type == "s"
                assert c.value == ("'" + value if value.startswith(("=", "+", "-", "@")) else value)
    assert numbers
    title = visible(ws.title + " " + str(cells[0][0].value))
    assert not english_in(title)


def test_download_period_is_validated(dashboard, auth):
    for suffix in ("csv", "xlsx"):
        assert dashboard.get(f"/laporan/dasbor/elements.{suffix}?period=2021%22%3B%20x").status_code == 404
        assert dashboard.get(f"/laporan/dasbor/elements.{suffix}?period=../../etc").status_code == 404
        assert dashboard.get(f"/laporan/dasbor/elements.{suffix}?period=1999").status_code == 404
        assert dashboard.get(f"/laporan/dasbor/nothing.{suffix}").status_code == 404
        r = dashboard.get(f"/laporan/dasbor/elements.{suffix}?period=2021-s1")  # normalised code
        assert r.status_code == 200 and _filename(r) == f"dasbor-nilai-unsur-2021-S1.{suffix}"
    # a manager's realisation download: a bad period is 404 too, and only their units
    unit = Unit.query.filter(Unit.name != "=HYPERLINK(\"http://evil\")").order_by(Unit.name).first()
    auth.logout()
    make_user("mgr@kota.go.id", "manager", [unit.name])
    assert auth.login("mgr@kota.go.id").status_code == 302
    assert dashboard.get("/laporan/dasbor/realisation.xlsx?period=2021%0d%0aX").status_code == 404
    r = dashboard.get("/laporan/dasbor/realisation.xlsx?period=2021")
    assert r.status_code == 200 and re.fullmatch(r"[A-Za-z0-9._-]+\.xlsx", _filename(r))
    assert dashboard.get("/laporan/dasbor/elements.xlsx").status_code == 403


def test_dashboard_links_both_downloads(dashboard):
    page = dashboard.get("/laporan/dasbor?period=2021").get_data(as_text=True)
    for key in CHART_KEYS:
        assert f"/laporan/dasbor/{key}.xlsx" in page and f"/laporan/dasbor/{key}.csv" in page
    assert "mean of unit" not in visible(page) and "rata-rata IKM unit" in visible(page)


def test_audit_filters_name_stored_keys_and_values_in_bahasa():
    """Audit details keep the code's keys (plan_dict, action_dict, entry_dict); the filters the
    audit table can use name every one of them in Bahasa Indonesia."""
    from types import SimpleNamespace

    from tracker.followup import service
    from tracker.web.template_helpers import AUDIT_KEYS, audit_key, audit_value
    plan = SimpleNamespace(unit_id=1, period=None, status="draft", source="web", override_elements=None,
                           override_reason=None, return_comment=None)
    action = SimpleNamespace(element="waktu", text="x", quarters=[], owner="x", target=None,
                             not_actionable=False, carried_from_id=None)
    entry = SimpleNamespace(action_id=1, quarter="2021-TW2", percent=50.5, narrative="x", evidence_name=None,
                            evidence_link=None, status="submitted", review_comment=None, supersedes_id=None)
    keys = set(service.plan_dict(plan)) | set(service.action_dict(action)) | set(service.entry_dict(entry))
    assert keys <= set(AUDIT_KEYS), keys - set(AUDIT_KEYS)
    assert audit_key("owner") == "Penanggung jawab"
    assert audit_value("submitted", "status", "progress_entry") == "Menunggu verifikasi"
    assert audit_value("accepted", "status", "plan") == "Diterima"
    assert audit_value(False, "not_actionable") == "tidak"
    assert audit_value(50.5, "percent") == "50,5" and audit_value(100.0, "percent") == "100"
    assert audit_value("waktu", "element") == "Waktu Penyelesaian"
    assert audit_value("web", "source") == "layar aplikasi"
    assert audit_value("questionnaire", "numbering") == "Kuesioner"


def test_numbering_and_import_kind_labels():
    from tracker.web.template_helpers import import_kind, numbering_name
    assert numbering_name("questionnaire") == "Kuesioner" and numbering_name("regulation") == "Peraturan"
    assert numbering_name(None) == "-"
    assert import_kind("scores") == "Hasil agregat per unit" and import_kind("rtl") == "RTL"
