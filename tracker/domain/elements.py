"""The survey elements (unsur) and their U-numberings.

Scores are stored and compared by element key, never by position. A U-number is only
meaningful together with a numbering: the questionnaire numbering puts Sarana dan Prasarana
at U8 and Penanganan Pengaduan at U9, the regulation numbering the other way round.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


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

NUMBERINGS: dict[str, tuple[str, ...]] = {
    # U1..U9 in the order of the regulation's sample questionnaire (Surakarta, Pekalongan).
    "questionnaire": ("persyaratan", "prosedur", "waktu", "biaya", "produk",
                      "kompetensi", "perilaku", "sarpras", "pengaduan"),
    # U1..U9 in the order of the regulation's element list (Pontianak).
    "regulation": ("persyaratan", "prosedur", "waktu", "biaya", "produk",
                   "kompetensi", "perilaku", "pengaduan", "sarpras"),
}

NUMBERING_LABELS = {
    "questionnaire": "Kuesioner (U8 = Sarana dan Prasarana, U9 = Penanganan Pengaduan)",
    "regulation": "Peraturan (U8 = Penanganan Pengaduan, U9 = Sarana dan Prasarana)",
}


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


def parse_element(text: str, numbering: str | None) -> str | None:
    """Recognise an element written as a report writes it.

    Accepts an element key, ``U1``..``U9`` (read with ``numbering``), ``U8 (Sarana Prasarana)``
    and the free names units use. When a U-code comes with a name in brackets the name decides,
    because the name is what the unit meant. Returns None when nothing matches.
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
