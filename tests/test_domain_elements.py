"""Elements (unsur), their two U-numberings and the free names units write
(tracker.domain.elements)."""
import csv
from pathlib import Path

import pytest

from tracker.domain import elements as el
from tracker.domain.elements import (CURRENT_KEYS, ELEMENTS, NUMBERINGS, UnknownNumbering,
                                     key_for_u, label, needs_numbering, numbering_keys,
                                     parse_element, swapped, u_code)

DATA = Path(__file__).resolve().parent.parent / "sample_data"
BOTH = ("questionnaire", "regulation")


def test_current_keys_are_the_nine_elements_of_permenpan_14_2017():
    assert CURRENT_KEYS == ("persyaratan", "prosedur", "waktu", "biaya", "produk",
                            "kompetensi", "perilaku", "pengaduan", "sarpras")
    assert set(CURRENT_KEYS) <= set(ELEMENTS)
    assert "maklumat" in ELEMENTS and "maklumat" not in CURRENT_KEYS


def test_numberings_differ_only_at_u8_u9():
    q, r = NUMBERINGS["questionnaire"], NUMBERINGS["regulation"]
    assert q[:7] == r[:7] == CURRENT_KEYS[:7]
    assert (q[7], q[8]) == ("sarpras", "pengaduan")
    assert (r[7], r[8]) == ("pengaduan", "sarpras")
    assert sorted(q) == sorted(r) == sorted(CURRENT_KEYS)


def test_unknown_numbering_raises_value_error():
    with pytest.raises(UnknownNumbering):
        numbering_keys("pontianak")
    assert issubclass(UnknownNumbering, ValueError)
    with pytest.raises(UnknownNumbering):
        u_code("waktu", "bogus")


@pytest.mark.parametrize("numbering", BOTH)
@pytest.mark.parametrize("key", CURRENT_KEYS)
def test_u_code_and_key_for_u_round_trip(key, numbering):
    code = u_code(key, numbering)
    assert code.startswith("U")
    assert key_for_u(int(code[1:]), numbering) == key


@pytest.mark.parametrize("numbering", BOTH)
@pytest.mark.parametrize("position", range(1, 10))
def test_key_for_u_then_u_code_round_trip(position, numbering):
    assert u_code(key_for_u(position, numbering), numbering) == f"U{position}"


def test_u8_u9_depend_on_numbering():
    assert u_code("sarpras", "questionnaire") == "U8"
    assert u_code("pengaduan", "questionnaire") == "U9"
    assert u_code("pengaduan", "regulation") == "U8"
    assert u_code("sarpras", "regulation") == "U9"
    assert u_code("waktu", "questionnaire") == u_code("waktu", "regulation") == "U3"


@pytest.mark.parametrize("position", [0, 10, -1])
def test_key_for_u_out_of_range(position):
    with pytest.raises(KeyError):
        key_for_u(position, "questionnaire")


def test_swapped():
    assert swapped("sarpras") == "pengaduan"
    assert swapped("pengaduan") == "sarpras"
    for key in CURRENT_KEYS[:7]:
        assert swapped(key) == key


def test_label():
    assert label("waktu") == "Waktu Penyelesaian"
    assert label("sarpras", "questionnaire") == "U8 (Sarana dan Prasarana)"
    assert label("sarpras", "regulation") == "U9 (Sarana dan Prasarana)"


# --- parse_element --------------------------------------------------------------------------

@pytest.mark.parametrize("numbering", BOTH + (None,))
@pytest.mark.parametrize("key", list(ELEMENTS))
def test_parse_element_accepts_keys_and_official_names(key, numbering):
    assert parse_element(key, numbering) == key
    assert parse_element(key.upper(), numbering) == key
    assert parse_element(ELEMENTS[key].name, numbering) == key


@pytest.mark.parametrize("position", range(1, 10))
def test_bare_u_code_reads_with_numbering(position):
    for numbering in BOTH:
        assert parse_element(f"U{position}", numbering) == key_for_u(position, numbering)
        assert parse_element(f"u {position}", numbering) == key_for_u(position, numbering)
    assert parse_element(f"U{position}", None) is None
    assert needs_numbering(f"U{position}")


def test_bare_u8_u9():
    assert parse_element("U8", "questionnaire") == "sarpras"
    assert parse_element("U8", "regulation") == "pengaduan"
    assert parse_element("U9", "questionnaire") == "pengaduan"
    assert parse_element("U9", "regulation") == "sarpras"


