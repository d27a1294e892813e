"""SKM daring through the web (issue 13 parts 1-4): opening a questionnaire, respondents
answering without login, the abuse checks, live results, reasons, and closing collection so the
answers become the unit's result (directly by the admin, as a round submission by the unit)."""
from __future__ import annotations

import io
import json
import re

import pytest

from tests.helpers import snapshot
from tests.test_followup_workflow import UNIT_A, World
from tracker.domain.elements import NUMBERINGS
from tracker.extensions import db
from tracker.models import ImportBatch, SurveyAnswer, SurveyCollection, UnitResult
from tracker.models.reporting import ResultSubmission

CODE = "2022-S1"
KEYS = list(NUMBERINGS["questionnaire"])


@pytest.fixture
def world(loaded, client, app):
    app.config["SURVEY_MIN_SECONDS"] = 0
    w = World(client)
    w.login("admin@kota.go.id")
    r = client.post("/survei-daring/", data={"unit_id": str(w.a_id), "period": CODE, "population": "500",
                                             "service_types": ""})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    w.coll = SurveyCollection.query.one()
    w.public = app.test_client()  # a respondent: nobody signed in
    return w


def form_of(html: str) -> dict:
    return {"form_token": re.search(r'name="form_token" value="([^"]+)"', html).group(1)}


def answers(values="343343343", **extra):
    data = {f"u_{k}": v for k, v in zip(KEYS, values)}
    data.update(extra)
    return data


def respond(client, coll, values="343343343", expect=200, **extra):
    page = client.get(f"/s/{coll.token}")
    assert page.status_code == 200
    data = form_of(page.get_data(as_text=True))
    data.update(answers(values, **extra))
    r = client.post(f"/s/{coll.token}", data=data)
    assert r.status_code == expect, r.get_data(as_text=True)[:3000]
    return r


