"""The SKM questionnaire answered online (SKM daring): its questions and answer words, reading
and checking one respondent's form, and what a collection's answers add up to. Pure functions;
no Flask.

One respondent's answers are kept as a string of digits, one per element in the collection's
element order ("3343243..."), so that a collection of thousands reads back as short strings and
adds up in one pass.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from . import scoring
from .demographics import AGE_BANDS, EDUCATION_ORDER
from .elements import ELEMENTS, numbering_keys

# The regulation's sample questionnaire (Permenpan RB 14/2017): one question per element and
# four answers worded for it, scored 1-4.
QUESTIONS: dict[str, str] = {
    "persyaratan": "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
    "prosedur": "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
    "waktu": "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
    "biaya": "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
    "produk": "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
              "dalam standar pelayanan dengan hasil yang diberikan?",
    "kompetensi": "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
    "perilaku": "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
                "kesopanan dan keramahan?",
    "sarpras": "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
    "pengaduan": "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
    "maklumat": "Bagaimana pendapat Saudara tentang maklumat pelayanan di unit ini?",
}

_SESUAI = ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")
ANSWER_WORDS: dict[str, tuple[str, str, str, str]] = {
    "persyaratan": _SESUAI,
    "prosedur": ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    "waktu": ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    "biaya": ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    "produk": _SESUAI,
    "kompetensi": ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    "perilaku": ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
                 "Sangat sopan dan ramah"),
    "sarpras": ("Buruk", "Cukup", "Baik", "Sangat baik"),
    "pengaduan": ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
                  "Dikelola dengan baik"),
    "maklumat": _SESUAI,
}

# The respondent's profile, as the regulation's questionnaire asks it; the labels are the ones
# the demographics pages count (domain.demographics), so online answers and imports agree.
AGE_CHOICES = tuple(label for _, _, label in AGE_BANDS)
SEX_CHOICES = ("Laki-laki", "Perempuan")
EDUCATION_CHOICES = EDUCATION_ORDER
OCCUPATION_CHOICES = ("PNS/ASN", "TNI/Polri", "Pegawai swasta", "Wirausaha", "Pelajar/Mahasiswa",
                      "Ibu rumah tangga", "Lainnya")
PROFILE_FIELDS = (("age", "Usia", AGE_CHOICES), ("sex", "Jenis kelamin", SEX_CHOICES),
                  ("education", "Pendidikan terakhir", EDUCATION_CHOICES),
                  ("occupation", "Pekerjaan utama", OCCUPATION_CHOICES))

LOW_ANSWERS = (1, 2)  # a reason is asked for these
MAX_REASON_CHARS = 500
MAX_SUGGESTION_CHARS = 2000


@dataclass
class Question:
    key: str
    number: int
    element: str
    text: str
    answers: tuple[str, str, str, str]


def questions(keys: Sequence[str]) -> list[Question]:
    """The questions for ``keys`` (a period's element set), numbered in that order."""
    return [Question(k, i + 1, ELEMENTS[k].name, QUESTIONS[k], ANSWER_WORDS[k]) for i, k in enumerate(keys)]


@dataclass
class Response:
    """One respondent's checked form."""
    answers: dict[str, int]
    age: str | None = None
    sex: str | None = None
    education: str | None = None
    occupation: str | None = None
    service_type: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    suggestion: str | None = None

    def encoded(self, keys: Sequence[str]) -> str:
        return encode(self.answers, keys)


@dataclass
class FormErrors:
    """Messages per field name (the form's ``name`` attributes), in Bahasa Indonesia."""
    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.by_field)


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def read_form(form: Mapping[str, str], keys: Sequence[str], service_types: Sequence[str] = ()) -> tuple[Response | None, FormErrors]:
    """Check one respondent's form: every element answered 1-4; profile values from their
    lists; a service type from the unit's list when it has several; reasons only for answers
    of 1 or 2 (others are dropped), each and the suggestion within their lengths."""
    errors = FormErrors()
    answers: dict[str, int] = {}
    for q in questions(keys):
        raw = _clean(form.get(f"u_{q.key}"))
        if raw not in ("1", "2", "3", "4"):
            errors.add(f"u_{q.key}", f"Pertanyaan {q.number} ({q.element}) belum dijawab.")
            continue
        answers[q.key] = int(raw)
    profile = {}
    for name, label, choices in PROFILE_FIELDS:
        value = _clean(form.get(name))
        if value and value not in choices:
            errors.add(name, f"Pilihan {label.lower()} tidak dikenal.")
        profile[name] = value or None
    service = _clean(form.get("service_type")) or None
    if len(service_types) > 1:
        if service is None:
            errors.add("service_type", "Pilih jenis layanan yang Saudara terima.")
        elif service not in service_types:
            errors.add("service_type", "Jenis layanan tidak dikenal.")
    else:
        service = service_types[0] if service_types else None
    reasons = {}
    for key, value in answers.items():
        text = _clean(form.get(f"alasan_{key}"))
        if not text or value not in LOW_ANSWERS:
            continue
        if len(text) > MAX_REASON_CHARS:
            errors.add(f"alasan_{key}", f"Alasan paling banyak {MAX_REASON_CHARS} karakter.")
        reasons[key] = text
    suggestion = str(form.get("saran") or "").strip() or None
    if suggestion and len(suggestion) > MAX_SUGGESTION_CHARS:
        errors.add("saran", f"Saran paling banyak {MAX_SUGGESTION_CHARS} karakter.")
    if errors:
        return None, errors
    return Response(answers=answers, service_type=service, reasons=reasons, suggestion=suggestion,
                    **profile), errors


