"""Chart data for the dashboards: one function per chart, computed from the domain modules only
(tracker.domain.scoring through tracker.results.service, realisation through
tracker.followup.rates), so tests can compare each chart with the domain's own numbers.

Every function returns a ``ChartData``: the numbers the SVG draws, plus the same numbers as a
table (``columns``/``rows``) for the <details> table and the CSV download.
Query counts do not grow with the number of units, nor with the number of periods for the trend
charts (all periods' results and plans are loaded in one batch each).
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain import elements as el
from ..domain import periods as P
from ..domain import rollup
from ..domain import realisation as R
from ..domain import scoring
from ..domain.numbers import format_id
from ..extensions import db
from ..followup import rates as rates_mod
from ..models import Period, Plan
from ..results import service
from .safe import CheckedWorkbook, neutralise, write_text

CHARTS = ("city_trend", "categories", "changes", "above_below", "elements", "realisation")

CHANGE_WORDS = ("Naik", "Turun", "Stagnan")


@dataclass
class ChartData:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    note: str = ""
    extra: dict = field(default_factory=dict)


def _cache() -> dict:
    """A per-request memo (kept in the WSGI environ: an app context, hence ``g``, can outlive a
    request, e.g. in tests). Outside a request nothing is memoised."""
    from flask import has_request_context, request
    if not has_request_context():
        return {}
    return request.environ.setdefault("skm.dashboard_cache", {})


def views_for(code: str, unit_ids=None) -> list[service.UnitView]:
    """unit_views, memoised for the request (several charts read the same period)."""
    cache = _cache()
    key = (code, None if unit_ids is None else tuple(sorted(unit_ids)))
    if key not in cache:
        cache[key] = service.unit_views(code, unit_ids)
    return cache[key]


def all_period_results() -> dict[str, list[scoring.UnitResult]]:
    """Every period's unit results in a fixed number of queries (the trend charts must not query
    once per period), by the same roll-up rule as ``service.unit_views`` (``views_from_rows``
    over the same stored rows). Memoised for the request."""
    cache = _cache()
    if "__all__" in cache:
        return cache["__all__"]
    periods = Period.query.all()
    rows = service.stored_results([p.id for p in periods]) if periods else []
    codes = rollup.codes_with_results({r.period.code for r in rows})
    views = service.views_from_rows(codes, rows)
    out = {code: [v.result for v in vs] for code, vs in views.items() if vs}
    cache["__all__"] = out
    return out


def period_codes() -> list[str]:
    """Codes with results (years aggregated from semesters included), oldest first; a year comes
    after its semesters."""
    return sorted(all_period_results(), key=_chronological)


def _chronological(code: str):
    ref = P.parse_period(code)
    return (ref.end, ref.kind == "year", ref.start)


def label(code: str) -> str:
    return P.parse_period(code).label


def city_trend(codes: list[str] | None = None) -> ChartData:
    """City IKM per period (plain mean of unit IKM), oldest first."""
    results = all_period_results()
    codes = codes if codes is not None else period_codes()
    rows = []
    for code in codes:
        if not results.get(code):
            continue
        recap = scoring.city_recap(results[code])
        rows.append([code, label(code), recap.ikm, recap.category, recap.units, recap.respondents])
    return ChartData("city_trend", "Tren IKM kota per periode",
                     ["Periode", "Label", "IKM kota", "Kategori", "Jumlah unit", "Responden"], rows,
                     note=f"IKM kota = {scoring.AGGREGATION_LABELS_ID[scoring.AGGREGATION_MEAN]}.")


def categories(code: str) -> ChartData:
    views = views_for(code)
    counts = scoring.category_counts([v.result for v in views])
    total = sum(counts.values())
    rows = [[c, scoring.CATEGORY_NAMES[c], n, (100.0 * n / total) if total else 0.0]
            for c, n in counts.items()]
    return ChartData("categories", f"Sebaran kategori mutu unit, {label(code)}",
                     ["Kategori", "Mutu", "Jumlah unit", "Persen"], rows)


def compared_parts(code: str) -> tuple[str, str] | None:
    """The two periods whose change Tabel 3.1 reports: a year's two semesters, or the previous
    period and this one."""
    ref = P.parse_period(code)
    if ref.kind == "year":
        subs = [s.code for s in service.sub_periods(ref) if views_for(s.code)]
        return (subs[-2], subs[-1]) if len(subs) >= 2 else None
    prev = ref.previous().code
    return (prev, ref.code) if views_for(prev) else None


def changes(code: str) -> ChartData:
    pair = compared_parts(code)
    counts = {w: 0 for w in CHANGE_WORDS}
    note = "Tidak ada periode pembanding."
    if pair:
        before = {v.unit.id: v for v in views_for(pair[0])}
        for v in views_for(pair[1]):
            if v.unit.id in before:
                counts[scoring.trend_word(scoring.change_pct(before[v.unit.id].ikm, v.ikm))] += 1
        note = f"Perubahan IKM unit dari {label(pair[0])} ke {label(pair[1])}; Stagnan = 0,00%."
    total = sum(counts.values())
    rows = [[w, n, (100.0 * n / total) if total else 0.0] for w, n in counts.items()]
    return ChartData("changes", f"Naik / Turun / Stagnan, {label(code)}",
                     ["Keterangan", "Jumlah unit", "Persen"], rows, note=note,
                     extra={"pair": pair})


def above_below(code: str) -> ChartData:
    views = views_for(code)
    recap = scoring.city_recap([v.result for v in views])
    rows = [["Di atas rata-rata", recap.above_mean], ["Sama atau di bawah rata-rata", recap.below_mean]]
    return ChartData("above_below", f"Unit di atas / di bawah rata-rata kota, {label(code)}",
                     ["Posisi", "Jumlah unit"], rows,
                     note=f"Rata-rata kota {format_id(recap.ikm, 3)} "
                          f"({scoring.AGGREGATION_LABELS_ID[recap.aggregation]}).",
                     extra={"mean": recap.ikm})


def elements(code: str) -> ChartData:
    views = views_for(code)
    values = scoring.city_elements([v.result for v in views])
    numbering = service.display_numbering(P.parse_period(code))
    rows = []
    for key, value in scoring.elements_lowest_first(values):
        try:
            u = el.u_code(key, numbering)
        except ValueError:
            u = ""
        rows.append([u, key, el.ELEMENTS[key].name if key in el.ELEMENTS else key, value,
                     value * 25, scoring.nrr_category(value)])
    return ChartData("elements", f"Nilai unsur kota dari terendah ke tertinggi, {label(code)}",
                     ["Kode", "Kunci", "Unsur", "NRR", "Nilai konversi", "Mutu"], rows,
                     note="Rata-rata NRR unit per unsur; kode U menurut penomoran periode.")


def plan_periods() -> list[Period]:
    """Periods that have plans, oldest first."""
    ids = [pid for (pid,) in db.session.query(Plan.period_id).distinct().all()]
    if not ids:
        return []
    periods = Period.query.filter(Period.id.in_(ids)).all()
    return sorted(periods, key=lambda p: (p.start_date, p.end_date))


def realisation(unit_ids: set[int] | None = None) -> ChartData:
    """Realisation (%) per plan period: city, groups and units (rates.py definitions)."""
    periods = plan_periods()
    unit_rows: dict[int, dict] = {}
    city_rows = []
    groups_all: list[str] = []
    group_rows = []
    # All periods at once, from plain columns (rates.period_rates: the one definition).
    by_period = rates_mod.period_rates([p.id for p in periods], unit_ids)
    for period in periods:
        rates = by_period.get(period.id, {})
        by_group = rates_mod.group_means(rates)
        group_rows.append(by_group)
        groups_all += [g for g in by_group if g not in groups_all]
        city_rows.append(R.mean_rate(r.realisation for r in rates.values()) if rates else None)
        for uid, r in rates.items():
            entry = unit_rows.setdefault(uid, {"name": r.unit_name, "group": r.group, "values": {}})
            entry["values"][period.code] = r.realisation
    codes = [p.code for p in periods]
    rows = []
    scope = "Kota" if unit_ids is None else "Unit saya (rata-rata)"
    for code, value in zip(codes, city_rows):
        rows.append([code, scope, "", value])
    if unit_ids is None:
        for code, by_group in zip(codes, group_rows):
            for g in groups_all:
                if g in by_group:
                    rows.append([code, "Kelompok", g, by_group[g]])
    for uid, entry in sorted(unit_rows.items(), key=lambda kv: kv[1]["name"].lower()):
        for code in codes:
            if code in entry["values"]:
                rows.append([code, "Unit", entry["name"], entry["values"][code]])
    return ChartData("realisation", "Tren realisasi tindak lanjut (%)",
                     ["Periode RTL", "Tingkat", "Nama", "Realisasi (%)"], rows,
                     note="Realisasi: rata-rata realisasi aksi yang terverifikasi; kelompok dan kota: "
                          "rata-rata unit yang memiliki RTL.",
                     extra={"codes": codes, "city": city_rows, "groups": groups_all,
                            "group_rows": group_rows, "units": unit_rows})


def chart(key: str, code: str | None, unit_ids=None) -> ChartData:
    if key == "city_trend":
        return city_trend()
    if key == "realisation":
        return realisation(unit_ids)
    if code is None:
        raise LookupError(key)
    return {"categories": categories, "changes": changes, "above_below": above_below,
            "elements": elements}[key](code)


# ------------------------------------------------------------------------------------------
# Downloads of a chart's table: CSV as Excel set to Indonesian reads it (";" between cells,
# decimal comma, UTF-8 with BOM) and XLSX with numeric cells. Text typed by users (unit names)
# is neutralised against formula injection in both (tracker.reports.safe).

CSV_SEPARATOR = ";"

# Download file names (ASCII, Bahasa Indonesia) and sheet names per chart.
DOWNLOAD_NAMES = {"city_trend": "tren-ikm-kota", "categories": "sebaran-kategori",
                  "changes": "naik-turun-stagnan", "above_below": "posisi-rata-rata-kota",
                  "elements": "nilai-unsur", "realisation": "realisasi-tindak-lanjut"}
SHEET_NAMES = {"city_trend": "Tren IKM kota", "categories": "Sebaran kategori",
               "changes": "Naik Turun Stagnan", "above_below": "Posisi rata-rata",
               "elements": "Nilai unsur", "realisation": "Realisasi RTL"}
# Charts whose table does not depend on the selected period.
ALL_PERIODS = ("city_trend", "realisation")
# Columns shown with 3 decimals (as the page and the reports print them); other fractions 2.
THREE_DECIMALS = ("IKM kota", "NRR", "Nilai konversi")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def csv_number(value) -> str:
    """A number with a decimal comma and no thousands separator, exactly (86.546 -> "86,546";
    repr keeps every digit, so the file parses back to the same float)."""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",")


def csv_download(data: ChartData) -> str:
    """The chart's table as CSV text for Indonesian Excel, starting with the UTF-8 BOM."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in data.columns])
    for row in data.rows:
        writer.writerow(["" if _is_empty(v) else csv_number(v) if _is_number(v)
                         else neutralise(str(v)) for v in row])
    return "\ufeff" + buf.getvalue()