def test_the_questionnaire_asks_every_element_in_words_and_needs_no_login(world):
    page = world.public.get(f"/s/{world.coll.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and world.coll.unit.name in html
    for word in ("Sangat mahal", "Dikelola dengan baik", "Sangat sopan dan ramah", "Usia", "Pekerjaan utama"):
        assert word in html
    assert html.count('type="radio"') == 36 and 'name="situs_web"' in html
    assert page.headers["Cache-Control"] == "no-store"
    assert "skm_perangkat=" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
    assert world.public.get("/s/not-a-token").status_code == 404


def test_an_answer_is_stored_and_counted_live(world):
    r = respond(world.public, world.coll, "123443343", alasan_persyaratan="Persyaratan tidak diumumkan",
                alasan_waktu="answered 3", age="30-39 tahun", sex="Perempuan", saran="Tambah loket")
    assert "sudah kami terima" in r.get_data(as_text=True)
    row = SurveyAnswer.query.one()
    assert row.answers == "123443343" and row.reasons == {"persyaratan": "Persyaratan tidak diumumkan"}
    assert (row.age, row.sex, row.suggestion) == ("30-39 tahun", "Perempuan", "Tambah loket")
    detail = world.client.get(f"/survei-daring/{world.coll.id}").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> responden", detail) and "target minimal <strong>218</strong>" in detail
    assert "Persyaratan tidak diumumkan" in detail and "Tambah loket" in detail
    # The unit's results page (no result for the period yet) shows the collection too.
    unit_page = world.client.get(f"/periode/{CODE}/unit/{world.a_id}")
    assert unit_page.status_code == 200
    assert re.search(r"SKM daring.*1 responden", unit_page.get_data(as_text=True), re.S)


def test_a_form_sent_twice_counts_once(world):
    page = world.public.get(f"/s/{world.coll.token}")
    data = {**form_of(page.get_data(as_text=True)), **answers()}
    assert world.public.post(f"/s/{world.coll.token}", data=data).status_code == 200
    again = world.public.post(f"/s/{world.coll.token}", data=data)
    assert "sudah tercatat" in again.get_data(as_text=True)
    # The same answers from the same device in a fresh form: also one respondent.
    assert "sudah tercatat" in respond(world.public, world.coll).get_data(as_text=True)
    assert SurveyAnswer.query.count() == 1
    respond(world.public, world.coll, "444444444")
    assert SurveyAnswer.query.count() == 2


def test_honeypot_too_fast_and_foreign_forms_are_not_counted_and_keep_the_answers(world, app):
    respond(world.public, world.coll, situs_web="http://spam.example")
    assert SurveyAnswer.query.count() == 0
    app.config["SURVEY_MIN_SECONDS"] = 30
    r = respond(world.public, world.coll, "123412341", expect=400, saran="saran saya")
    html = r.get_data(as_text=True)
    assert "terlalu cepat" in html and "saran saya" in html and "checked" in html
    app.config["SURVEY_MIN_SECONDS"] = 0
    # A form taken by another device (or posted from another site, without this device's cookie).
    other = app.test_client()
    token = form_of(other.get(f"/s/{world.coll.token}").get_data(as_text=True))
    r = world.public.post(f"/s/{world.coll.token}", data={**token, **answers()})
    assert r.status_code == 400 and "cookie" in r.get_data(as_text=True)
    assert SurveyAnswer.query.count() == 0


def test_missing_answers_are_named_and_nothing_is_stored(world):
    r = respond(world.public, world.coll, "34334334", expect=400)  # the ninth left out
    html = r.get_data(as_text=True)
    assert "Pertanyaan 9 (Penanganan Pengaduan, Saran dan Masukan) belum dijawab." in html
    assert 'href="#f-u_pengaduan"' in html
    assert SurveyAnswer.query.count() == 0


def test_rate_limit_per_device_then_per_address(world, app):
    app.config["SURVEY_RATE_PER_DEVICE"] = "2/3600"
    respond(world.public, world.coll, "111111111")
    respond(world.public, world.coll, "222222222")
    r = respond(world.public, world.coll, "333333333", expect=429)
    assert "Terlalu banyak kiriman" in r.get_data(as_text=True) and int(r.headers["Retry-After"]) > 0
    app.config["SURVEY_RATE_PER_DEVICE"] = "10/3600"
    app.config["SURVEY_RATE_PER_ADDRESS"] = "4/3600"  # three sent from this address already (one refused)
    second_device = app.test_client()
    respond(second_device, world.coll, "444444444")
    r = respond(second_device, world.coll, "434343434", expect=429)
    assert SurveyAnswer.query.count() == 3


def test_closed_collection_says_so(world):
    world.client.post(f"/survei-daring/{world.coll.id}/tutup", data={"version": world.coll.version})
    page = world.public.get(f"/s/{world.coll.token}")
    assert "Kirim jawaban" in page.get_data(as_text=True)  # closing with no answers is refused
    db.session.refresh(world.coll)
    assert world.coll.status == "open"
    respond(world.public, world.coll)
    r = world.client.post(f"/survei-daring/{world.coll.id}/tutup", data={"version": world.coll.version})
    assert r.status_code == 302
    db.session.refresh(world.coll)
    assert world.coll.status == "closed"
    token = world.coll.token
    page = world.public.get(f"/s/{token}")
    assert page.status_code == 200 and "Survei sudah ditutup" in page.get_data(as_text=True)
    assert world.public.post(f"/s/{token}", data=answers()).status_code == 410


def test_admin_close_makes_the_answers_the_units_result(world, runner):
    respond(world.public, world.coll, "444444444", age="20-29 tahun", sex="Laki-laki")
    other = world.client.application.test_client()
    respond(other, world.coll, "222222222", age="50-59 tahun", sex="Perempuan")
    r = world.client.post(f"/survei-daring/{world.coll.id}/tutup", data={"version": world.coll.version},
                          follow_redirects=True)
    assert "2 responden menjadi hasil" in r.get_data(as_text=True)
    batch = ImportBatch.query.filter_by(kind="survey").one()
    result = UnitResult.query.filter_by(batch_id=batch.id).one()
    assert result.unit_id == world.a_id and result.respondents == 2 and result.ikm == 75.0
    assert result.method == "Survei daring (SKM daring)" and result.family == "responses"
    out = json.loads(runner.invoke(args=["skm", "summary", "--period", CODE]).output)
    unit = next(u for u in out["units"] if u["unit"] == UNIT_A)
    assert unit["ikm"] == 75.0 and unit["respondents"] == 2
    # Demographics come from the same respondent blocks as an import's.
    page = world.client.get(f"/periode/{CODE}/unit/{world.a_id}").get_data(as_text=True)
    assert "20-29 tahun" in page and "50-59 tahun" in page


def test_the_unit_closes_within_the_reporting_round_as_a_submission(world):
    respond(world.public, world.coll)
    world.login("m1@kota.go.id")
    r = world.client.post(f"/survei-daring/{world.coll.id}/tutup", data={"version": world.coll.version},
                          follow_redirects=True)
    assert "Bagian Organisasi" in r.get_data(as_text=True)  # no round open: refused
    db.session.refresh(world.coll)
    assert world.coll.status == "open"
    world.login("admin@kota.go.id")
    world.client.post("/pelaporan/", data={"period": CODE, "deadline": "2022-07-31", "numbering": "questionnaire",
                                           "instructions": "Kirim hasil"})
    world.login("m1@kota.go.id")
    r = world.client.post(f"/survei-daring/{world.coll.id}/tutup", data={"version": world.coll.version},
                          follow_redirects=True)
    assert "menunggu pemeriksaan" in r.get_data(as_text=True)
    sub = ResultSubmission.query.one()
    assert sub.unit_id == world.a_id and sub.mode == "responses" and sub.respondents == 1
    assert UnitResult.query.filter_by(unit_id=world.a_id).join(ImportBatch).filter(
        ImportBatch.kind.in_(["survey", "submission"])).count() == 0


def test_roles_and_units(world):
    world.login("m2@kota.go.id")  # manager of another unit
    assert world.client.get(f"/survei-daring/{world.coll.id}").status_code == 404
    assert world.client.post(f"/survei-daring/{world.coll.id}/tutup",
                             data={"version": world.coll.version}).status_code == 404
    before = snapshot()
    r = world.client.post("/survei-daring/", data={"unit_id": str(world.a_id), "period": "2022-S2"})
    assert r.status_code == 404 and snapshot() == before
    world.login("inspektur@kota.go.id")
    assert world.client.get(f"/survei-daring/{world.coll.id}").status_code == 200
    assert world.client.post(f"/survei-daring/{world.coll.id}/tutup",
                             data={"version": world.coll.version}).status_code == 403
    assert world.client.post("/survei-daring/", data={"unit_id": str(world.a_id), "period": "2022-S2"}).status_code == 403
    world.login("m1@kota.go.id")
    assert world.client.get(f"/survei-daring/{world.coll.id}").status_code == 200
    assert world.client.post(f"/survei-daring/{world.coll.id}/buka-lagi",
                             data={"version": world.coll.version}).status_code == 403


def test_poster_qr_and_reasons_exports(world):
    respond(world.public, world.coll, "133333333", alasan_persyaratan="=HYPERLINK(\"http://x\")")
    poster = world.client.get(f"/survei-daring/{world.coll.id}/poster").get_data(as_text=True)
    assert "<svg" in poster and world.coll.token in poster and world.coll.unit.name in poster
    svg = poster[poster.index("<svg"):poster.index("</svg>")]
    assert "viewBox" in svg and "width=" not in svg.split(">", 1)[0]  # scales whole, never cropped
    png = world.client.get(f"/survei-daring/{world.coll.id}/qr.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert world.client.get(f"/survei-daring/{world.coll.id}/qr.svg").data.lstrip().startswith(b"<?xml")
    csv_text = world.client.get(f"/survei-daring/{world.coll.id}/alasan.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "No;Unsur;Jawaban;Nilai;Alasan responden"
    assert "'=HYPERLINK" in csv_text and ';=' not in csv_text and ';"=' not in csv_text
    assert "Tidak sesuai" in csv_text
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(world.client.get(f"/survei-daring/{world.coll.id}/alasan.xlsx").data))
    ws = wb.active
    assert ws.cell(5, 2).value == "Persyaratan" and ws.cell(5, 4).value == 1
    assert ws.cell(5, 5).value.startswith("'=HYPERLINK")  # text, never a formula


def test_duplicate_collection_and_bad_settings_are_refused(world):
    r = world.client.post("/survei-daring/", data={"unit_id": str(world.a_id), "period": CODE})
    assert r.status_code == 400 and "sudah ada" in r.get_data(as_text=True)
    r = world.client.post("/survei-daring/", data={"unit_id": str(world.b_id), "period": "2022-S9"})
    assert r.status_code == 400
    r = world.client.post(f"/survei-daring/{world.coll.id}/pengaturan",
                          data={"version": world.coll.version, "population": "banyak"}, follow_redirects=True)
    assert "bilangan bulat" in r.get_data(as_text=True)
    r = world.client.post(f"/survei-daring/{world.coll.id}/pengaturan",
                          data={"version": world.coll.version, "population": "800",
                                "service_types": "KTP\nKK\nKTP"}, follow_redirects=True)
    db.session.refresh(world.coll)
    assert world.coll.population == 800 and world.coll.service_types == ["KTP", "KK"]
    page = world.public.get(f"/s/{world.coll.token}").get_data(as_text=True)
    assert 'name="service_type" value="KK"' in page


def test_reasons_stand_beside_the_priority_elements_when_the_unit_writes_its_plan(world):
    respond(world.public, world.coll, "444144444", alasan_biaya="Biaya parkir tidak jelas")  # biaya = 1
    other = world.client.application.test_client()
    respond(other, world.coll, "444244444", alasan_biaya="Ada pungutan di luar tarif")
    world.client.post(f"/survei-daring/{world.coll.id}/tutup", data={"version": world.coll.version})
    world.login("m1@kota.go.id")
    page = world.client.get(f"/rtl/{CODE}/unit/{world.a_id}").get_data(as_text=True)
    section = page[page.index('id="alasan-responden"'):]
    assert "Biaya/Tarif · 2 alasan" in section
    assert section.index("Biaya parkir tidak jelas") < section.index("Ada pungutan di luar tarif")  # 1s first
    assert f"/survei-daring/{world.coll.id}/alasan.xlsx" in section


def test_a_cross_site_post_without_the_device_cookie_is_not_counted(world, app):
    """The questionnaire takes no session CSRF token; its form token is bound to the device
    cookie, which a browser does not send with a post from another site (SameSite=Lax)."""
    token = form_of(world.public.get(f"/s/{world.coll.token}").get_data(as_text=True))
    stranger = app.test_client()  # no cookie at all, as a cross-site post arrives
    r = stranger.post(f"/s/{world.coll.token}", data={**token, **answers()})
    assert r.status_code == 400 and SurveyAnswer.query.count() == 0
    r = stranger.post(f"/s/{world.coll.token}", data=answers())  # no form token either
    assert r.status_code == 400 and SurveyAnswer.query.count() == 0
    cookie = world.public.get_cookie("skm_perangkat", path="/s/")
    assert cookie is not None and cookie.same_site == "Lax" and cookie.http_only


def test_a_huge_post_is_refused_before_it_is_parsed(world):
    token = form_of(world.public.get(f"/s/{world.coll.token}").get_data(as_text=True))
    r = world.public.post(f"/s/{world.coll.token}", data={**token, **answers(), "saran": "x" * 200_000})
    assert r.status_code == 413 and SurveyAnswer.query.count() == 0


def test_the_same_answers_from_one_sender_count_again_after_the_duplicate_window(world):
    from datetime import timedelta

    from tracker.domain import questionnaire as Q
    from tracker.models._base import utcnow
    from tracker.survey import service as S
    response, _ = Q.read_form(answers(), world.coll.element_keys)
    now = utcnow()
    assert not S.record_answer(world.coll, response, "n1", "sender", now).duplicate
    assert S.record_answer(world.coll, response, "n2", "sender", now + timedelta(minutes=29)).duplicate
    assert not S.record_answer(world.coll, response, "n3", "sender", now + timedelta(minutes=31)).duplicate
    assert not S.record_answer(world.coll, response, "n4", "another", now).duplicate
    assert S.record_answer(world.coll, response, "n4", "third", now + timedelta(hours=5)).duplicate  # nonce reused
    assert SurveyAnswer.query.count() == 3


def test_with_the_page_cache_the_unit_page_stays_live_while_its_questionnaire_is_open(world, app):
    """The unit page's questionnaire state is kept per data generation (opening or closing is an
    ORM change; answers are not and do not change it): the page of an open questionnaire is
    still rendered on every request, with the answers so far, and any other unit page costs
    the generation counter alone once rendered."""
    from tests.helpers import QueryCounter
    from tracker.web import cache
    app.config["PAGE_CACHE"] = True
    cache.clear()
    live = f"/periode/{CODE}/unit/{world.a_id}"
    world.client.get(live)
    respond(world.public, world.coll)
    assert re.search(r"SKM daring.*1 responden", world.client.get(live).get_data(as_text=True), re.S)
    respond(app.test_client(), world.coll, "444444444")  # another device
    assert re.search(r"SKM daring.*2 responden", world.client.get(live).get_data(as_text=True), re.S)
    # Unit B's page is kept before its questionnaire opens; opening it (a new generation) makes
    # its page live too.
    page_b = f"/periode/{CODE}/unit/{world.b_id}"
    assert "responden" not in world.client.get(page_b).get_data(as_text=True)
    r = world.client.post("/survei-daring/", data={"unit_id": str(world.b_id), "period": CODE,
                                                   "population": "500", "service_types": ""})
    assert r.status_code == 302
    coll_b = SurveyCollection.query.filter_by(unit_id=world.b_id).one()
    respond(app.test_client(), coll_b)
    assert re.search(r"SKM daring.*1 responden", world.client.get(page_b).get_data(as_text=True), re.S)
    respond(app.test_client(), coll_b, "444444444")
    assert re.search(r"SKM daring.*2 responden", world.client.get(page_b).get_data(as_text=True), re.S)
    kept = f"/periode/2021-S1/unit/{world.a_id}"  # no questionnaire for that period
    first = world.client.get(kept).get_data(as_text=True)
    db.session.remove()  # a new request starts with an empty session
    with QueryCounter() as q:
        again = world.client.get(kept).get_data(as_text=True)
    assert again == first and q.count == 1, q.statements
    cache.clear(shared=True)
