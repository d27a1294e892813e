"""Respondents' profile (chapter II of the city reports): age band, sex, education and
occupation, as frequencies and shares. Pure functions; values come as respondents wrote them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

NOT_GIVEN = "Tidak diisi"
ATTRIBUTES = (("age", "Usia"), ("sex", "Jenis kelamin"), ("education", "Pendidikan"),
              ("occupation", "Pekerjaan"))

AGE_BANDS = ((0, 19, "Di bawah 20 tahun"), (20, 29, "20-29 tahun"), (30, 39, "30-39 tahun"),
             (40, 49, "40-49 tahun"), (50, 59, "50-59 tahun"), (60, 200, "60 tahun ke atas"))
SEX = {"l": "Laki-laki", "lk": "Laki-laki", "laki": "Laki-laki", "laki-laki": "Laki-laki",
       "laki laki": "Laki-laki", "pria": "Laki-laki", "m": "Laki-laki", "male": "Laki-laki",
       "p": "Perempuan", "pr": "Perempuan", "perempuan": "Perempuan", "wanita": "Perempuan",
       "w": "Perempuan", "f": "Perempuan", "female": "Perempuan"}
EDUCATION = {"sd": "SD/sederajat", "mi": "SD/sederajat", "smp": "SMP/sederajat", "sltp": "SMP/sederajat",
             "mts": "SMP/sederajat", "sma": "SMA/SMK/sederajat", "slta": "SMA/SMK/sederajat",
             "smk": "SMA/SMK/sederajat", "ma": "SMA/SMK/sederajat", "d1": "D1-D3", "d2": "D1-D3",
             "d3": "D1-D3", "diploma": "D1-D3", "d4": "D4/S1", "s1": "D4/S1", "sarjana": "D4/S1",
             "s2": "S2", "magister": "S2", "s3": "S3", "doktor": "S3",
             "tidak sekolah": "Tidak sekolah", "belum sekolah": "Tidak sekolah"}
EDUCATION_ORDER = ("Tidak sekolah", "SD/sederajat", "SMP/sederajat", "SMA/SMK/sederajat", "D1-D3",
                   "D4/S1", "S2", "S3")
OCCUPATION = {"pns": "PNS/ASN", "asn": "PNS/ASN", "pns/asn": "PNS/ASN", "tni": "TNI/Polri", "polri": "TNI/Polri",
              "tni/polri": "TNI/Polri", "swasta": "Pegawai swasta", "pegawai swasta": "Pegawai swasta",
              "karyawan swasta": "Pegawai swasta", "wiraswasta": "Wirausaha", "wirausaha": "Wirausaha",
              "pelajar": "Pelajar/Mahasiswa", "mahasiswa": "Pelajar/Mahasiswa",
              "pelajar/mahasiswa": "Pelajar/Mahasiswa", "ibu rumah tangga": "Ibu rumah tangga",
              "irt": "Ibu rumah tangga", "lainnya": "Lainnya", "lain-lain": "Lainnya"}


def _clean(value) -> str:
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return "" if text.lower() in ("nan", "none", "-") else text


def age_band(value) -> str:
    """A written age ("34", "34 tahun", "34.0") in its band; a band written as text stays as
    written; empty is "Tidak diisi"."""
    text = _clean(value)
    if not text:
        return NOT_GIVEN
    m = re.fullmatch(r"(\d{1,3})(?:[.,]0+)?(?: ?(?:th|thn|tahun))?", text.lower())
    if not m:
        return text
    years = int(m.group(1))
    for low, high, label in AGE_BANDS:
        if low <= years <= high:
            return label
    return text


def _mapped(value, table: Mapping[str, str]) -> str:
    text = _clean(value)
    if not text:
        return NOT_GIVEN
    return table.get(text.lower(), text[:1].upper() + text[1:])


def normalise(attribute: str, value) -> str:
    if attribute == "age":
        return age_band(value)
    if attribute == "sex":
        return _mapped(value, SEX)
    if attribute == "education":
        return _mapped(value, EDUCATION)
    return _mapped(value, OCCUPATION)


def _order(attribute: str, label: str):
    if label == NOT_GIVEN:
        return (2, 0, "")
    if attribute == "age":
        known = [b[2] for b in AGE_BANDS]
        return (0, known.index(label), "") if label in known else (1, 0, label.lower())
    if attribute == "sex":
        return (0, ("Laki-laki", "Perempuan").index(label), "") if label in ("Laki-laki", "Perempuan") \
            else (1, 0, label.lower())
    if attribute == "education" and label in EDUCATION_ORDER:
        return (0, EDUCATION_ORDER.index(label), "")
    return (1, 0, label.lower())


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    percent: float


def distribution(attribute: str, counts: Iterable[tuple[object, int]]) -> list[Share]:
    """[(written value, respondents)] -> the shares of each normalised label, in the order the
    reports print them (bands and school levels in order, others alphabetical, "Tidak diisi"
    last). Percentages of all respondents, summing to 100."""
    merged: dict[str, int] = {}
    for value, n in counts:
        label = normalise(attribute, value)
        merged[label] = merged.get(label, 0) + int(n)
    total = sum(merged.values())
    return [Share(label, n, 100.0 * n / total if total else 0.0)
            for label, n in sorted(merged.items(), key=lambda kv: _order(attribute, kv[0]))]
