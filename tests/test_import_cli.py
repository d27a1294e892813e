"""`skm import-scores`, `import-responses` and `summary` through the command line."""
import csv
import io
import json

import pytest

from tests.conftest import DATA
from tests.helpers import snapshot

HEADER = "unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
GOOD = HEADER + "Unit A,100,300,310,280,350,320,330,340,290,360\nUnit B,50,150,160,140,170,155,165,150,145,180\n"


def write(tmp_path, text, name="f.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def invoke(runner, *args):
    return runner.invoke(args=list(args))


def test_import_then_summary_reproduces_surakarta(runner, app):
    for code in ("S1", "S2"):
        r = invoke(runner, "skm", "import-scores", str(DATA / f"surakarta-2021-{code}.csv"),
                   "--period", f"2021-{code}", "--numbering", "questionnaire")
        assert r.exit_code == 0, r.output
    rows = {r["unit"]: r for r in csv.DictReader(open(DATA / "surakarta-2021-S1.csv", encoding="utf-8"))}
    r = invoke(runner, "skm", "summary", "--period", "2021-S1")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["period"] == "2021-S1"
    assert data["city"]["aggregation"] == "mean of unit IKM"
    assert data["city"]["units"] == len(rows)
    consistent = 0
    for unit in data["units"]:
        printed = float(rows[unit["unit"]]["reported_ikm"])
        assert len(unit["priorities"]) == 3
        lowest = sorted(unit["elements"].values())[:3]
        assert sorted(unit["elements"][k] for k in unit["priorities"]) == lowest
        if abs(unit["ikm"] - printed) <= 0.01:
            consistent += 1
            assert unit["flags"] == []
        else:
            assert any("IKM tercetak" in f for f in unit["flags"])
    assert consistent >= len(rows) - 6
    year = json.loads(invoke(runner, "skm", "summary", "--period", "2021").output)
    assert year["period"] == "2021" and year["city"]["units"] >= data["city"]["units"]


def test_badan_pendapatan_numbers(runner, app):
    invoke(runner, "skm", "import-scores", str(DATA / "surakarta-2021-S1.csv"), "--period", "2021-S1",
           "--numbering", "questionnaire")
    data = json.loads(invoke(runner, "skm", "summary", "--period", "2021-S1").output)
    unit = next(u for u in data["units"] if u["unit"].startswith("Badan Pendapatan"))
    assert unit["ikm"] == pytest.approx(86.546, abs=0.001)
    assert unit["category"] == "B"
    assert unit["priorities"] == ["waktu", "produk", "persyaratan"]  # printed U3, U5, U1
    assert unit["realisation_previous"] is None


@pytest.mark.parametrize("text,needle", [
    (HEADER.replace(",s_u9", "") + "Unit A,100,300,310,280,350,320,330,340,290\n", "kolom 's_u9'"),
    (GOOD.replace("Unit B,50,150", "Unit B,50,250"), "baris 3, kolom 's_u1'"),  # NRR 5
    (GOOD.replace("Unit B,50,150", "Unit B,50,0"), "baris 3, kolom 's_u1'"),  # value 0
    (GOOD.replace("Unit B,50,150", "Unit B,50,abc"), "'abc' bukan angka"),
    (GOOD + "unit  a,100,300,310,280,350,320,330,340,290,360\n", "duplikat"),
    (HEADER.strip() + ",nrr_u1\nUnit A,100,300,310,280,350,320,330,340,290,360,3.1\n", "Hanya boleh satu kelompok"),
    (GOOD.replace("respondents", "jumlah"), "kolom 'respondents'"),
    ("nama,x\nA,1\n", "kolom 'unit'"),
])
def test_malformed_file_changes_nothing(runner, app, tmp_path, text, needle):
    invoke(runner, "skm", "import-scores", write(tmp_path, GOOD, "ok.csv"), "--period", "2021-S1",
           "--numbering", "questionnaire")
    before = snapshot()
    r = invoke(runner, "skm", "import-scores", write(tmp_path, text), "--period", "2021-S2",
               "--numbering", "questionnaire")
    assert r.exit_code != 0
    assert needle.lower() in r.output.lower()
    assert "GALAT" in r.output
    assert snapshot() == before


def test_numbering_required_and_known(runner, app, tmp_path):
    path = write(tmp_path, GOOD)
    before = snapshot()
    r = invoke(runner, "skm", "import-scores", path, "--period", "2021-S1")
    assert r.exit_code != 0 and "Penomoran" in r.output
    r = invoke(runner, "skm", "import-scores", path, "--period", "2021-S1", "--numbering", "pontianak")
    assert r.exit_code != 0 and "tidak dikenal" in r.output
    r = invoke(runner, "skm", "import-scores", path, "--period", "2021-S9", "--numbering", "regulation")
    assert r.exit_code != 0 and "periode" in r.output.lower()
    assert snapshot() == before


@pytest.mark.parametrize("backend", ["sqlite"])  # a file-level check: SQLite only
def test_sqlite_file_untouched_by_rejected_import(runner, app, tmp_path, backend):
    from tests.helpers import file_hash
    from tracker.extensions import db
    invoke(runner, "skm", "import-scores", write(tmp_path, GOOD, "ok.csv"), "--period", "2021-S1",
           "--numbering", "questionnaire")
    db.session.remove()
    db.engine.dispose()  # checkpoint WAL into the file
    path = app.config["SQLALCHEMY_DATABASE_URI"].replace("sqlite:///", "")
    before = file_hash(path)
    r = invoke(runner, "skm", "import-scores", write(tmp_path, GOOD.replace("300", "9999")), "--period",
               "2021-S2", "--numbering", "questionnaire")
    assert r.exit_code != 0
    db.session.remove()
    db.engine.dispose()
    assert file_hash(path) == before


def test_numbering_changes_which_element_is_which(runner, app, tmp_path):
    path = write(tmp_path, GOOD)
    invoke(runner, "skm", "import-scores", path, "--period", "2021-S1", "--numbering", "questionnaire")
    invoke(runner, "skm", "import-scores", path, "--period", "2021-S2", "--numbering", "regulation")
    q = json.loads(invoke(runner, "skm", "summary", "--period", "2021-S1").output)["units"][0]
    r = json.loads(invoke(runner, "skm", "summary", "--period", "2021-S2").output)["units"][0]
    assert q["elements"]["sarpras"] == r["elements"]["pengaduan"] == 2.9
    assert q["ikm"] == r["ikm"]


def test_reimport_needs_replace_and_keeps_old_batch(runner, app, tmp_path):
    from tracker.models import ImportBatch, UnitResult
    path = write(tmp_path, GOOD)
    assert invoke(runner, "skm", "import-scores", path, "--period", "2021-S1", "--numbering", "questionnaire").exit_code == 0
    before = snapshot()
    r = invoke(runner, "skm", "import-scores", path, "--period", "2021-S1", "--numbering", "questionnaire")
    assert r.exit_code != 0 and "--replace" in r.output
    assert snapshot() == before
    changed = write(tmp_path, GOOD.replace("Unit A,100,300", "Unit A,100,400"), "v2.csv")
    r = invoke(runner, "skm", "import-scores", changed, "--period", "2021-S1", "--numbering", "questionnaire", "--replace")
    assert r.exit_code == 0, r.output
    batches = ImportBatch.query.order_by(ImportBatch.id).all()
    assert [b.status for b in batches] == ["replaced", "active"]
    from tracker.imports.service import original_file
    assert original_file(batches[0]).read_bytes() == open(path, "rb").read()
    assert UnitResult.query.filter_by(batch_id=batches[0].id).count() == 2  # old rows kept
    s = json.loads(invoke(runner, "skm", "summary", "--period", "2021-S1").output)
    assert s["units"][0]["elements"]["persyaratan"] == 4.0


def test_unknown_units_created_or_refused(runner, app, tmp_path):
    path = write(tmp_path, GOOD)
    r = invoke(runner, "skm", "import-scores", path, "--period", "2021-S1", "--numbering", "questionnaire", "--no-create-units")
    assert r.exit_code != 0 and "tidak dikenal" in r.output
    r = invoke(runner, "skm", "import-scores", path, "--period", "2021-S1", "--numbering", "questionnaire")
    assert r.exit_code == 0 and "Unit baru dibuat: Unit A" in r.output
    # names match case- and whitespace-insensitively
    other = write(tmp_path, GOOD.replace("Unit A", "  UNIT   a "), "o.csv")
    r = invoke(runner, "skm", "import-scores", other, "--period", "2021-S2", "--numbering", "questionnaire", "--no-create-units")
    assert r.exit_code == 0, r.output


def test_semicolon_decimal_comma_and_value_family(runner, app, tmp_path):
    text = "Unit;U1;U2;U3;U4;U5;U6;U7;U8;U9;reported_ikm;population\n" \
           "Kecamatan X;86,5;87;80,25;90;85;88;89;84;91;86,86;1.000\n"
    r = invoke(runner, "skm", "import-scores", write(tmp_path, text), "--period", "2023-S2", "--numbering", "regulation")
    assert r.exit_code == 0, r.output
    unit = json.loads(invoke(runner, "skm", "summary", "--period", "2023-S2").output)["units"][0]
    assert unit["ikm"] == pytest.approx((86.5 + 87 + 80.25 + 90 + 85 + 88 + 89 + 84 + 91) / 9, abs=1e-3)
    assert unit["elements"]["pengaduan"] == pytest.approx(84 / 25)


def test_xlsx_import(runner, app, tmp_path):
    import pandas as pd
    frame = pd.read_csv(io.StringIO(GOOD))
    path = tmp_path / "scores.xlsx"
    frame.to_excel(path, index=False)
    r = invoke(runner, "skm", "import-scores", str(path), "--period", "2021-S1", "--numbering", "questionnaire")
    assert r.exit_code == 0, r.output
    # Expected by hand from GOOD: NRR = total / respondents; questionnaire numbering puts
    # Sarana dan Prasarana at U8 and Pengaduan at U9; IKM = 25 x mean NRR.
    units = {u["unit"]: u for u in json.loads(invoke(runner, "skm", "summary", "--period", "2021-S1").output)["units"]}
    a, b = units["Unit A"], units["Unit B"]
    assert a["respondents"] == 100 and b["respondents"] == 50
    assert a["elements"] == pytest.approx({"persyaratan": 3.0, "prosedur": 3.1, "waktu": 2.8, "biaya": 3.5,
                                           "produk": 3.2, "kompetensi": 3.3, "perilaku": 3.4,
                                           "sarpras": 2.9, "pengaduan": 3.6})
    assert a["ikm"] == pytest.approx(80.0) and a["category"] == "B"
    assert b["elements"]["sarpras"] == pytest.approx(2.9) and b["elements"]["pengaduan"] == pytest.approx(3.6)
    assert b["ikm"] == pytest.approx(25 * 28.3 / 9, abs=1e-3) and b["category"] == "B"  # 78,611


def _respondents() -> list[dict]:
    """Every stored respondent, read back from the compact blocks in unit and file order."""
    from tracker.imports.blocks import read_block
    from tracker.models import ResponseBlock
    return [row for block in ResponseBlock.query.order_by(ResponseBlock.unit_id).all()
            for row in read_block(block).rows()]


def test_responses_import(runner, app, tmp_path):
    lines = ["unit,u1,u2,u3,u4,u5,u6,u7,u8,u9,usia,jenis_kelamin"]
    lines += ["Puskesmas Z,4,3,3,4,4,3,3,2,4,30,P", "Puskesmas Z,3,3,,4,4,3,3,2,4,41,L",
              "puskesmas z,4,4,2,4,3,3,4,3,4,25,P"]
    r = invoke(runner, "skm", "import-responses", write(tmp_path, "\n".join(lines) + "\n"), "--period", "2024-Q1",
               "--numbering", "questionnaire")
    assert r.exit_code == 0, r.output
    unit = json.loads(invoke(runner, "skm", "summary", "--period", "2024-Q1").output)["units"][0]
    assert unit["respondents"] == 3
    assert unit["elements"]["waktu"] == pytest.approx(2.5)  # (3 + 2) / 2 answers given
    rows = _respondents()
    assert len(rows) == 3
    assert sorted(r["sex"] for r in rows) == ["L", "P", "P"] and sorted(r["age"] for r in rows) == ["25", "30", "41"]


def test_responses_bad_answer_names_row_and_column(runner, app, tmp_path):
    text = "unit,u1,u2,u3,u4,u5,u6,u7,u8,u9\nA,4,3,3,4,4,3,3,2,4\nA,4,3,5,4,4,3,3,2,4\n"
    before = snapshot()
    r = invoke(runner, "skm", "import-responses", write(tmp_path, text), "--period", "2024-Q1", "--numbering", "questionnaire")
    assert r.exit_code != 0
    assert "baris 3, kolom 'u3'" in r.output.lower()
    assert snapshot() == before


def test_summary_of_empty_period_fails(runner, app):
    r = invoke(runner, "skm", "summary", "--period", "2030")
    assert r.exit_code == 1
    assert r.exception is None or isinstance(r.exception, SystemExit)  # a refusal, not a crash
    assert "Periode 2030 belum memiliki hasil." in r.output and "Traceback" not in r.output


def test_reported_priorities_flagged_with_u8_u9_swap(runner, app, tmp_path):
    # sarpras (U8 in questionnaire numbering) is clearly lowest, then waktu, then persyaratan
    text = HEADER.strip() + ",reported_priorities\n" \
        "Unit A,100,300,330,290,350,340,345,335,200,360,U9;U3;U1\n" \
        "Unit B,100,300,330,290,350,340,345,335,200,360,U8;U3;U1\n" \
        "Unit C,100,300,330,290,350,340,345,335,200,360,U2;U4\n"
    r = invoke(runner, "skm", "import-scores", write(tmp_path, text), "--period", "2021-S1", "--numbering", "questionnaire")
    assert r.exit_code == 0, r.output
    flags = {u["unit"]: u["flags"] for u in json.loads(invoke(runner, "skm", "summary", "--period", "2021-S1").output)["units"]}
    assert any("U8/U9" in f for f in flags["Unit A"])
    assert not any("prioritas" in f for f in flags["Unit B"])
    assert any("bukan unsur terendah" in f for f in flags["Unit C"])


def test_responses_text_answer_and_empty_unit_rejected(runner, app, tmp_path):
    text = "unit,u1,u2,u3,u4,u5,u6,u7,u8,u9\nA,4,3,3,4,4,3,3,2,4\n,4,3,3,4,4,3,3,2,4\nA,4,3,abc,4,4,3,3,2,4\nA,4,3,2.5,4,4,3,3,2,4\n"
    before = snapshot()
    r = invoke(runner, "skm", "import-responses", write(tmp_path, text), "--period", "2024-Q1", "--numbering", "questionnaire")
    assert r.exit_code != 0
    out = r.output.lower()
    assert "baris 3, kolom 'unit'" in out
    assert "baris 4, kolom 'u3'" in out and "'abc'" in out
    assert "baris 5, kolom 'u3'" in out
    assert snapshot() == before


def test_responses_names_merge_case_and_space_insensitively(runner, app, tmp_path):
    text = "unit,u1,u2,u3,u4,u5,u6,u7,u8,u9,pendidikan\nKantor  A,4,3,3,4,4,3,3,2,4,SMA\nkantor a,2,3,3,4,4,3,3,2,4,S1\n"
    r = invoke(runner, "skm", "import-responses", write(tmp_path, text), "--period", "2024-Q2", "--numbering", "regulation")
    assert r.exit_code == 0, r.output
    data = json.loads(invoke(runner, "skm", "summary", "--period", "2024-Q2").output)
    assert len(data["units"]) == 1 and data["units"][0]["respondents"] == 2
    assert data["units"][0]["elements"]["persyaratan"] == 3.0
    rows = _respondents()
    assert sorted(r["education"] for r in rows) == ["S1", "SMA"]
    assert sorted(r["persyaratan"] for r in rows) == [2, 4]


def test_responses_stored_per_respondent_by_element_key(runner, app, tmp_path):
    """Each stored row holds that respondent's answers by element key (never by U-position):
    with the regulation numbering U8 is the complaints element and U9 the facilities, and an
    unanswered element is null."""
    text = ("unit,u1,u2,u3,u4,u5,u6,u7,u8,u9\n"
            "Kantor A,4,3,,4,4,3,3,2,1\n"
            "Kantor A,1,2,3,4,1,2,3,4,\n"
            "Kantor B,4,4,4,4,4,4,4,4,4\n")
    r = invoke(runner, "skm", "import-responses", write(tmp_path, text), "--period", "2024-Q3",
               "--numbering", "regulation")
    assert r.exit_code == 0, r.output
    keys = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarpras")
    rows = [{k: r[k] for k in keys} for r in _respondents()]
    order = ["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
             "pengaduan", "sarpras"]
    expected = [dict(zip(order, [4, 3, None, 4, 4, 3, 3, 2, 1])),
                dict(zip(order, [1, 2, 3, 4, 1, 2, 3, 4, None])),
                dict(zip(order, [4] * 9))]
    assert rows == expected
