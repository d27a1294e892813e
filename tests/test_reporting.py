"""The reporting round (issue 11): the admin opens a round, managers submit their unit's
result (form or file, validated like an import), the admin returns or accepts, each unit's
latest accepted result counts, completeness per group, reminders, and the checks on who may do
what. Expected figures are computed by hand in the tests."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest

from tests.helpers import snapshot
from tests.test_followup_progress import PNG
from tests.test_followup_workflow import PDF, UNIT_A, UNIT_B, World
from tracker.extensions import db
from tracker.models import Notification, UnitResult
from tracker.models.reporting import ReportingRound, ResultSubmission

CODE = "2022-S1"
NRR = {"persyaratan": 3.1, "prosedur": 3.2, "waktu": 2.9, "biaya": 3.6, "produk": 3.3,
       "kompetensi": 3.4, "perilaku": 3.5, "sarpras": 2.8, "pengaduan": 3.0}
IKM = 25 * sum(NRR.values()) / 9  # 28,8 / 9 = 3,2 -> 80,000


@pytest.fixture
def world(loaded, client):
    w = World(client)
    w.login("admin@kota.go.id")
    r = client.post("/pelaporan/", data={"period": CODE, "deadline": "2022-07-31", "numbering": "questionnaire",
                                         "instructions": "Kirim rekap SKM semester I beserta laporannya."})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    w.round = ReportingRound.query.one()
    return w


def form_data(**extra):
    data = {"mode": "form", "numbering": "questionnaire", "respondents": "120", "method": "Daring",
            "survey_start": "2022-02-01", "survey_end": "2022-05-31",
            "report": (io.BytesIO(PDF), "laporan-skm.pdf")}
    data.update({f"nrr_{k}": str(v).replace(".", ",") for k, v in NRR.items()})
    data.update(extra)
    return data


def submit(w, unit_id, data, expect=302):
    r = w.client.post(f"/pelaporan/{CODE}/unit/{unit_id}", data=data, content_type="multipart/form-data")
    assert r.status_code == expect, r.get_data(as_text=True)[:3000]
    return r


def summary_unit(runner, name, code=CODE):
    r = runner.invoke(args=["skm", "summary", "--period", code])
    if r.exit_code != 0:
        assert "belum memiliki hasil" in r.output
        return None
    out = json.loads(r.output)
    return next((u for u in out["units"] if u["unit"] == name), None)


def test_opening_a_round_tells_the_managers_and_refuses_a_second_or_a_year(world):
    notes = [n.message for n in Notification.query.filter_by(user_id=world.m1.id).all()]
    assert any("meminta hasil SKM" in n and "31-07-2022" in n for n in notes)
    r = world.client.post("/pelaporan/", data={"period": CODE, "deadline": "2022-08-31", "numbering": "questionnaire"})
    assert r.status_code == 400 and "sudah dibuka" in r.get_data(as_text=True)
    r = world.client.post("/pelaporan/", data={"period": "2022", "deadline": "2022-08-31", "numbering": "questionnaire"})
    assert r.status_code == 400 and "bukan per tahun" in r.get_data(as_text=True)
    r = world.client.post("/pelaporan/", data={"period": "2022-S9", "deadline": "2022-08-31", "numbering": "questionnaire"})
    assert r.status_code == 400
    assert ReportingRound.query.count() == 1
    for email in ("m1@kota.go.id", "inspektur@kota.go.id"):
        world.login(email)
        assert world.client.post("/pelaporan/", data={"period": "2022-S2", "deadline": "2022-12-31",
                                                      "numbering": "questionnaire"}).status_code == 403


def test_submit_return_resubmit_accept_and_the_result_counts(world, runner):
    world.login("m1@kota.go.id")
    submit(world, world.a_id, form_data())
    first = ResultSubmission.query.one()
    assert first.status == "submitted" and first.respondents == 120 and first.mode == "form"
    assert first.ikm == pytest.approx(IKM) and first.report_name == "laporan-skm.pdf"
    assert summary_unit(runner, UNIT_A) is None  # not a result before the admin accepts
    world.login("admin@kota.go.id")
    page = world.client.get(f"/pelaporan/kiriman/{first.id}").get_data(as_text=True)
    assert "IKM 80,000" in page and "<td>U8</td><td>Sarana dan Prasarana</td>" in page and "Sarana dan Prasarana" in page
    r = world.client.post(f"/pelaporan/kiriman/{first.id}/kembalikan", data={"version": first.version, "comment": ""})
    assert r.status_code == 303
    db.session.refresh(first)
    assert first.status == "submitted"  # a return needs its reason
    world.client.post(f"/pelaporan/kiriman/{first.id}/kembalikan",
                      data={"version": first.version, "comment": "NRR unsur waktu tidak sesuai laporan."})
    db.session.refresh(first)
    assert first.status == "returned"
    world.login("m1@kota.go.id")
    page = world.client.get(f"/pelaporan/{CODE}/unit/{world.a_id}").get_data(as_text=True)
    assert "NRR unsur waktu tidak sesuai laporan." in page and "Dikembalikan" in page
    submit(world, world.a_id, form_data(nrr_waktu="3,8"))
    second = ResultSubmission.query.order_by(ResultSubmission.id.desc()).first()
    db.session.refresh(first)
    assert first.status == "replaced" and second.replaces_id == first.id  # the first stays retrievable
    assert world.client.get(f"/pelaporan/kiriman/{first.id}/berkas").status_code == 200
    world.login("admin@kota.go.id")
    r = world.client.post(f"/pelaporan/kiriman/{second.id}/terima", data={"version": second.version})
    assert r.status_code == 302
    unit = summary_unit(runner, UNIT_A)
    expected = dict(NRR, waktu=3.8)
    assert unit["elements"] == pytest.approx(expected)
    assert unit["ikm"] == pytest.approx(25 * sum(expected.values()) / 9) and unit["respondents"] == 120
    assert "diterima" in Notification.query.filter_by(user_id=world.m1.id).order_by(Notification.id.desc()).first().message
    # Accepting again is refused; the report PDF is served to the unit's readers only.
    r = world.client.post(f"/pelaporan/kiriman/{second.id}/terima", data={"version": second.version + 1})
    assert r.status_code == 303
    assert world.client.get(f"/pelaporan/kiriman/{second.id}/laporan").data == PDF
    world.login("m2@kota.go.id")
    assert world.client.get(f"/pelaporan/kiriman/{second.id}/laporan").status_code == 404
    assert world.client.get(f"/pelaporan/kiriman/{second.id}").status_code == 404


def test_a_units_latest_result_replaces_only_its_own(world, runner):
    """2021-S1 has the imported sample; an accepted submission replaces unit A's result only."""
    world.login("admin@kota.go.id")
    world.client.post("/pelaporan/", data={"period": "2021-S1", "deadline": "2021-07-31", "numbering": "questionnaire"})
    before_b = summary_unit(runner, UNIT_B, "2021-S1")
    count = len(json.loads(runner.invoke(args=["skm", "summary", "--period", "2021-S1"]).output)["units"])
    world.login("m1@kota.go.id")
    r = world.client.post(f"/pelaporan/2021-S1/unit/{world.a_id}", data=form_data(), content_type="multipart/form-data")
    assert r.status_code == 302
    sub = ResultSubmission.query.one()
    world.login("admin@kota.go.id")
    world.client.post(f"/pelaporan/kiriman/{sub.id}/terima", data={"version": sub.version})
    out = json.loads(runner.invoke(args=["skm", "summary", "--period", "2021-S1"]).output)
    assert len(out["units"]) == count
    assert summary_unit(runner, UNIT_A, "2021-S1")["ikm"] == pytest.approx(IKM)
    assert summary_unit(runner, UNIT_B, "2021-S1") == before_b
    old = UnitResult.query.filter(UnitResult.unit_id == world.a_id, UnitResult.batch_id != sub.batch_id,
                                  UnitResult.period_id == sub.period_id).one()
    assert old.superseded_at is not None  # kept, no longer counted
    # The recap shows the accepted figure.
    assert "80,000" in world.client.get("/periode/2021-S1").get_data(as_text=True)


