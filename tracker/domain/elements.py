"""The survey elements (unsur) and their U-numberings.

Scores are stored and compared by element key, never by position. A U-number is only
meaningful together with a numbering: the questionnaire numbering puts Sarana dan Prasarana
at U8 and Penanganan Pengaduan at U9, the regulation numbering the other way round.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA


@dataclass(frozen=True)
class Element:
    key: str
    name: str
    short: str


ELEMENTS: dict[str, Element] = {
    e.key: e
    for e in (
        Element("persyaratan", "Persyaratan", "Persyaratan"),
        Element("prosedur", "Sistem, Mekanisme, dan Prosedur", "Prosedur"),
        Element("waktu", "Waktu Penyelesaian", "Waktu"),
        Element("biaya", "Biaya/Tarif", "Biaya"),
        Element("produk", "Produk Spesifikasi Jenis Pelayanan", "Produk"),
        Element("kompetensi", "Kompetensi Pelaksana", "Kompetensi"),
        Element("perilaku", "Perilaku Pelaksana", "Perilaku"),
        Element("pengaduan", "Penanganan Pengaduan, Saran dan Masukan", "Pengaduan"),
        Element("sarpras", "Sarana dan Prasarana", "Sarpras"),
        # Permenpan 16/2014 element; only historical files carry it.
        Element("maklumat", "Maklumat Pelayanan", "Maklumat"),
    )
}

# Canonical order of the current (Permenpan 14/2017) element set. It is also the
# deterministic tie-break order for priority elements.
CURRENT_KEYS: tuple[str, ...] = (
    "persyaratan", "prosedur", "waktu", "biaya", "produk",
    "kompetensi", "perilaku", "pengaduan", "sarpras",
)

# Element sets as data: the set in force (Permenpan 14/2017) and the one before it (Permenpan
# 16/2014, with Maklumat Pelayanan where 2017 has Sarana dan Prasarana). A period keeps the
# keys of its set (Period.element_keys); IKM weights are 1/N of whatever the set holds.
ELEMENT_SETS: dict[str, tuple[str, ...]] = {
    "2017": CURRENT_KEYS,
    "2014": ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
             "maklumat", "pengaduan"),
}
ELEMENT_SET_LABELS = {"2017": "Permenpan RB 14/2017 (9 unsur, dengan Sarana dan Prasarana)",
                      "2014": "Permenpan RB 16/2014 (9 unsur, dengan Maklumat Pelayanan)"}

NUMBERINGS: dict[str, tuple[str, ...]] = {
    # U1..U9 in the order of the regulation's sample questionnaire (Surakarta, Pekalongan).
    "questionnaire": ("persyaratan", "prosedur", "waktu", "biaya", "produk",
                      "kompetensi", "perilaku", "sarpras", "pengaduan"),
    # U1..U9 in the order of the regulation's element list (Pontianak).
    "regulation": ("persyaratan", "prosedur", "waktu", "biaya", "produk",
                   "kompetensi", "perilaku", "pengaduan", "sarpras"),
    # U1..U9 of the 2014 set, in its regulation's order (U8 Maklumat, U9 Pengaduan).
    "permenpan2014": ELEMENT_SETS["2014"],
}

NUMBERING_LABELS = {
    "questionnaire": "Kuesioner (U8 = Sarana dan Prasarana, U9 = Penanganan Pengaduan)",
    "regulation": "Peraturan (U8 = Penanganan Pengaduan, U9 = Sarana dan Prasarana)",
    "permenpan2014": "Permenpan 16/2014 (U8 = Maklumat Pelayanan, U9 = Penanganan Pengaduan)",
}


def element_set_of(keys) -> str | None:
    """The name of the element set holding exactly ``keys`` (any order), or None."""
    wanted = set(keys)
    return next((name for name, members in ELEMENT_SETS.items() if set(members) == wanted), None)


def set_of_numbering(numbering: str) -> str:
    return element_set_of(numbering_keys(numbering)) or "2017"


class UnknownNumbering(ValueError):
    pass


def numbering_keys(numbering: str) -> tuple[str, ...]:
    """Element keys in U1..Un order for a numbering name."""
    try:
        return NUMBERINGS[numbering]
    except KeyError:
        raise UnknownNumbering(
            f"Penomoran '{numbering}' tidak dikenal; gunakan 'questionnaire' atau 'regulation'."
        ) from None


def u_code(key: str, numbering: str) -> str:
    """'U3' for an element key under a numbering."""
    return f"U{numbering_keys(numbering).index(key) + 1}"


def key_for_u(position: int, numbering: str) -> str:
    keys = numbering_keys(numbering)
    if not 1 <= position <= len(keys):
        raise KeyError(position)
    return keys[position - 1]


def swapped(key: str) -> str:
    """The element a U8/U9 confusion would report instead of ``key``."""
    return {"pengaduan": "sarpras", "sarpras": "pengaduan"}.get(key, key)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


# Word stems that identify an element in the free forms real annexes use. Checked in this
# order; the first match wins, so more specific stems come first.
_STEMS: tuple[tuple[str, str], ...] = (
    ("pengaduan", "pengaduan"), ("aduan", "pengaduan"), ("keluhan", "pengaduan"),
    ("saran dan masukan", "pengaduan"), ("sarana dan masukan", "pengaduan"),
    ("sarana", "sarpras"), ("prasarana", "sarpras"), ("prasana", "sarpras"),
    ("paasarana", "sarpras"), ("fasilitas", "sarpras"),
    ("maklumat", "maklumat"),
    ("persyaratan", "persyaratan"), ("syarat", "persyaratan"),
    ("prosedur", "prosedur"), ("mekanisme", "prosedur"), ("alur", "prosedur"),
    ("waktu", "waktu"), ("kecepatan", "waktu"),
    ("biaya", "biaya"), ("tarif", "biaya"),
    ("produk", "produk"), ("spesifikasi", "produk"),
    ("kompetensi", "kompetensi"), ("kemampuan", "kompetensi"), ("sdm", "kompetensi"),
    ("perilaku", "perilaku"), ("sikap", "perilaku"), ("keramahan", "perilaku"),
)


# --- Typos and abbreviations ----------------------------------------------------------------
# When no stem above matches, each word of the text is compared with this vocabulary of
# distinctive words and abbreviations (never with whole names, so the common words of the
# names cannot decide). A word recognised for exactly one element decides; words recognised
# for two elements leave the text unrecognised rather than guessed.
_VOCABULARY: dict[str, str] = {
    "persyaratan": "persyaratan", "syarat": "persyaratan",
    "prosedur": "prosedur", "mekanisme": "prosedur", "alur": "prosedur",
    "sop": "prosedur",  # Standar Operasional Prosedur: the written procedure
    "waktu": "waktu", "penyelesaian": "waktu", "kecepatan": "waktu",
    "biaya": "biaya", "tarif": "biaya", "retribusi": "biaya",
    "produk": "produk", "spesifikasi": "produk",
    "kompetensi": "kompetensi", "kemampuan": "kompetensi", "keterampilan": "kompetensi",
    "sdm": "kompetensi",
    "perilaku": "perilaku", "sikap": "perilaku", "keramahan": "perilaku", "kesopanan": "perilaku",
    "pengaduan": "pengaduan", "aduan": "pengaduan", "keluhan": "pengaduan", "komplain": "pengaduan",
    "sarpras": "sarpras", "prasarana": "sarpras", "fasilitas": "sarpras",
    "maklumat": "maklumat",
}

# Words that never decide: words that occur with many elements (or with none), and real words
# one letter away from a vocabulary word ("Ketepatan" is not "Kecepatan", "Keramaian" is not
# "Keramahan"). "Pengadaan" and "Pengajuan" are left out on purpose: in an element column
# they are one-letter typos of "Pengaduan", which is what they are read as.
_GENERIC = frozenset("""
    pelayanan layanan pelaksana pelaksanaan petugas pegawai kualitas kesesuaian kemudahan
    ketersediaan kepastian ketepatan jenis dan sistem penanganan saran masukan unsur
    jangka kesigapan kinerja standar
    keramaian syariat
