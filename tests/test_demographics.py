"""Respondents' profile from respondent-level data, per unit and for the city, on screen and in
the annex; only the responses behind each unit's counting result are counted. Expected counts
are written out by hand from the files below."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tests.conftest import make_user
from tests.helpers import login

HEAD = "unit,u1,u2,u3,u4,u5,u6,u7,u8,u9,usia,jenis_kelamin,pendidikan,pekerjaan\n"
ROWS_A = ["Puskesmas A,4,3,3,4,4,3,3,2,4,19,L,SMA,PNS",
          "Puskesmas A,3,3,3,4,4,3,3,2,4,25,P,S1,Swasta",
          "Puskesmas A,4,4,2,4,3,3,4,3,4,27,P,SLTA,wiraswasta",
          "Puskesmas A,4,4,2,4,3,3,4,3,4,,P,,"]
ROWS_B = ["Puskesmas B,4,3,3,4,4,3,3,2,4,61,L,S2,PNS"]


def _import(runner, tmp_path, rows, period="2024-S1", name="r.csv", replace=False):
    path = tmp_path / name
    path.write_text(HEAD + "\n".join(rows) + "\n")
    args = ["skm", "import-responses", str(path), "--period", period, "--numbering", "questionnaire"]
    r = runner.invoke(args=args + (["--replace"] if replace else []))
    assert r.exit_code == 0, r.output


def _table(html, attribute):
    """{label: (count, percent text)} of one profile table."""
    import re
    block = html.split(f'class="compact profile-{attribute}"', 1)[1].split("</table>", 1)[0]
    return {m[0]: (int(m[1]), m[2]) for m in re.findall(
        r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td><td class=\"num\">([^<]+)</td></tr>", block)}


def test_unit_and_city_profiles_on_screen(app, runner, client, tmp_path):
    _import(runner, tmp_path, ROWS_A + ROWS_B)
    make_user("insp@kota.go.id", "inspector")
    login(client, "insp@kota.go.id")
    from tracker.models import Unit
    a = Unit.query.filter_by(name="Puskesmas A").one()
    html = client.get(f"/periode/2024-S1/unit/{a.id}").get_data(as_text=True)
    assert "Profil responden (4 responden)" in html
    assert _table(html, "age") == {"Di bawah 20 tahun": (1, "25,00%"), "20-29 tahun": (2, "50,00%"),
                                   "Tidak diisi": (1, "25,00%")}
    assert _table(html, "sex") == {"Laki-laki": (1, "25,00%"), "Perempuan": (3, "75,00%")}
    assert _table(html, "education") == {"SMA/SMK/sederajat": (2, "50,00%"), "D4/S1": (1, "25,00%"),
                                         "Tidak diisi": (1, "25,00%")}
    assert _table(html, "occupation") == {"PNS/ASN": (1, "25,00%"), "Pegawai swasta": (1, "25,00%"),
                                          "Wirausaha": (1, "25,00%"), "Tidak diisi": (1, "25,00%")}
    city = client.get("/periode/2024-S1").get_data(as_text=True)
    assert "Profil responden (5 responden)" in city
    assert _table(city, "age")["60 tahun ke atas"] == (1, "20,00%")
    assert _table(city, "education")["S2"] == (1, "20,00%")
    # The year rolls up its semester's respondents.
    assert "Profil responden (5 responden)" in client.get("/periode/2024").get_data(as_text=True)


def test_only_the_counting_results_respondents_count(app, runner, client, tmp_path):
    """A re-import replacing the period takes its respondents with it."""
    _import(runner, tmp_path, ROWS_A + ROWS_B)
    _import(runner, tmp_path, ROWS_B, name="b.csv", replace=True)
    from tracker.results.demographics import profiles
    city, units = profiles("2024-S1")
    assert city.respondents == 1 and len(units) == 1


def test_scores_only_periods_show_no_profile(loaded, client):
    make_user("insp@kota.go.id", "inspector")
    login(client, "insp@kota.go.id")
    assert "respondent-profile" not in client.get("/periode/2021-S1").get_data(as_text=True)


def test_annex_has_the_profile_sheet(app, runner, tmp_path):
    from tracker.reports.annex import write_period_workbook
    _import(runner, tmp_path, ROWS_A + ROWS_B)
    out = tmp_path / "a.xlsx"
    write_period_workbook("2024-S1", out)
    ws = openpyxl.load_workbook(out)["Profil Responden"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[2][0] == "Kota (5 responden)"
    flat = [(r[0], r[1], round(r[2], 2) if isinstance(r[2], float) else r[2]) for r in rows]
    assert ("Laki-laki", 2, 40.0) in flat and ("Perempuan", 3, 60.0) in flat
    assert "Puskesmas A (4 responden)" in [r[0] for r in rows]
    assert ("Wirausaha", 1, 25.0) in flat
    # Each unit's block starts a printed page, so a heading never ends one.
    starts = [i for i, r in enumerate(ws.iter_rows(values_only=True), 1)
              if isinstance(r[0], str) and r[0].startswith("Puskesmas ")]
    assert sorted(b.id for b in ws.row_breaks.brk) == [row - 1 for row in starts]


def test_an_accepted_respondent_level_submission_brings_its_respondents(app, runner, tmp_path):
    from datetime import date

    from werkzeug.datastructures import FileStorage

    from tracker.models import Unit
    from tracker.reporting import service as R
    from tracker.results.demographics import profiles
    _import(runner, tmp_path, ROWS_B)  # the period has unit B from an import
    unit = Unit(name="Puskesmas A", name_key="puskesmas a")
    from tracker.extensions import db
    db.session.add(unit)
    db.session.commit()
    admin = make_user("admin@kota.go.id", "admin")
    manager = make_user("m@kota.go.id", "manager", ["Puskesmas A"])
    rnd = R.open_round("2024-S1", date(2024, 7, 31), "", "questionnaire", admin)
    data = (HEAD + "\n".join(ROWS_A) + "\n").encode()
    sub = R.submit(rnd, unit, R.SubmissionInput(mode="responses", numbering="questionnaire",
                                                file=FileStorage(io.BytesIO(data), "a.csv")), manager)
    assert sub.respondents == 4
    assert profiles("2024-S1")[0].respondents == 1  # not before the admin accepts
    R.accept(sub, sub.version, admin)
    city, units = profiles("2024-S1")
    assert city.respondents == 5 and units[unit.id].respondents == 4


def test_a_units_superseded_respondents_stop_counting(app, runner, tmp_path):
    """The import gave unit A four respondents; A's accepted submission with one respondent
    takes their place, while unit B's respondent from the same import still counts."""
    from datetime import date

    from werkzeug.datastructures import FileStorage

    from tracker.models import Unit
    from tracker.reporting import service as R
    from tracker.results.demographics import profiles
    _import(runner, tmp_path, ROWS_A + ROWS_B)
    admin = make_user("admin@kota.go.id", "admin")
    manager = make_user("m@kota.go.id", "manager", ["Puskesmas A"])
    rnd = R.open_round("2024-S1", date(2024, 7, 31), "", "questionnaire", admin)
    unit = Unit.query.filter_by(name="Puskesmas A").one()
    data = (HEAD + ROWS_A[0] + "\n").encode()
    sub = R.submit(rnd, unit, R.SubmissionInput(mode="responses", numbering="questionnaire",
                                                file=FileStorage(io.BytesIO(data), "a.csv")), manager)
    R.accept(sub, sub.version, admin)
    city, units = profiles("2024-S1")
    assert units[unit.id].respondents == 1 and city.respondents == 2
