"""Two annex rules that a deliberate-bug check showed no test would notice breaking: Tabel 3.2
follows the admin's priority override, and Lampiran 2 never lists a rejected report. Expected
values are written out by hand from the questionnaire numbering (U4 Biaya/Tarif, U8 Sarana dan
Prasarana), not taken from the code under test."""
from __future__ import annotations

import openpyxl
import pytest

from tests.test_followup_workflow import UNIT_A, UNIT_B, World
from tracker.models import ProgressEntry


@pytest.fixture
def world(loaded, client):
    return World(client)


def _export(tmp_path, code="2021-S1"):
    from tracker.reports.annex import write_period_workbook
    out = tmp_path / "annex.xlsx"
    write_period_workbook(code, out)
    return openpyxl.load_workbook(out)


def _row_of(ws, unit_name, first_row=5):
    for row in ws.iter_rows(min_row=first_row, values_only=True):
        if row[1] == unit_name:
            return row
    raise AssertionError(f"{unit_name} not in {ws.title}")


def test_tabel_32_shows_the_admins_priority_override(world, tmp_path):
    from tracker.followup.service import derived_priorities
    derived = derived_priorities(world.a, "2021-S1")
    assert "biaya" not in derived and "sarpras" not in derived  # so the override is visible
    before = _row_of(_export(tmp_path)["Tabel 3.2"], UNIT_A)[6]
    assert "penyesuaian admin" not in before and "Biaya" not in before
    world.login("admin@kota.go.id")
    r = world.client.post(f"/rtl/2021-S1/unit/{world.a_id}/prioritas",
                          data={"elements": ["sarpras", "biaya"], "reason": "Laporan unit menyebut dua unsur."})
    assert r.status_code == 302
    after = _row_of(_export(tmp_path)["Tabel 3.2"], UNIT_A)[6]
    assert after in ("U8 (Sarana dan Prasarana), U4 (Biaya/Tarif) (penyesuaian admin)",
                     "U4 (Biaya/Tarif), U8 (Sarana dan Prasarana) (penyesuaian admin)")
    other = _row_of(_export(tmp_path)["Tabel 3.2"], UNIT_B)
    assert "penyesuaian admin" not in other[6]


def test_lampiran_2_lists_verified_and_waiting_reports_but_never_rejected_ones(world, tmp_path):
    plan = world.accepted_plan()
    first, second, third = plan.actions[:3]
    world.login("m1@kota.go.id")
    world.log(first, first.quarters[0], 40)
    world.log(second, second.quarters[0], 70)
    world.log(third, third.quarters[0], 55)
    world.login("inspektur@kota.go.id")
    entries = {e.percent: e for e in ProgressEntry.query.all()}
    world.review(entries[40], "verified")
    world.review(entries[70], "rejected", "Bukti tidak sesuai kegiatan")
    ws = _export(tmp_path)["Lampiran 2"]
    rows = [row for row in ws.iter_rows(min_row=5, values_only=True) if row[1] == UNIT_A]
    assert sorted((row[6], row[7]) for row in rows) == [(40, "Terverifikasi"), (55, "Menunggu verifikasi")]
    assert all(row[8] == "Berkas: bukti.pdf (aplikasi: /rtl/laporan/%d/bukti)" % e.id
               for row, e in zip(sorted(rows, key=lambda r: r[6]), (entries[40], entries[55])))