""".split())

# Similarity (1 - edits / length of the longer word, where an edit is a deleted, inserted,
# substituted or swapped letter) a word needs to count as a vocabulary word with a typo:
# one edit in a word of six letters or more. A word of five letters or fewer is only
# recognised exactly or with two neighbouring letters swapped ("Wkatu").
FUZZY_THRESHOLD = 0.83
_FUZZY_MIN_LENGTH = 6

_WORDS = tuple(_VOCABULARY)


def _word_key(word: str) -> str | None:
    """The element a single (normalised) word names, allowing for one typo; None when the
    word is common, unknown, or equally close to words of two elements."""
    if word in _GENERIC or not word.isalpha():
        return None
    if word in _VOCABULARY:
        return _VOCABULARY[word]
    if len(word) < _FUZZY_MIN_LENGTH:
        keys = {key for w, key in _VOCABULARY.items()
                if len(w) == len(word) and sorted(w) == sorted(word) and OSA.distance(w, word) == 1}
        return keys.pop() if len(keys) == 1 else None
    best: dict[str, float] = {}
    for w, score, _i in process.extract(word, _WORDS, scorer=OSA.normalized_similarity,
                                        score_cutoff=FUZZY_THRESHOLD, limit=None):
        key = _VOCABULARY[w]
        best[key] = max(best.get(key, 0.0), score)
    ranked = sorted(best.values(), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(best, key=best.get)


def _fuzzy_keys(norm: str) -> list[str]:
    """Element keys named by the words of ``norm``, in the order they appear."""
    found: list[str] = []
    for word in norm.split():
        key = _word_key(word)
        if key is not None and key not in found:
            found.append(key)
    return found


# How annexes commonly write each element; only used to rank suggestions for a text that was
# not recognised.
_PHRASES: dict[str, tuple[str, ...]] = {
    "persyaratan": ("Persyaratan Pelayanan", "Kesesuaian Persyaratan", "Syarat Pelayanan"),
    "prosedur": ("Prosedur Pelayanan", "Kemudahan Prosedur", "Alur Pelayanan", "SOP Pelayanan"),
    "waktu": ("Waktu Pelayanan", "Kecepatan Waktu Pelayanan", "Jangka Waktu Pelayanan"),
    "biaya": ("Biaya Pelayanan", "Tarif Pelayanan"),
    "produk": ("Produk Pelayanan", "Kesesuaian Produk Layanan", "Spesifikasi Produk"),
    "kompetensi": ("Kompetensi Petugas", "Kemampuan Petugas", "Kompetensi SDM"),
    "perilaku": ("Perilaku Petugas", "Sikap Petugas", "Keramahan Petugas"),
    "pengaduan": ("Pengaduan Pelayanan", "Penanganan Keluhan"),
    "sarpras": ("Sarpras", "Kualitas Sarana Prasarana", "Fasilitas Pelayanan"),
    "maklumat": (),
}

# Suggestions below this score (0-100) are not offered.
SUGGESTION_CUTOFF = 70.0


def _phrase_words(key: str) -> frozenset[str]:
    el = ELEMENTS[key]
    text = " ".join((el.name, el.short) + _PHRASES.get(key, ()))
    return frozenset(_norm(text).split()) - {"dan"}


_ELEMENT_WORDS = {key: _phrase_words(key) for key in ELEMENTS}
_ELEMENT_VOCABULARY = {key: tuple(w for w, k in _VOCABULARY.items() if k == key) for key in ELEMENTS}


def _suggestion_scores(norm: str) -> dict[str, float]:
    """A 0-100 resemblance of ``norm`` to each element: the best distinctive word (with typos),
    or, a little lower, how well all its words resemble the ways the element is written."""
    words = [w for w in norm.split() if w.isalpha() and w != "dan"]
    if not words or all(w in _GENERIC for w in words):
        return {}  # only common words: the text names no element
    scores: dict[str, float] = {}
    for key in ELEMENTS:
        own = _ELEMENT_VOCABULARY[key]
        distinct = max((process.extractOne(w, own, scorer=fuzz.ratio)[1]
                        for w in words if w not in _GENERIC and own), default=0.0)
        phrase = sum(process.extractOne(w, _ELEMENT_WORDS[key], scorer=fuzz.ratio)[1]
                     for w in words) / len(words)
        scores[key] = max(distinct, 0.9 * phrase)
    return scores


def suggest_elements(text: str, limit: int = 3) -> list[str]:
    """Best-guess element keys for ``text``, most likely first (for error messages).

    A recognised text suggests its own element first; elements of the historical set
    (Maklumat Pelayanan) are only suggested when the text is close to them.
    """
    if text is None or limit <= 0:
        return []
    norm = _norm(str(text))
    if not norm:
        return []
    order = {k: i for i, k in enumerate(ELEMENTS)}
    first = parse_element(text, None)
    named = _fuzzy_keys(norm) if first is None else [first]
    scores = _suggestion_scores(norm)
    ranked = sorted((k for k, s in scores.items() if s >= SUGGESTION_CUTOFF and k not in named),
                    key=lambda k: (-scores[k], order[k]))
    return (named + ranked)[:limit]


def unrecognised_message(text: str, numbering: str | None = None) -> str:
    """The Bahasa Indonesia error for an element text ``parse_element`` did not recognise,
    with the likely elements: "Unsur 'Kwalitas Pelyanan' tidak dikenali; maksud Anda: ...?"."""
    norm = _norm(str(text or ""))
    named = _fuzzy_keys(norm)
    if len(named) > 1:
        names = ", ".join(f'"{label(k, numbering)}"' for k in named)
        return (f"Unsur '{text}' tidak dikenali: teks ini menyebut lebih dari satu unsur ({names}); "
                "tulis satu unsur per baris.")
    guesses = suggest_elements(text)
    if not guesses:
        return f"Unsur '{text}' tidak dikenali."
    names = [f'"{label(k, numbering)}"' for k in guesses]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} atau {names[-1]}"
    return f"Unsur '{text}' tidak dikenali; maksud Anda: {listed}?"


def parse_element(text: str, numbering: str | None) -> str | None:
    """Recognise an element written as a report writes it.

    Accepts an element key, ``U1``..``U9`` (read with ``numbering``), ``U8 (Sarana Prasarana)``
    and the free names units use, with typos and abbreviations ("Prilaku Pelaksana",
    "Kualitas Sarpras"): words no stem recognises are compared one by one with a vocabulary of
    distinctive words (``_VOCABULARY``, similarity at least ``FUZZY_THRESHOLD``); common words
    such as "Pelayanan" or "Petugas" never decide, and a text whose words name two elements is
    not guessed. When a U-code comes with a name in brackets the name decides, because the name
    is what the unit meant. Returns None when nothing matches.
    """
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    norm = _norm(raw)
    if norm in ELEMENTS:
        return norm
    by_name = None
    for stem, key in _STEMS:
        if re.search(rf"\b{stem}", norm):
            by_name = key
            break
    if by_name:
        return by_name
    fuzzy = _fuzzy_keys(norm)
    if len(fuzzy) == 1:
        return next(iter(fuzzy))
    if fuzzy:
        return None  # the text names two elements (or a typo sits between two): not guessed
    m = re.fullmatch(r"u\s*([1-9])", norm)
    if m and numbering:
        return key_for_u(int(m.group(1)), numbering)
    return None


def needs_numbering(text: str) -> bool:
    """True when ``text`` is a bare U-code that only a numbering can resolve."""
    return bool(re.fullmatch(r"u\s*[1-9]", _norm(str(text or ""))))


def label(key: str, numbering: str | None = None) -> str:
    el = ELEMENTS[key]
    return f"{u_code(key, numbering)} ({el.name})" if numbering else el.name
