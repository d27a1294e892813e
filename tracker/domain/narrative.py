"""Sentences of the SKM report, generated from numbers (no Flask, no database).

Every sentence takes the same values the report's tables print, formatted by the same rules
(``numbers.format_id``, categories from ``scoring``), so text and tables cannot disagree: the
seeds written by hand name other top-10 units in their text than in their tables and count
75 + 77 units out of 153. Numbers are printed the Indonesian way (decimal comma).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import scoring
from .numbers import format_id

CATEGORY_ORDER = ("A", "B", "C", "D")


def category_phrase(code: str) -> str:
    """'A (Sangat Baik)': the regulation's words (C is Kurang Baik)."""
    return f"{code} ({scoring.CATEGORY_NAMES[code]})"


def value_category(value: float) -> str:
    """The category of a converted value (25-100) as printed beside it."""
    return scoring.category(value)


def trend_word(before: float | None, after: float | None) -> str | None:
    """Naik / Turun / Stagnan for a printed change (None when one side is missing)."""
    if before is None or after is None or before == 0:
        return None
    return scoring.trend_word(scoring.change_pct(before, after))


def change_phrase(before: float, after: float, decimals: int = 2) -> str:
    """'naik 1,05% menjadi 85,95' / 'turun 0,50% menjadi 84,10' / 'tetap 85,95'.

    The percentage is the relative change (after - before) / before, as Tabel 3.1 prints it;
    the word follows the rounded percentage (Stagnan is exactly 0,00)."""
    pct = scoring.change_pct(before, after)
    word = scoring.trend_word(pct)
    if word == "Stagnan":
        return f"tetap {format_id(after, decimals)}"
    verb = "naik" if word == "Naik" else "turun"
    return f"{verb} {format_id(abs(pct), 2)}% menjadi {format_id(after, decimals)}"


def city_ikm_sentence(city: str, label: str, ikm: float, units: int, aggregation: str,
                      previous_label: str | None = None, previous_ikm: float | None = None) -> str:
    cat = value_category(ikm)
    text = (f"IKM {city} {label} adalah {format_id(ikm, 2)} dengan mutu pelayanan "
            f"{category_phrase(cat)}, dihitung dari {units} unit layanan ({aggregation}).")
    if previous_ikm is not None and previous_label:
        text += (f" Dibandingkan {previous_label} ({format_id(previous_ikm, 2)}), IKM "
                 f"{change_phrase(previous_ikm, ikm)}.")
    return text


def category_sentence(counts: dict[str, int]) -> str:
    """'Dari 153 unit, 40 unit (26,14%) bermutu A (Sangat Baik), ...': shares of the total."""
    total = sum(counts.values())
    parts = [f"{counts.get(c, 0)} unit ({format_id(share(counts.get(c, 0), total), 2)}%) bermutu "
             f"{category_phrase(c)}" for c in CATEGORY_ORDER if counts.get(c, 0)]
    if not parts:
        return "Belum ada unit dengan hasil."
    return f"Dari {total} unit layanan, " + _join(parts) + "."


def share(part: int, total: int) -> float:
    return 0.0 if not total else part / total * 100.0


def mean_split_sentence(above: int, below: int, mean: float) -> str:
    """Units above, and at or below, the city mean (``scoring.city_recap``'s rule); the two
    counts add up to the units counted."""
    total = above + below
    return (f"Dari {total} unit, {above} unit ({format_id(share(above, total), 2)}%) memiliki IKM di "
            f"atas rata-rata kota {format_id(mean, 3)} dan {below} unit "
            f"({format_id(share(below, total), 2)}%) sama dengan atau di bawahnya.")


def change_counts_sentence(counts: dict[str, int], from_label: str, to_label: str) -> str:
    total = sum(counts.values())
    return (f"Dari {total} unit yang disurvei pada {from_label} dan {to_label}, IKM "
            f"{counts.get('Naik', 0)} unit naik, {counts.get('Turun', 0)} unit turun dan "
            f"{counts.get('Stagnan', 0)} unit tetap (stagnan).")


def element_sentence(values: list[tuple[str, float]]) -> str:
    """``values``: (element label, NRR) sorted lowest first, as Tabel 3.3 sorts them."""
    if not values:
        return ""
    (low_name, low), (high_name, high) = values[0], values[-1]
    return (f"Unsur dengan nilai rata-rata terendah adalah {low_name} ({format_id(low, 3)}, mutu "
            f"{scoring.nrr_category(low)}) dan yang tertinggi {high_name} ({format_id(high, 3)}, mutu "
            f"{scoring.nrr_category(high)}).")


def ranking_sentence(kind: str, names: list[str]) -> str:
    """``kind``: 'tertinggi' or 'terendah'; ``names`` in the table's order."""
    if not names:
        return ""
    return f"{len(names)} unit dengan IKM {kind}: " + _join(names) + "."


def realisation_sentence(label: str, realisation: float | None, counted: int,
                         without_plan: int) -> str:
    if realisation is None:
        text = f"Belum ada RTL {label} yang diterima, sehingga realisasi tindak lanjut belum dapat dihitung."
    else:
        text = (f"Realisasi tindak lanjut RTL {label} rata-rata {format_id(realisation, 2)}% "
                f"(rata-rata realisasi {counted} unit yang RTL-nya diterima; hanya kemajuan yang "
                "sudah diverifikasi Inspektorat yang dihitung).")
    if without_plan:
        text += f" {without_plan} unit yang memiliki hasil belum memiliki RTL yang diterima."
    return text


@dataclass
class ElementEffect:
    label: str
    before: float
    after: float | None
    units: int


def effect_sentence(effects: list[ElementEffect]) -> str:
    """How the elements the units acted on moved in the next survey."""
    measured = [e for e in effects if e.after is not None]
    if not effects:
        return "Belum ada unsur yang ditindaklanjuti dengan RTL yang diterima."
    if not measured:
        return "Hasil survei periode berikutnya belum tersedia, sehingga dampak tindak lanjut belum dapat diukur."
    up = [e for e in measured if e.after > e.before]
    down = [e for e in measured if e.after < e.before]
    text = (f"Dari {len(measured)} unsur yang ditindaklanjuti dan sudah diukur kembali, "
            f"{len(up)} unsur membaik dan {len(down)} unsur memburuk pada survei berikutnya.")
    if down:
        text += " Unsur yang memburuk: " + _join([f"{e.label} ({format_id(e.before, 3)} menjadi "
                                                 f"{format_id(e.after, 3)})" for e in down]) + "."
    return text


def conclusions(city_sentence: str, category: str, lowest: str | None, realisation: str) -> list[str]:
    """BAB IV's numbered conclusions, each restating a computed figure."""
    out = [city_sentence, category]
    if lowest:
        out.append(lowest + " Unsur ini menjadi prioritas perbaikan kota pada periode berikutnya.")
    out.append(realisation)
    return out


def _join(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " dan " + items[-1]