def test_two_units_with_different_numberings_get_the_right_elements(world, runner):
    """Unit A numbers U8 = Sarana dan Prasarana (questionnaire), unit B U8 = Pengaduan
    (regulation). Both files give U8 = 2,00 and U9 = 4,00."""
    head = "unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
    world.login("m1@kota.go.id")
    submit(world, world.a_id, {"mode": "scores", "numbering": "questionnaire",
                               "file": (io.BytesIO((head + f'"{UNIT_A}",100,300,300,300,300,300,300,300,200,400\n').encode()), "a.csv")})
    world.login("m2@kota.go.id")
    submit(world, world.b_id, {"mode": "scores", "numbering": "regulation",
                               "file": (io.BytesIO((head + f"{UNIT_B},100,300,300,300,300,300,300,300,200,400\n").encode()), "b.csv")})
    world.login("admin@kota.go.id")
    for sub in ResultSubmission.query.all():
        assert world.client.post(f"/pelaporan/kiriman/{sub.id}/terima", data={"version": sub.version}).status_code == 302
    a, b = summary_unit(runner, UNIT_A), summary_unit(runner, UNIT_B)
    assert (a["elements"]["sarpras"], a["elements"]["pengaduan"]) == (2.0, 4.0)
    assert (b["elements"]["pengaduan"], b["elements"]["sarpras"]) == (2.0, 4.0)


