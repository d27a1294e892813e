"""The survey window (Periode pelaksanaan): imported with the results, shown on the unit page,
the recap's per-unit table and the annex (Tabel 3.2 and each Lampiran 1 block)."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from tests.conftest import make_user
from tests.helpers import snapshot

HEADER = "unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9"
SCORES = "100,300,310,280,350,320,330,340,290,360"
SCORES_B = "50,150,160,140,170,155,165,150,145,180"


def scores_csv(rows, extra=("survey_start", "survey_end")):
    """rows: (unit, scores, *window cells)."""
    lines = [HEADER + "".join("," + c for c in extra)]
    for unit, scores, *cells in rows:
        lines.append(",".join([unit, scores, *cells]))
    return "\n".join(lines) + "\n"


GOOD = scores_csv([
    ("Dinas Kependudukan", SCORES, "2023-07-01", "31 Oktober 2023"),  # ISO and Indonesian
    ("Kecamatan Laweyan", SCORES_B, "Juli 2023", "Okt 2023"),           # months alone
    ("Puskesmas Gajahan", SCORES_B, "03/07/2023", "27 agt 2023"),        # day first, abbreviation
    ("UPT Technopark", SCORES_B, "", ""),                                # no window given
])


def write(tmp_path, text, name="f.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def import_scores(runner, path, period="2023-S2", *more):
    return runner.invoke(args=["skm", "import-scores", path, "--period", period,
                               "--numbering", "questionnaire", *more])


def windows():
    from tracker.models import Unit, UnitResult
    return {r.unit.name: (r.survey_start, r.survey_end)
            for r in UnitResult.query.join(Unit).all()}


# ---------------------------------------------------------------- import


def test_scores_import_stores_iso_and_indonesian_dates(runner, app, tmp_path):
    r = import_scores(runner, write(tmp_path, GOOD))
    assert r.exit_code == 0, r.output
    assert windows() == {
        "Dinas Kependudukan": (date(2023, 7, 1), date(2023, 10, 31)),
        "Kecamatan Laweyan": (date(2023, 7, 1), date(2023, 10, 31)),  # Okt = its last day at the end
        "Puskesmas Gajahan": (date(2023, 7, 3), date(2023, 8, 27)),
        "UPT Technopark": (None, None),
    }


def test_indonesian_headers_and_one_sided_window(runner, app, tmp_path):
    text = scores_csv([("Dinas A", SCORES, "1 Pebruari 2023", ""),
                       ("Dinas B", SCORES_B, "", "30 Nopember 2023")],
                      extra=("mulai_survei", "akhir_survei"))
    r = import_scores(runner, write(tmp_path, text), "2023")
    assert r.exit_code == 0, r.output
    assert windows() == {"Dinas A": (date(2023, 2, 1), None), "Dinas B": (None, date(2023, 11, 30))}


def test_files_without_window_columns_still_import(runner, app, tmp_path):
    text = scores_csv([("Dinas A", SCORES)], extra=())
    assert import_scores(runner, write(tmp_path, text)).exit_code == 0
    assert windows() == {"Dinas A": (None, None)}


def test_xlsx_date_cells(runner, app, tmp_path):
    frame = pd.read_csv(io.StringIO(scores_csv([("Dinas A", SCORES, "", "")])),
                        keep_default_na=False)
    frame["survey_start"] = pd.to_datetime(["2023-08-14"])
    frame["survey_end"] = pd.to_datetime(["2023-09-22"])
    path = tmp_path / "scores.xlsx"
    frame.to_excel(path, index=False)
    r = import_scores(runner, str(path))
    assert r.exit_code == 0, r.output
    assert windows() == {"Dinas A": (date(2023, 8, 14), date(2023, 9, 22))}


@pytest.mark.parametrize("start, end, needle", [
    ("1 Juli 2023", "31 Juni 2023",
     "baris 3, kolom 'survey_end': tanggal '31 juni 2023' tidak valid"),
    ("besok pagi", "31 Oktober 2023", "baris 3, kolom 'survey_start': tanggal 'besok pagi' tidak dikenali"),
    ("07/31/2023", "2023-10-31", "baris 3, kolom 'survey_start'"),              # month first
    ("1 Oktober 2023", "1 Juli 2023", "baris 3, kolom 'survey_end': akhir survei 1 juli 2023 lebih awal"),
    ("1 Juli 2023", "1 Juli 2025", "paling lama 400 hari"),                    # a typo in the year
])
def test_bad_window_rejects_the_whole_file(runner, app, tmp_path, start, end, needle):
    assert import_scores(runner, write(tmp_path, GOOD, "ok.csv"), "2023-S1").exit_code == 0
    before = snapshot()
    text = scores_csv([("Dinas Kependudukan", SCORES, "2023-07-01", "2023-10-31"),
                       ("Kecamatan Laweyan", SCORES_B, start, end)])
    r = import_scores(runner, write(tmp_path, text), "2023-S2")
    assert r.exit_code != 0
    assert needle in r.output.lower()
    assert "GALAT" in r.output
    assert snapshot() == before  # all-or-nothing: the good row was not stored either


def test_both_header_spellings_are_refused(runner, app, tmp_path):
    text = scores_csv([("Dinas A", SCORES, "2023-07-01", "2023-07-02")],
                      extra=("survey_start", "mulai_survei"))
    before = snapshot()
    r = import_scores(runner, write(tmp_path, text))
    assert r.exit_code != 0 and "kolom 'mulai_survei'" in r.output.lower()
    assert snapshot() == before


RESP_HEADER = "unit,u1,u2,u3,u4,u5,u6,u7,u8,u9"
ANSWERS = "4,3,3,4,4,3,3,2,4"


def import_responses(runner, path):
    return runner.invoke(args=["skm", "import-responses", path, "--period", "2024-Q1",
                               "--numbering", "questionnaire"])


def test_responses_window_is_min_start_to_max_end_per_unit(runner, app, tmp_path):
    lines = [RESP_HEADER + ",survey_start,survey_end",
             f"Puskesmas Z,{ANSWERS},2024-01-08,2024-01-31",
             f"puskesmas z,{ANSWERS},5 Januari 2024,",        # same unit, other spelling
             f"Puskesmas Z,{ANSWERS},,Maret 2024",             # a month alone: its last day
             f"Kelurahan Y,{ANSWERS},,"]
    r = import_responses(runner, write(tmp_path, "\n".join(lines) + "\n"))
    assert r.exit_code == 0, r.output
    assert windows() == {"Puskesmas Z": (date(2024, 1, 5), date(2024, 3, 31)),
                         "Kelurahan Y": (None, None)}


def test_responses_with_submitted_at_only_leave_the_window_empty(runner, app, tmp_path):
    lines = [RESP_HEADER + ",submitted_at",
             f"Puskesmas Z,{ANSWERS},2024-01-08 09:00", f"Puskesmas Z,{ANSWERS},2024-02-20 10:00"]
    r = import_responses(runner, write(tmp_path, "\n".join(lines) + "\n"))
    assert r.exit_code == 0, r.output
    assert windows() == {"Puskesmas Z": (None, None)}  # not invented from submission times


@pytest.mark.parametrize("rows, needle", [
    ([f"A,{ANSWERS},2024-01-08,2024-01-31", f"A,{ANSWERS},31 Juni 2024,"],
     "baris 3, kolom 'survey_start': tanggal '31 juni 2024' tidak valid"),
    ([f"A,{ANSWERS},2024-02-01,2024-01-31"], "baris 2, kolom 'survey_end': akhir survei"),
    # each row is fine, but the unit's window runs backwards
    ([f"A,{ANSWERS},2024-03-01,", f"A,{ANSWERS},,2024-01-31"], "unit 'a': akhir survei"),
])
def test_responses_bad_window_rejects_the_file(runner, app, tmp_path, rows, needle):
    before = snapshot()
    text = "\n".join([RESP_HEADER + ",survey_start,survey_end", *rows]) + "\n"
    r = import_responses(runner, write(tmp_path, text))
    assert r.exit_code != 0
    assert needle in r.output.lower()
    assert snapshot() == before


# ---------------------------------------------------------------- screens and annex


@pytest.fixture
def imported(runner, app, tmp_path):
    assert import_scores(runner, write(tmp_path, GOOD)).exit_code == 0
    make_user("admin@kota.go.id", "admin")
    from tracker.models import Unit
    return {u.name: u for u in Unit.query.all()}


def test_unit_page_shows_the_window(client, auth, imported):
    auth.login("admin@kota.go.id")
    html = client.get(f"/periode/2023-S2/unit/{imported['Puskesmas Gajahan'].id}").get_data(as_text=True)
    assert "Periode pelaksanaan survei: <strong>3 Juli - 27 Agustus 2023</strong>" in html
    html = client.get(f"/periode/2023-S2/unit/{imported['Kecamatan Laweyan'].id}").get_data(as_text=True)
    assert "Juli - Oktober 2023" in html
    html = client.get(f"/periode/2023-S2/unit/{imported['UPT Technopark'].id}").get_data(as_text=True)
    assert "Periode pelaksanaan survei:" in html and "tidak tercantum dalam berkas impor" in html


def test_recap_table_has_a_window_column(client, auth, imported):
    auth.login("admin@kota.go.id")
    html = client.get("/periode/2023-S2").get_data(as_text=True)
    assert "<th>Periode pelaksanaan</th>" in html
    assert '<td class="window">Juli - Oktober 2023</td>' in html
    assert '<td class="window">3 Juli - 27 Agustus 2023</td>' in html
    assert '<td class="window">-</td>' in html  # UPT Technopark gave none


def test_year_shows_each_semesters_window(runner, client, auth, app, tmp_path):
    s1 = scores_csv([("Dinas A", SCORES, "Februari 2023", "April 2023")])
    s2 = scores_csv([("Dinas A", SCORES, "1 Agustus 2023", "15 Oktober 2023")])
    assert import_scores(runner, write(tmp_path, s1, "s1.csv"), "2023-S1").exit_code == 0
    assert import_scores(runner, write(tmp_path, s2, "s2.csv"), "2023-S2").exit_code == 0
    make_user("admin@kota.go.id", "admin")
    auth.login("admin@kota.go.id")
    from tracker.models import Unit
    unit = Unit.query.filter_by(name="Dinas A").one()
    html = client.get(f"/periode/2023/unit/{unit.id}").get_data(as_text=True)
    assert "Periode pelaksanaan survei: <strong>1 Februari - 15 Oktober 2023</strong>" in html
    assert "Periode pelaksanaan Februari - April 2023" in html
    assert "Periode pelaksanaan 1 Agustus - 15 Oktober 2023" in html


def test_annex_has_the_window_in_tabel_32_and_lampiran_1(imported, tmp_path):
    from tracker.reports.annex import write_period_workbook
    out = tmp_path / "annex.xlsx"
    write_period_workbook("2023-S2", out)
    wb = openpyxl.load_workbook(out)

    ws = wb["Tabel 3.2"]
    heads = [c.value for c in ws[4]]
    col = heads.index("Periode Pelaksanaan Survei")
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)}
    assert rows["Dinas Kependudukan"][col] == "Juli - Oktober 2023"
    assert rows["Puskesmas Gajahan"][col] == "3 Juli - 27 Agustus 2023"
    assert rows["UPT Technopark"][col] in ("", None)
    assert heads.index("Realisasi RTL Periode Sebelumnya (%)") == 8  # earlier columns unmoved

    cells = list(wb["Lampiran 1"].iter_rows(values_only=True))
    found, current = {}, None
    for row in cells:
        if row[0] == "Nama Unit":
            current = row[2]
        if row[0] == "Periode Pelaksanaan":
            found[current] = row[2]
    assert found["Dinas Kependudukan"] == "Juli - Oktober 2023"
    assert found["Puskesmas Gajahan"] == "3 Juli - 27 Agustus 2023"
    assert found["UPT Technopark"] in ("", None)


def test_annex_still_neutralises_formula_text(runner, app, tmp_path):
    text = scores_csv([("=1+1 Kecamatan", SCORES, "Juli 2023", "Agustus 2023")])
    assert import_scores(runner, write(tmp_path, text)).exit_code == 0
    from tracker.reports.annex import write_period_workbook
    out = tmp_path / "annex.xlsx"
    write_period_workbook("2023-S2", out)
    wb = openpyxl.load_workbook(out)
    row = next(r for r in wb["Tabel 3.2"].iter_rows(min_row=5, values_only=True) if r[0] == 1)
    assert row[1] == "'=1+1 Kecamatan" and row[9] == "Juli - Agustus 2023"
    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