@pytest.mark.parametrize("numbering", BOTH + (None,))
def test_named_u_code_is_decided_by_the_name(numbering):
    assert parse_element("U8 (Sarana Prasarana)", numbering) == "sarpras"
    assert parse_element("U8 (Penanganan Pengaduan)", numbering) == "pengaduan"
    assert parse_element("U9 (Penanganan pengaduan, saran dan masukan)", numbering) == "pengaduan"
    assert parse_element("U9 (Sarana dan Prasarana)", numbering) == "sarpras"
    assert not needs_numbering("U8 (Sarana Prasarana)")


@pytest.mark.parametrize("text, key", [
    ("Penanganan Pengaduan, Sarana dan Masukan", "pengaduan"),   # "Sarana" typo for "Saran"
    ("Penanganan Pengaduan, Saran dan Masukan", "pengaduan"),
    ("Saran dan Masukan", "pengaduan"),
    ("Sarana dan Masukan", "pengaduan"),
    ("Keluhan pelanggan", "pengaduan"),
    ("Perilaku Petugas", "perilaku"),
    ("tarif/ biaya", "biaya"),
    ("Waktu Penyelesaian", "waktu"),
    ("Maklumat Pelayanan", "maklumat"),
    ("Sarana – prasarana", "sarpras"),
    ("Fasilitas ruang tunggu", "sarpras"),
    ("Sikap petugas", "perilaku"),
    ("Kemampuan petugas", "kompetensi"),
    ("Alur pelayanan", "prosedur"),
])
def test_parse_element_free_names(text, key):
    assert parse_element(text, None) == key
    assert parse_element(text, "questionnaire") == key
    assert parse_element(text, "regulation") == key


@pytest.mark.parametrize("text", [None, "", "   ", "U10", "U0", "lain-lain", "Pelayanan", "Saran"])
def test_parse_element_unrecognised_is_none(text):
    assert parse_element(text, "questionnaire") is None


def test_needs_numbering_only_for_bare_codes():
    assert needs_numbering(" u8 ")
    assert not needs_numbering("waktu")
    assert not needs_numbering(None)
    assert not needs_numbering("U10")


# Every distinct element text the Surakarta units wrote in their RTL tables, mapped by hand.
RTL_EXPECTED = {
    "Biaya Pelayanan": "biaya",
    "Biaya/Tarif": "biaya",
    "Jangka Waktu Pelayanan": "waktu",
    "Kecepatan Waktu Pemberian Pelayanan": "waktu",
    "Kemudahan Prosedur Pelaksanaan": "prosedur",
    "Kemudahan Prosedur Pelayanan": "prosedur",
    "Kesesuaian Persyaratan": "persyaratan",
    "Kesesuaian Persyaratan Pelayanan": "persyaratan",
    "Kesesuaian Produk Layanan": "produk",
    "Kesesuaian Produk Pelayanan": "produk",
    "Kesesuaian produk, Spesifikasi Jenis Pelayanan": "produk",
    "Ketersediaan Sarana dan Prasarana": "sarpras",
    "Kompetensi Kemampuan Petugas": "kompetensi",
    "Kompetensi Pegawai": "kompetensi",
    "Kompetensi Pelaksana": "kompetensi",
    "Kompetensi Petugas": "kompetensi",
    "Kompetensi SDM": "kompetensi",
    "Kualitas Sarana Prasarana": "sarpras",
    "Kualitas Sarana dan Prasarana": "sarpras",
    "Penanganan Pengaduan, Sarana dan Masukan": "pengaduan",
    "Pengaduan": "pengaduan",
    "Pengaduan Pelayanan": "pengaduan",
    "Perilaku Pelaksana": "perilaku",
    "Perilaku Petugas": "perilaku",
    "Perilaku Petugas Pelayanan": "perilaku",
    "Perilaku petugas": "perilaku",
    "Persyaratan": "persyaratan",
    "Persyaratan Pelayanan": "persyaratan",
    "Produk": "produk",
    "Produk Pelayanan": "produk",
    "Produk Spesifikasi": "produk",
    "Produk Spesifikasi Jenis Pelayanan": "produk",
    "Produk Spesifikasi jenis layanan": "produk",
    "Prosedur Pelayanan": "prosedur",
    "Sarana Prasarana": "sarpras",
    "Sarana dan PRasarana": "sarpras",
    "Sarana dan Paasarana": "sarpras",
    "Sarana dan Prasarana": "sarpras",
    "Sarana dan Prasarana Pelayanan": "sarpras",
    "Sarana – prasarana": "sarpras",
    "Sistem Mekanisme Prosedur": "prosedur",
    "Sistem, Mekanisme, dan Prosedur": "prosedur",
    "Spesifikasi Produk": "produk",
    "Syarat Pelayanan": "persyaratan",
    "Tarif/ Biaya": "biaya",
    "U1 (Persyaratan)": "persyaratan",
    "U2 (Sistem, mekanisme dan prosedur)": "prosedur",
    "U3 (Waktu penyelesaian)": "waktu",
    "U4 (Biaya/Tarif)": "biaya",
    "U5 (Produk Spesifikasi Jenis Pelayanan)": "produk",
    "U6 (Kompetensi Pelaksana)": "kompetensi",
    "U7 (Perilaku Pelaksana)": "perilaku",
    "U8 (Sarana Prasarana)": "sarpras",
    "U9 (Penanganan pengaduan, saran dan masukan)": "pengaduan",
    "Waktu Pelayanan": "waktu",
    "Waktu Penyelesaian": "waktu",
    "tarif/ biaya": "biaya",
}