@pytest.mark.parametrize("data, words", [
    (lambda: {"mode": "scores", "numbering": "questionnaire",
      "file": (io.BytesIO(b"unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
                          b"Unit Lain Sama Sekali,100,300,300,300,300,300,300,300,200,400\n"), "x.csv")},
     "Baris 2, kolom &#39;unit&#39;: hasil untuk &#39;Unit Lain Sama Sekali&#39;, bukan"),
    (lambda: {"mode": "scores", "numbering": "questionnaire",
      "file": (io.BytesIO(b"unit,respondents,s_u1,s_u2,s_u3,s_u4,s_u5,s_u6,s_u7,s_u8,s_u9\n"
                          b"X,100,300,300,300,300,300,300,300,200,999\n"), "x.csv")},
     "Baris 2, kolom &#39;s_u9&#39;"),
    (lambda: {"mode": "scores", "numbering": "questionnaire", "file": (io.BytesIO(b"MZ\x90\x00"), "x.exe")}, "Jenis berkas"),
    (lambda: {"mode": "scores", "numbering": "questionnaire"}, "Pilih berkas hasil"),
    (lambda: dict(form_data(), nrr_waktu=""), "NRR wajib diisi untuk U3"),
    (lambda: dict(form_data(), nrr_waktu="4,5"), "NRR harus antara 1 dan 4"),
    (lambda: dict(form_data(), respondents=""), "Jumlah responden wajib diisi"),
    (lambda: dict(form_data(), survey_start="2022-06-01", survey_end="2022-02-01"), "Akhir pelaksanaan survei sebelum awalnya"),
    (lambda: dict(form_data(), report=(io.BytesIO(b"%PDF-1.4 palsu? bukan"), "laporan.docx")), "Isi berkas laporan tidak sesuai"),
    (lambda: dict(form_data(), report=(io.BytesIO(PDF), "foto.png")), "Isi berkas laporan tidak sesuai"),
    (lambda: dict(form_data(), report=(io.BytesIO(PNG), "foto.png")), "Laporan SKM unit harus berkas PDF"),
    (lambda: dict(form_data(), report=(io.BytesIO(PDF), "laporan.exe")), "Jenis berkas laporan tidak diizinkan"),
    (lambda: dict(form_data(), report_link="javascript:alert(1)"), "http://"),
])
def test_bad_submissions_are_refused_with_a_message_and_change_nothing(world, data, words):
    world.login("m1@kota.go.id")
    before = snapshot()
    r = submit(world, world.a_id, data(), expect=400)
    assert words in r.get_data(as_text=True)
    assert snapshot() == before