def encode(answers: Mapping[str, int], keys: Sequence[str]) -> str:
    """Answers as digits in ``keys`` order; 0 where an element is not answered."""
    return "".join(str(int(answers.get(k) or 0)) for k in keys)


def decode(digits: str, keys: Sequence[str]) -> dict[str, int | None]:
    return {k: (int(d) or None) for k, d in zip(keys, digits)}


def fingerprint(collection_id: int, sender: str, response: Response, keys: Sequence[str]) -> str:
    """The same respondent content from the same sender (device or address, already hashed)
    hashes alike: a resend of the same answers is found without storing who sent them."""
    parts = [str(collection_id), sender, response.encoded(keys), response.age or "", response.sex or "",
             response.education or "", response.occupation or "", response.service_type or "",
             *(f"{k}={v}" for k, v in sorted(response.reasons.items())), response.suggestion or ""]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class Tally:
    """A collection's answers added up: respondents, and per element the sum and count."""
    keys: tuple[str, ...]
    respondents: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    answer_counts: dict[str, list[int]] = field(default_factory=dict)  # key -> answers 1..4 counted

    def result(self, unit: str) -> scoring.UnitResult | None:
        """NRR, IKM and priorities as they stand; None until every element has an answer."""
        if not self.respondents or any(self.counts.get(k, 0) == 0 for k in self.keys):
            return None
        return scoring.result_from_sums(unit, {k: self.sums[k] for k in self.keys},
                                        {k: self.counts[k] for k in self.keys}, self.respondents)


def tally(digit_strings: Iterable[str], keys: Sequence[str]) -> Tally:
    t = Tally(tuple(keys), sums={k: 0 for k in keys}, counts={k: 0 for k in keys},
              answer_counts={k: [0, 0, 0, 0] for k in keys})
    for digits in digit_strings:
        t.respondents += 1
        for k, d in zip(keys, digits):
            v = ord(d) - 48
            if 1 <= v <= 4:
                t.sums[k] += v
                t.counts[k] += 1
                t.answer_counts[k][v - 1] += 1
    return t


@dataclass
class Target:
    """Respondents collected against the Krejcie-Morgan minimum for the unit's population."""
    respondents: int
    minimum: int | None  # None when the population is not known

    @property
    def percent(self) -> float | None:
        if not self.minimum:
            return None
        return min(100.0, 100.0 * self.respondents / self.minimum)

    @property
    def reached(self) -> bool:
        return self.minimum is not None and self.respondents >= self.minimum


def target(respondents: int, population: int | None) -> Target:
    return Target(respondents, scoring.krejcie_morgan(population) if population else None)


@dataclass
class Reason:
    answer: int
    text: str
    word: str  # the answer as the respondent read it


def reasons_by_element(rows: Iterable[tuple[str, Mapping[str, str] | None]], keys: Sequence[str]) -> dict[str, list[Reason]]:
    """Rekap alasan: per element, the reasons given with low answers, from (answer digits,
    reasons) per respondent; elements in ``keys`` order, each listing its 1s before its 2s."""
    out: dict[str, list[Reason]] = {k: [] for k in keys}
    for digits, reasons in rows:
        if not reasons:
            continue
        answers = decode(digits, keys)
        for key, text in reasons.items():
            value = answers.get(key)
            if key in out and value in LOW_ANSWERS and text:
                out[key].append(Reason(value, text, ANSWER_WORDS[key][value - 1]))
    for key in out:
        out[key].sort(key=lambda r: r.answer)
    return out


def respondent_rows(rows: Iterable[tuple[str, Mapping[str, str | None]]], keys: Sequence[str],
                    numbering: str, unit: str) -> tuple[list[str], list[list[str]]]:
    """The answers as the respondent-level file the import reads (CONTRACT.md): header and rows,
    U-columns in ``numbering``'s order. ``rows`` are (answer digits, profile values)."""
    order = [k for k in numbering_keys(numbering) if k in keys]
    header = ["unit", *[f"u{i + 1}" for i in range(len(order))], "usia", "jenis_kelamin", "pendidikan",
              "pekerjaan", "submitted_at"]
    out = []
    for digits, profile in rows:
        answers = decode(digits, keys)
        out.append([unit, *[str(answers[k] or "") for k in order], profile.get("age") or "",
                    profile.get("sex") or "", profile.get("education") or "",
                    profile.get("occupation") or "", profile.get("submitted_at") or ""])
    return header, out