def _rtl_texts():
    with open(DATA / "surakarta-2021-rtl.csv", newline="", encoding="utf-8") as fh:
        return sorted({row["element"] for row in csv.DictReader(fh)})


def test_expected_mapping_covers_every_rtl_text():
    texts = _rtl_texts()
    assert len(texts) == 57
    assert set(texts) == set(RTL_EXPECTED)


@pytest.mark.parametrize("numbering", BOTH + (None,))
def test_every_rtl_text_is_recognised_as_the_right_element(numbering):
    got = {text: parse_element(text, numbering) for text in _rtl_texts()}
    wrong = {t: (k, RTL_EXPECTED[t]) for t, k in got.items() if k != RTL_EXPECTED[t]}
    assert wrong == {}


def test_rtl_texts_never_need_a_numbering():
    assert not any(needs_numbering(t) for t in _rtl_texts())


def test_module_exports_are_stable():
    for name in ("parse_element", "u_code", "key_for_u", "numbering_keys", "swapped", "label",
                 "needs_numbering", "NUMBERING_LABELS"):
        assert hasattr(el, name)


# --- typos and abbreviations (fuzzy matching) ------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from tracker.domain.elements import (FUZZY_THRESHOLD, suggest_elements,  # noqa: E402
                                     unrecognised_message)


@pytest.mark.parametrize("text, key", [
    ("Kualitas Sarpras", "sarpras"),
    ("Prilaku Pelaksana", "perilaku"),
    ("Prsedur Pelayanan", "prosedur"),
    ("Kecepatan Waktu", "waktu"),
    ("tarif/ biaya", "biaya"),
    ("Penanganan Pengaduan, Sarana dan Masukan", "pengaduan"),
    ("U8 (Sarana Prasarana)", "sarpras"),
    ("Perilaku Petugas", "perilaku"),
    ("SARPRAS", "sarpras"),
    ("U9 (Sarpras)", "sarpras"),          # the name decides, whatever the numbering
    ("Kompetnsi Petugas", "kompetensi"),
    ("Persyaratn Pelayanan", "persyaratan"),
    ("Wkatu Pelayanan", "waktu"),         # two neighbouring letters swapped in a short word
    ("Ketersediaan Fasilitas", "sarpras"),
    ("Penanganan Komplain", "pengaduan"),
    ("SOP Pelayanan", "prosedur"),
])
def test_parse_element_typos_and_abbreviations(text, key):
    for numbering in BOTH + (None,):
        assert parse_element(text, numbering) == key


@pytest.mark.parametrize("text", [
    "Pelayanan", "Kualitas", "Petugas", "Kualitas Pelayanan", "Kualitas Petugas Pelayanan",
    "Kesesuaian", "Ketepatan", "Ruang tunggu", "Keindahan taman", "Sarna",
])
def test_common_words_do_not_decide(text):
    for numbering in BOTH + (None,):
        assert parse_element(text, numbering) is None


def test_two_elements_are_not_guessed():
    assert parse_element("Prilaku dan Kompetnsi", None) is None
    assert parse_element("Sarpras / Prsedur", "questionnaire") is None
    msg = unrecognised_message("Prilaku dan Kompetnsi")
    assert "lebih dari satu unsur" in msg and "Perilaku Pelaksana" in msg and "Kompetensi Pelaksana" in msg


def test_suggestions_and_message():
    assert suggest_elements("Kwalitas Pelyanan")[0] == "sarpras"
    assert suggest_elements("Prodak")[0] == "produk"
    assert suggest_elements("Prilaku Pelaksana") == ["perilaku"]
    assert len(suggest_elements("Persyaratn Pelayanan", limit=2)) <= 2
    assert suggest_elements("Pelayanan") == [] and suggest_elements("") == [] and suggest_elements(None) == []
    assert suggest_elements("Prodak", limit=0) == []
    msg = unrecognised_message("Kwalitas Pelyanan")
    assert msg.startswith("Unsur 'Kwalitas Pelyanan' tidak dikenali; maksud Anda: ")
    assert '"Sarana dan Prasarana"' in msg and msg.endswith("?")
    assert '"U8 (Sarana dan Prasarana)"' in unrecognised_message("Kwalitas Pelyanan", "questionnaire")
    assert unrecognised_message("Keindahan taman") == "Unsur 'Keindahan taman' tidak dikenali."


