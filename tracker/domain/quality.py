"""Consistency checks on survey results. Each flag says what is wrong and, where one of the
causes seen in real reports fits, why (DOMAIN.md section 5)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Mapping, Sequence

from . import scoring
from .elements import numbering_keys, swapped, u_code

IKM_TOLERANCE = 0.01


@dataclass
class Flag:
    code: str
    message: str
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _ikm_variants(nrrs: Mapping[str, float]) -> dict[str, float]:
    """IKMs computed the wrong ways real reports computed them."""
    n = len(nrrs)
    values = list(nrrs.values())
    return {
        "weight_0111": sum(v * 0.111 for v in values) * 25,
        "weight_011": sum(v * 0.11 for v in values) * 25,
        "nrr_rounded_3": sum(round(v, 3) for v in values) / n * 25,
        "weighted_rounded_3": sum(round(v / n, 3) for v in values) * 25,
        "weight_0111_rounded_3": sum(round(v * 0.111, 3) for v in values) * 25,
    }


_CAUSES = {
    "weight_0111": "bobot dibulatkan menjadi 0,111 (IKM tercetak = 0,999 x nilai tepat)",
    "weight_011": "bobot dibulatkan menjadi 0,11 (IKM tercetak = 0,99 x nilai tepat)",
    "nrr_rounded_3": "NRR dibulatkan ke 3 desimal sebelum dijumlahkan",
    "weighted_rounded_3": "NRR tertimbang dibulatkan ke 3 desimal sebelum dijumlahkan",
    "weight_0111_rounded_3": "bobot 0,111 dan NRR tertimbang dibulatkan ke 3 desimal",
    "digit_typo": "salah ketik: satu angka berbeda (atau dua angka bersebelahan tertukar) "
                  "dari IKM terhitung",
}


def _digit_typo(reported: float, computed: float, decimals: int) -> bool:
    """True when the printed figure is the computed one, printed to the same decimals, with one
    decimal digit wrong or two adjacent decimal digits swapped (Surakarta 2021 DPMPTSP S2:
    97.538 for 97.528). A difference in the whole number is never called a typo."""
    a = f"{reported:.{decimals}f}"
    b = f"{scoring.round_half_up(computed, decimals):.{decimals}f}"
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    if diff[0] < a.index(".") or a.index(".") != b.index("."):
        return False  # a wrong whole number is not taken for a typo
    if len(diff) == 1:
        return True
    return (len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


def _match_tolerance(reported: float) -> float:
    """How close a printed IKM must be to a candidate explanation. A value printed with 3
    decimals (86.546) is matched within 0.0015; one printed with 2 decimals (86.55) carries up
    to 0.005 of rounding, so it is matched within 0.0055."""
    if abs(reported * 100 - round(reported * 100)) < 1e-6:
        return 0.0055
    return 0.0015


def check_reported_ikm(reported: float | None, result: scoring.UnitResult,
                       others: Sequence[scoring.UnitResult] = ()) -> Flag | None:
    """Flag a printed IKM that differs from 25 x mean(NRR) by more than 0.01, with its cause.

    Causes tried, in this order: the wrong ways real reports computed it (``_ikm_variants``:
    weight 0.111, weight 0.11, NRRs or weighted NRRs rounded to 3 decimals), then another
    unit's IKM among ``others`` (a pasted block), then a typing error (one decimal digit wrong
    or two adjacent ones swapped, against the computed value at the printed precision). The
    flag's detail carries ``cause`` (a key of ``_CAUSES`` or None) and ``copied_from`` (a unit
    name or None)."""
    if reported is None:
        return None
    computed = result.ikm
    diff = reported - computed
    if round(abs(diff), 9) <= IKM_TOLERANCE:   # exactly 0.01 apart on paper is still fine
        return None
    tolerance = _match_tolerance(reported)
    cause = None
    for name, value in _ikm_variants(result.nrrs).items():
        if abs(reported - value) <= tolerance:
            cause = name
            break
    copied_from = None
    if cause is None:
        for other in others:
            if other.unit != result.unit and abs(other.ikm - reported) <= tolerance:
                copied_from = other.unit
                break
    if cause is None and copied_from is None and \
            _digit_typo(reported, computed, 2 if tolerance > 0.002 else 3):
        cause = "digit_typo"
    why = _CAUSES.get(cause) if cause else (
        f"sama dengan IKM unit {copied_from} (blok unit lain tersalin?)" if copied_from else
        "penyebab tidak dikenali")
    message = (f"IKM tercetak {reported:.3f} berbeda {diff:+.3f} dari IKM terhitung "
               f"{computed:.3f}; kemungkinan: {why}.")
    return Flag("reported_ikm", message,
                {"reported": reported, "computed": computed, "difference": diff,
                 "cause": cause, "copied_from": copied_from})


def check_sums_range(sums: Mapping[str, float], answers: Mapping[str, int]) -> list[str]:
    """Element keys whose sum implies an NRR outside 1-4 (an impossible block)."""
    bad = []
    for k, s in sums.items():
        n = answers.get(k) or 0
        if n <= 0 or s < n or s > 4 * n:
            bad.append(k)
    return bad


def check_sample_size(respondents: int | None, population: int | None) -> Flag | None:
    """Flag fewer respondents than the Krejcie-Morgan minimum for the population served.
    Nothing to say when either number is unknown (None) or the population is 0."""
    if respondents is None or not population:
        return None
    need = scoring.krejcie_morgan(population)
    if respondents < need:
        return Flag("sample_size",
                    f"Responden {respondents} kurang dari sampel minimum {need} "
                    f"(Krejcie-Morgan, populasi {population}).",
                    {"respondents": respondents, "minimum": need, "population": population})
    return None


def check_priorities(reported_codes: Sequence[str], result: scoring.UnitResult,
                     numbering: str) -> Flag | None:
    """Compare the U-codes a unit printed as priorities with its lowest elements.

    Reported codes are read with ``numbering``; when they are the lowest elements only under the
    other numbering, the flag names the U8/U9 swap.
    """
    if not reported_codes:
        return None
    keys = numbering_keys(numbering)
    reported = []
    for c in reported_codes:
        m = re.fullmatch(r"\s*[Uu]?\s*([0-9]+)\s*", str(c))
        if not m or not 1 <= int(m.group(1)) <= len(keys):
            printed = ", ".join(map(str, reported_codes))
            return Flag("priorities", f"Unsur prioritas tercetak tidak terbaca: {printed}.",
                        {"reported": list(reported_codes),
                         "lowest": result.priorities(len(reported_codes))})
        reported.append(keys[int(m.group(1)) - 1])
    n = len(reported)
    lowest = result.priorities(len(result.nrrs))
    if _is_lowest(reported, result.nrrs, n):
        return None
    swapped_keys = [swapped(k) for k in reported]
    if _is_lowest(swapped_keys, result.nrrs, n):
        return Flag("priorities_swap",
                    "Unsur prioritas tercetak (" + ", ".join(reported_codes) + ") hanya cocok dengan "
                    "unsur terendah bila U8/U9 dibaca dengan penomoran lain (U8/U9 tertukar).",
                    {"reported": reported, "lowest": lowest[:n]})
    expected = ", ".join(u_code(k, numbering) for k in lowest[:n])
    return Flag("priorities",
                "Unsur prioritas tercetak (" + ", ".join(reported_codes) + ") bukan unsur terendah; "
                f"unsur terendah: {expected}.",
                {"reported": reported, "lowest": lowest[:n]})


def _is_lowest(keys: Sequence[str], nrrs: Mapping[str, float], n: int) -> bool:
    """True when ``keys`` are n lowest elements (any tie order accepted)."""
    if len(set(keys)) != len(keys) or any(k not in nrrs for k in keys):
        return False
    worst_chosen = max(round(nrrs[k], 9) for k in keys)
    others = [round(v, 9) for k, v in nrrs.items() if k not in keys]
    return all(v >= worst_chosen for v in others)


def check_year_mean(year_nrrs: Mapping[str, float], semesters: Sequence[scoring.UnitResult],
                    tolerance: float = 0.001) -> Flag | None:
    """Flag 'annual' element values that are not the mean of the semesters."""
    if len(semesters) < 2:
        return None
    expected = scoring.combine_periods(semesters).nrrs
    off = [k for k, v in year_nrrs.items() if k in expected and abs(v - expected[k]) > tolerance]
    if not off:
        return None
    return Flag("year_mean", "Nilai tahunan unsur " + ", ".join(off) +
                " bukan rata-rata kedua semester.", {"elements": off})


def check_duplicate_blocks(results: Sequence[scoring.UnitResult]) -> dict[str, Flag]:
    """Units whose element values are identical to another unit's (a pasted block)."""
    seen: dict[tuple, str] = {}
    flags = {}
    for r in results:
        sig = tuple(sorted((k, round(v, 6)) for k, v in r.nrrs.items())) + (r.respondents,)
        if sig in seen:
            flags[r.unit] = Flag("duplicate_block",
                                 f"Nilai unsur identik dengan unit {seen[sig]} (blok tersalin?).",
                                 {"same_as": seen[sig]})
        else:
            seen[sig] = r.unit
    return flags