def test_only_the_units_own_manager_submits(world):
    for email, expect in (("m2@kota.go.id", 404), ("admin@kota.go.id", 403), ("inspektur@kota.go.id", 403)):
        world.login(email)
        before = snapshot()
        r = world.client.post(f"/pelaporan/{CODE}/unit/{world.a_id}", data=form_data(), content_type="multipart/form-data")
        assert r.status_code == expect, email
        assert snapshot() == before
    world.login("m2@kota.go.id")
    assert world.client.get(f"/pelaporan/{CODE}/unit/{world.a_id}").status_code == 404
    assert world.client.get(f"/pelaporan/{CODE}").status_code == 403
    world.login("m1@kota.go.id")
    submit(world, world.a_id, form_data())
    sub = ResultSubmission.query.one()
    for email in ("m1@kota.go.id", "inspektur@kota.go.id"):
        world.login(email)
        assert world.client.post(f"/pelaporan/kiriman/{sub.id}/terima", data={"version": sub.version}).status_code == 403
    db.session.refresh(sub)
    assert sub.status == "submitted"


def test_closed_round_refuses_submissions(world):
    rnd = world.round
    world.client.post(f"/pelaporan/{CODE}", data={"version": rnd.version, "deadline": "2022-07-31",
                                                  "numbering": "questionnaire", "status": "closed"})
    db.session.refresh(rnd)
    assert rnd.status == "closed"
    world.login("m1@kota.go.id")
    r = world.client.post(f"/pelaporan/{CODE}/unit/{world.a_id}", data=form_data(), content_type="multipart/form-data")
    assert r.status_code in (400, 403)
    assert ResultSubmission.query.count() == 0


def test_completeness_by_group_and_state(world):
    from tracker.reporting.service import completeness
    world.login("m1@kota.go.id")
    submit(world, world.a_id, form_data())
    rnd = world.round
    before = completeness(rnd, date(2022, 7, 31))
    after = completeness(rnd, date(2022, 8, 1))
    states = {r.unit.name: r.state for r in before.rows}
    assert states[UNIT_A] == "waiting" and states[UNIT_B] == "not_yet"
    late = {r.unit.name: r.state for r in after.rows}
    assert late[UNIT_A] == "waiting" and late[UNIT_B] == "late"
    total = len(after.rows)
    assert after.count("late") == total - 1 and sum(g.units for g in after.groups) == total
    world.login("admin@kota.go.id")
    sub = ResultSubmission.query.one()
    world.client.post(f"/pelaporan/kiriman/{sub.id}/terima", data={"version": sub.version})
    done = completeness(rnd, date(2022, 8, 1))
    group = next(g for g in done.groups if g.group == world.a.group)
    assert group.reported == 1 and group.share == pytest.approx(100.0 / group.units)
    page = world.client.get(f"/pelaporan/{CODE}").get_data(as_text=True)
    assert 'id="participation"' in page and "<svg" in page and "Partisipasi pelaporan per kelompok" in page


def test_reminders_before_and_on_the_deadline_once(world):
    from jobs.reminders import check_deadlines
    world.login("m1@kota.go.id")
    submit(world, world.a_id, form_data())  # unit A has sent its result: it is not reminded

    def count(user):
        return Notification.query.filter(Notification.user_id == user.id,
                                         Notification.message.like("Tenggat pelaporan%")).count()
    check_deadlines(date(2022, 7, 27))
    assert count(world.m2) == 0
    check_deadlines(date(2022, 7, 28))
    check_deadlines(date(2022, 7, 28))  # a second run (another worker) adds nothing
    assert count(world.m2) == 1
    assert "tiga hari lagi (31-07-2022)" in Notification.query.filter(
        Notification.user_id == world.m2.id, Notification.message.like("Tenggat pelaporan%")).one().message
    check_deadlines(date(2022, 7, 31))
    assert count(world.m2) == 2
    check_deadlines(date(2022, 8, 5))  # after the deadline the inspector's home carries it
    assert count(world.m2) == 2
    assert count(world.m1) == 0


def test_late_units_are_a_finding_on_the_inspectors_home(world, monkeypatch):
    from tracker.home import views
    monkeypatch.setattr(views, "today_wib", lambda: date(2022, 8, 2))
    world.login("inspektur@kota.go.id")
    page = world.client.get("/").get_data(as_text=True)
    assert "Unit terlambat melaporkan hasil SKM Semester I 2022" in page and UNIT_B in page
    world.login("m1@kota.go.id")
    page = world.client.get("/").get_data(as_text=True)
    assert "Hasil SKM yang perlu dikirim" in page and "terlambat, tenggat 31-07-2022" in page