def test_threshold_is_a_similarity_percentage():
    assert 0.8 <= FUZZY_THRESHOLD < 1


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


# Every way the catalogue writes an element, where the name is longer than six letters.
NAMES = sorted({(text, key) for key, e in ELEMENTS.items() for text in (e.name, e.short, key)
                if _letters(text) > 6})


@st.composite
def typo(draw):
    text, key = draw(st.sampled_from(NAMES))
    kind = draw(st.sampled_from(("delete", "substitute", "transpose")))
    i = draw(st.integers(0, len(text) - (2 if kind == "transpose" else 1)))
    if kind == "delete":
        out = text[:i] + text[i + 1:]
    elif kind == "substitute":
        letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
        out = text[:i] + letter + text[i + 1:]
    else:
        out = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return out, key


@settings(max_examples=600, deadline=None)
@given(typo(), st.sampled_from(BOTH + (None,)))
def test_one_typo_in_a_long_name_is_still_recognised(case, numbering):
    text, key = case
    assert parse_element(text, numbering) == key, text


def test_every_single_typo_in_the_long_names_is_recognised():
    """The property above, checked exhaustively (lowercase substitutes)."""
    wrong = []
    for text, key in NAMES:
        variants = set()
        for i in range(len(text)):
            variants.add(text[:i] + text[i + 1:])
            variants.update(text[:i] + c + text[i + 1:] for c in "abcdefghijklmnopqrstuvwxyz")
            if i + 1 < len(text):
                variants.add(text[:i] + text[i + 1] + text[i] + text[i + 2:])
        wrong += [(v, key) for v in variants if parse_element(v, None) != key]
    assert wrong == []


UNRELATED = ("Pelayanan", "Kualitas", "Petugas", "Pelaksana", "Kesesuaian", "Kemudahan", "Jenis",
             "Ketersediaan", "Kantor", "Ruang", "Tunggu", "Informasi", "Lainnya", "Umum", "Kinerja",
             "Standar", "Pegawai", "Ketepatan", "Kepastian", "Layanan", "Kebersihan", "Lokasi",
             "Keramaian", "Kompetisi", "Biasa", "Proses", "Syariat")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(UNRELATED), min_size=1, max_size=4),
       st.sampled_from(BOTH + (None,)))
def test_unrelated_words_are_not_recognised(words, numbering):
    assert parse_element(" ".join(words), numbering) is None


@st.composite
def respelled(draw, text):
    """``text`` in random letter case with extra spaces around and between its words."""
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)
    words = cased.split(" ")
    pad = st.text(alphabet=" \t", min_size=0, max_size=3)
    return draw(pad) + "".join(w + " " + draw(pad) for w in words[:-1]) + words[-1] + draw(pad)


SPELLINGS = sorted(RTL_EXPECTED) + ["Kualitas Sarpras", "Prilaku Pelaksana", "Prsedur Pelayanan",
                                    "Kwalitas Pelyanan", "Pelayanan", "Prilaku dan Kompetnsi"]


@settings(max_examples=300, deadline=None)
@given(st.data(), st.sampled_from(SPELLINGS), st.sampled_from(BOTH + (None,)))
def test_decision_ignores_case_and_extra_spaces(data, text, numbering):
    variant = data.draw(respelled(text))
    assert parse_element(variant, numbering) == parse_element(text, numbering)
    assert suggest_elements(variant) == suggest_elements(text)


def test_rtl_import_error_names_the_likely_elements():
    """The RTL importer (tracker.followup.rtl_import.parse_rows) uses the message above."""
    from tracker.followup.rtl_import import parse_rows
    from tracker.imports.readers import read_table
    frame = read_table(b"unit,element,action,quarters,owner\n"
                       b"Unit A,Kwalitas Pelyanan,Aksi,,\n"
                       b"Unit A,Prilaku Pelaksana,Aksi,,\n", "rtl.csv")
    rows, problems = parse_rows(frame, "questionnaire")
    assert [r.element for r in rows] == ["perilaku"]
    [problem] = problems.items
    assert (problem.row, problem.column) == (2, "element")
    assert problem.message == unrecognised_message("Kwalitas Pelyanan", "questionnaire")
    assert "maksud Anda" in problem.message and "U8 (Sarana dan Prasarana)" in problem.message
