"""`rtl import` (CONTRACT.md "RTL file"): all-or-nothing, element recognition, units, replace."""
from __future__ import annotations

import csv
import io

import pytest

from tracker.imports.service import original_file

from tests.helpers import snapshot
from tracker.extensions import db
from tracker.models import Action, AuditLog, ImportBatch, Plan, ProgressEntry, Unit

HEADER = "unit,element,action,quarters,owner\n"


def write(tmp_path, text, name="rtl.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(runner, path, *args):
    return runner.invoke(args=["rtl", "import", path, *args])


def test_sample_file_loads(loaded, runner, sample_dir):
    path = sample_dir / "surakarta-2021-rtl.csv"
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    r = run(runner, str(path), "--period", "2021", "--numbering", "questionnaire")
    assert r.exit_code == 0, r.output
    assert "Impor RTL" in r.output
    units = {row["unit"].strip().lower() for row in rows}
    assert Plan.query.count() == len(units)
    assert Action.query.count() == len(rows)
    assert {p.status for p in Plan.query} == {"accepted"}
    assert {p.source for p in Plan.query} == {"import"}
    assert {p.period.code for p in Plan.query} == {"2021"}
    batch = ImportBatch.query.filter_by(kind="rtl").one()
    assert batch.row_count == len(rows) and original_file(batch).read_bytes() == path.read_bytes()
    # Elements are stored by key; U8 in the questionnaire numbering is Sarana dan Prasarana.
    a = Action.query.filter_by(text="Perbaiki sarana dan prasana pelayanan").first()
    assert a.element == "sarpras"
    assert AuditLog.query.filter_by(entity="plan", event="import").count() == Plan.query.count()
    # Imported phrases grow the catalogue.
    from tracker.models import CatalogueAction
    assert CatalogueAction.query.filter_by(text_key="peningkatan sosialisasi e-layanan").first().uses >= 1


def test_element_forms_and_quarters(app, runner, tmp_path):
    text = HEADER + (
        'Unit Satu,U3,Percepatan layanan,2021-TW4;2022-TW1,Kabid\n'
        'Unit Satu,"U8 (Sarana Prasarana)",Perbaikan ruang tunggu,,\n'
        'Unit Satu,"Penanganan Pengaduan, Sarana dan Masukan",Kotak saran,2022 TW II,Sekretariat\n'
        'Unit Satu,tarif/ biaya,Papan tarif,2022-TW3,\n'
        'unit  SATU,Perilaku Petugas,Pelatihan service excellent,2022-TW4,Umpeg\n'
        'Unit Dua,sarpras,Perbaikan toilet,2022-TW1,\n')
    r = run(runner, write(tmp_path, text), "--period", "2021-S2", "--numbering", "regulation")
    assert r.exit_code == 0, r.output
    assert Unit.query.count() == 2  # names match case- and whitespace-insensitively
    assert "Unit baru dibuat: Unit Satu" in r.output
    got = {a.text: (a.element, a.quarters, a.owner) for a in Action.query}
    assert got["Percepatan layanan"] == ("waktu", ["2021-TW4", "2022-TW1"], "Kabid")
    assert got["Perbaikan ruang tunggu"] == ("sarpras", [], None)  # the name decides, not U8
    assert got["Kotak saran"][0] == "pengaduan" and got["Kotak saran"][1] == ["2022-TW2"]
    assert got["Papan tarif"][0] == "biaya"
    assert got["Pelatihan service excellent"][0] == "perilaku"


@pytest.mark.parametrize("body,args,expected", [
    ('Unit A,U3,Aksi,,\n', [], ["Baris 3, kolom 'element'", "--numbering"]),
    ('Unit A,Keindahan taman,Aksi,,\n', ["--numbering", "questionnaire"], ["Baris 3, kolom 'element'", "tidak dikenali"]),
    ('Unit A,waktu,Aksi,,\nUnit A,waktu,,,\n', [], ["Baris 4, kolom 'action'"]),
    ('Unit A,waktu,Aksi,2022-TW5,\n', [], ["Baris 3, kolom 'quarters'"]),
    (',waktu,Aksi,,\n', [], ["Baris 3, kolom 'unit'"]),
], ids=["u-code-without-numbering", "unknown-element", "empty-action", "bad-quarter", "empty-unit"])
def test_bad_rows_reject_the_whole_file(loaded, runner, tmp_path, body, args, expected):
    before = snapshot()
    good = 'Unit A,waktu,Aksi yang benar,2022-TW1,\n'
    r = run(runner, write(tmp_path, HEADER + good + body), "--period", "2021", *args)
    assert r.exit_code != 0
    for e in expected:
        assert e in r.output
    assert snapshot() == before


def test_missing_column(app, runner, tmp_path):
    r = run(runner, write(tmp_path, "unit,action\nA,B\n"), "--period", "2021")
    assert r.exit_code != 0 and "kolom 'element'" in r.output
    assert Plan.query.count() == 0 and ImportBatch.query.count() == 0


def test_no_create_units(loaded, runner, tmp_path):
    before = snapshot()
    r = run(runner, write(tmp_path, HEADER + "Unit Tak Dikenal,waktu,Aksi,,\n"), "--period", "2021",
            "--no-create-units")
    assert r.exit_code != 0 and "Unit Tak Dikenal" in r.output and "Baris 2" in r.output
    assert snapshot() == before


def test_reimport_requires_replace_and_keeps_old_file_and_audit(app, runner, tmp_path):
    first = write(tmp_path, HEADER + "Unit A,waktu,Aksi lama,2022-TW1,\n", "a.csv")
    second = write(tmp_path, HEADER + "Unit A,waktu,Aksi baru,2022-TW2,\n", "b.csv")
    assert run(runner, first, "--period", "2021").exit_code == 0
    before = snapshot()
    r = run(runner, second, "--period", "2021")
    assert r.exit_code != 0 and "--replace" in r.output
    assert snapshot() == before
    r = run(runner, second, "--period", "2021", "--replace")
    assert r.exit_code == 0, r.output
    assert [a.text for a in Action.query] == ["Aksi baru"]
    old, new = ImportBatch.query.order_by(ImportBatch.id).all()
    assert old.status == "replaced" and old.replaced_by_id == new.id and b"Aksi lama" in original_file(old).read_bytes()
    log = AuditLog.query.filter_by(event="replaced_by_import").one()
    assert log.before["actions"][0]["text"] == "Aksi lama"


def test_replace_never_drops_web_plans_or_progress(loaded, runner, tmp_path, client):
    from tests.test_followup_workflow import UNIT_A, World
    path = write(tmp_path, HEADER + f'"{UNIT_A}",waktu,Aksi,2021-TW2,\n')
    assert run(runner, path, "--period", "2021-S1").exit_code == 0
    plan = Plan.query.one()
    action = plan.actions[0]
    db.session.add(ProgressEntry(action_id=action.id, quarter="2021-TW2", percent=50, narrative="x"))
    db.session.commit()
    before = snapshot()
    r = run(runner, path, "--period", "2021-S1", "--replace")
    assert r.exit_code != 0 and "tidak dapat diganti" in r.output
    assert snapshot() == before
    # A plan written in the tracker is not replaced either.
    w = World(client)
    w.login(w.m2.email)
    w.create_plan("2021-S2", unit_id=w.b_id)
    path2 = write(tmp_path, HEADER + f'"{w.b.name}",waktu,Aksi,,\n', "c.csv")
    before = snapshot()
    r = run(runner, path2, "--period", "2021-S2", "--replace")
    assert r.exit_code != 0 and "tidak dapat diganti" in r.output
    assert snapshot() == before


def test_import_from_admin_upload_page(loaded, client, sample_dir):
    from tests.conftest import make_user
    make_user("admin@kota.go.id", "admin")
    client.post("/login", data={"email": "admin@kota.go.id", "password": "rahasia123"})
    path = sample_dir / "surakarta-2021-rtl.csv"
    r = client.post("/impor/", data={"kind": "rtl", "period": "2021", "numbering": "questionnaire",
                                      "file": (io.BytesIO(path.read_bytes()), path.name),
                                      "create_units": "y"},
                    content_type="multipart/form-data")
    assert r.status_code == 200, r.data.decode()[:2000]
    assert Plan.query.count() > 0


def test_web_plan_blocks_import_with_clear_message_even_without_replace(loaded, runner, tmp_path, client):
    from tests.test_followup_workflow import World
    w = World(client)
    w.login(w.m1.email)
    w.create_plan("2021-S1")
    path = write(tmp_path, HEADER + f'"{w.a.name}",waktu,Aksi,,\n')
    r = run(runner, path, "--period", "2021-S1")
    assert r.exit_code != 0 and "tidak dapat diganti" in r.output and "Baris 2" in r.output