def xlsx_download(data: ChartData, subtitle: str = "") -> bytes:
    """The chart's table as an XLSX workbook: title and note on top, then the table with
    numbers in numeric cells (number formats: counts 0, fractions 0.00 or 0.000)."""
    buf = io.BytesIO()
    wb = CheckedWorkbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(SHEET_NAMES.get(data.key, "Data")[:31])
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    formats = {0: wb.add_format({"num_format": "0"}), 2: wb.add_format({"num_format": "0.00"}),
               3: wb.add_format({"num_format": "0.000"})}
    write_text(ws, 0, 0, data.title, bold)
    row = 1
    for line in (subtitle, data.note):
        if line:
            write_text(ws, row, 0, line)
            row += 1
    row += 1
    header_row = row
    widths = [len(str(c)) for c in data.columns]
    for col, name in enumerate(data.columns):
        write_text(ws, header_row, col, name, head)
    for values in data.rows:
        row += 1
        for col, value in enumerate(values):
            name = data.columns[col] if col < len(data.columns) else ""
            if _is_empty(value):
                continue
            elif _is_number(value):
                decimals = 0 if isinstance(value, int) else 3 if name in THREE_DECIMALS else 2
                ws.write_number(row, col, value, formats[decimals])
                if col < len(widths):
                    widths[col] = max(widths[col], 8)
            else:
                write_text(ws, row, col, value)
                if col < len(widths):
                    widths[col] = max(widths[col], min(len(str(value)), 60))
    for col, width in enumerate(widths):
        ws.set_column(col, col, width + 2)
    ws.freeze_panes(header_row + 1, 0)
    wb.close()
    return buf.getvalue()


def download_name(key: str, code: str | None, extension: str) -> str:
    """An ASCII file name ([A-Za-z0-9._-] only) naming the chart and, where the table depends
    on it, the period: "dasbor-nilai-unsur-2021-S1.csv"."""
    period = code if code and key not in ALL_PERIODS else "semua"
    name = f"dasbor-{DOWNLOAD_NAMES.get(key, key)}-{period}.{extension}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)
