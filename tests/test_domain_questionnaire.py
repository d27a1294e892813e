"""The online questionnaire's pure rules: questions, reading a form, adding answers up."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain import questionnaire as Q
from tracker.domain import scoring
from tracker.domain.elements import ELEMENT_SETS, NUMBERINGS

KEYS = list(NUMBERINGS["questionnaire"])


def full_form(**extra):
    form = {f"u_{k}": "3" for k in KEYS}
    form.update(extra)
    return form


def test_questions_follow_the_questionnaire_order_with_the_regulations_words():
    qs = Q.questions(KEYS)
    assert [q.number for q in qs] == list(range(1, 10))
    assert qs[7].key == "sarpras" and qs[8].key == "pengaduan"  # U8 / U9 of the questionnaire
    assert qs[3].answers == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert qs[8].answers[3] == "Dikelola dengan baik"
    assert all(len(q.answers) == 4 for q in Q.questions(ELEMENT_SETS["2014"]))


def test_a_complete_form_is_read():
    form = full_form(u_waktu="1", alasan_waktu="  antre  lama ", u_biaya="2", alasan_biaya="",
                     alasan_persyaratan="ignored: answered 3", age="30-39 tahun", sex="Perempuan",
                     education="D4/S1", occupation="Wirausaha", saran="Tambah kursi")
    response, errors = Q.read_form(form, KEYS)
    assert not errors
    assert response.answers["waktu"] == 1 and response.answers["biaya"] == 2
    assert response.reasons == {"waktu": "antre lama"}  # only low answers keep a reason
    assert (response.age, response.sex, response.education, response.occupation) == \
        ("30-39 tahun", "Perempuan", "D4/S1", "Wirausaha")
    assert response.encoded(KEYS) == "331233333"[:2] + "1" + "2" + "33333"


def test_missing_or_bad_answers_name_the_question():
    form = full_form(u_waktu="", u_sarpras="5", sex="X", saran="x" * 3000)
    response, errors = Q.read_form(form, KEYS)
    assert response is None
    assert errors.by_field["u_waktu"] == "Pertanyaan 3 (Waktu Penyelesaian) belum dijawab."
    assert "Pertanyaan 8 (Sarana dan Prasarana)" in errors.by_field["u_sarpras"]
    assert "jenis kelamin" in errors.by_field["sex"] and "2000" in errors.by_field["saran"]


def test_service_type_is_required_only_when_the_unit_has_several():
    _, errors = Q.read_form(full_form(), KEYS, ["KTP", "KK"])
    assert "service_type" in errors.by_field
    _, errors = Q.read_form(full_form(service_type="Paspor"), KEYS, ["KTP", "KK"])
    assert errors.by_field["service_type"] == "Jenis layanan tidak dikenal."
    response, _ = Q.read_form(full_form(), KEYS, ["KTP"])
    assert response.service_type == "KTP"
    response, _ = Q.read_form(full_form(service_type="KK"), KEYS, ["KTP", "KK"])
    assert response.service_type == "KK"


answers = st.lists(st.lists(st.integers(1, 4), min_size=9, max_size=9), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(answers)
def test_tally_equals_the_scoring_of_the_same_respondents(rows):
    strings = [Q.encode(dict(zip(KEYS, r)), KEYS) for r in rows]
    t = Q.tally(strings, KEYS)
    expected = scoring.result_from_responses("U", [dict(zip(KEYS, r)) for r in rows], KEYS)
    got = t.result("U")
    assert got.respondents == len(rows) == t.respondents
    assert got.nrrs == expected.nrrs and got.ikm == expected.ikm
    assert got.priorities() == expected.priorities()
    assert [sum(t.answer_counts[k]) for k in KEYS] == [len(rows)] * 9


def test_no_result_until_every_element_has_an_answer():
    assert Q.tally([], KEYS).result("U") is None
    assert Q.tally(["333333330"], KEYS).result("U") is None
    assert Q.tally(["333333334"], KEYS).result("U").respondents == 1


def test_krejcie_morgan_target():
    t = Q.target(100, 1000)
    assert t.minimum == scoring.krejcie_morgan(1000) == 278
    assert round(t.percent, 2) == 35.97 and not t.reached
    assert Q.target(300, 1000).reached and Q.target(300, 1000).percent == 100.0
    assert Q.target(5, None).minimum is None and Q.target(5, None).percent is None


def test_reasons_only_with_low_answers_lowest_first():
    rows = [("233333333", {"persyaratan": "syarat berubah-ubah"}),
            ("133333333", {"persyaratan": "tidak ada papan informasi"}),
            ("333333333", {"persyaratan": "answered 3: not a reason"}),
            ("333333333", None)]
    out = Q.reasons_by_element(rows, KEYS)
    assert [(r.answer, r.word, r.text) for r in out["persyaratan"]] == [
        (1, "Tidak sesuai", "tidak ada papan informasi"), (2, "Kurang sesuai", "syarat berubah-ubah")]
    assert out["waktu"] == []


def test_fingerprint_changes_with_content_and_sender():
    r1, _ = Q.read_form(full_form(), KEYS)
    r2, _ = Q.read_form(full_form(u_waktu="4"), KEYS)
    assert Q.fingerprint(1, "dev", r1, KEYS) == Q.fingerprint(1, "dev", r1, KEYS)
    assert Q.fingerprint(1, "dev", r1, KEYS) != Q.fingerprint(1, "dev", r2, KEYS)
    assert Q.fingerprint(1, "dev", r1, KEYS) != Q.fingerprint(1, "other", r1, KEYS)
    assert Q.fingerprint(1, "dev", r1, KEYS) != Q.fingerprint(2, "dev", r1, KEYS)


def test_respondent_rows_follow_the_numbering():
    header, rows = Q.respondent_rows([("123412341", {"age": "20-29 tahun", "sex": "Laki-laki"})], KEYS,
                                     "regulation", "Kantor A")
    assert header[:10] == ["unit"] + [f"u{i}" for i in range(1, 10)]
    # questionnaire order has sarpras (4) at position 8 and pengaduan (1) at 9; regulation swaps them
    assert rows[0][:10] == ["Kantor A", "1", "2", "3", "4", "1", "2", "3", "1", "4"]
    assert rows[0][10:12] == ["20-29 tahun", "Laki-laki"]
