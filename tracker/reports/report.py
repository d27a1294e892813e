"""The city's SKM report for a period, following the seeds' structure (Surakarta 2021,
Pekalongan Semester II 2023, Pontianak 2023): BAB I Pendahuluan, BAB II Metode, BAB III Hasil,
BAB IV Penutup and the Lampiran.

Everything printed comes from one load (``annex.load_data``, the dashboard's chart data, the
respondent profiles) and every sentence is made by ``domain.narrative`` from the same values the
tables print. Units are listed in organisational order (``results.order``)."""
from __future__ import annotations

from typing import Callable

from ..domain import elements as el
from ..domain import narrative as N
from ..domain import periods as P
from ..domain import scoring
from ..domain.dates import format_window
from ..domain.numbers import format_id
from ..domain.realisation import mean_rate
from ..followup import status as status_mod
from ..models import HistoricalIkm, ResultSubmission
from . import chart_images as charts
from . import dashboard_data as dd
from .annex import AnnexData, _base_url, _priority_keys, evidence_address, load_data, previous_realisation
from .document import Document, Figure, Heading, PageBreak, Paragraph, Table
from .texts import texts_for
from .pausing import collector_paused

Progress = Callable[[float, str], None]

CAPTIONS = {
    "elements": "Tabel 2.1 Unsur pelayanan dan penomorannya",
    "intervals": "Tabel 2.2 Nilai persepsi, interval, mutu dan kinerja unit pelayanan",
    "participation": "Tabel 2.3 Partisipasi unit dan responden per kelompok",
    "t31": "Tabel 3.1 Rekapitulasi IKM per unit pelayanan",
    "t32": "Tabel 3.2 IKM, unsur prioritas dan realisasi tindak lanjut per unit",
    "t33": "Tabel 3.3 Nilai rata-rata unsur pelayanan kota",
    "t34": "Tabel 3.4 Sepuluh unit dengan IKM tertinggi",
    "t35": "Tabel 3.5 Sepuluh unit dengan IKM terendah",
    "categories": "Tabel 3.6 Jumlah unit per mutu pelayanan",
    "trend": "Tabel 3.7 IKM kota dari tahun ke tahun",
    "effect": "Tabel 3.8 Efek tindak lanjut per unsur",
    "city_plan": "Tabel 4.1 Rencana tindak lanjut kota",
}


def _cat(value: float | None) -> str:
    return "" if value is None else scoring.category(value)


def _num(value, decimals: int = 2) -> str:
    return "" if value is None else format_id(value, decimals)


def _element_name(key: str) -> str:
    return el.ELEMENTS[key].name if key in el.ELEMENTS else key


@collector_paused
def build_report(code: str, progress: Progress | None = None, charts_on: bool = True) -> Document:
    step = progress or (lambda fraction, message: None)
    data = load_data(code)  # units in organisational order
    texts = texts_for(data.code)
    city = texts["city"]
    doc = Document(title=f"Laporan Hasil Survei Kepuasan Masyarakat {city}",
                   subtitle=f"{data.label}\n{texts['office']}")
    recap = scoring.city_recap([v.result for v in data.views])
    step(0.1, "Data dimuat")

    _chapter_one(doc, data, texts)
    _chapter_two(doc, data, charts_on)
    step(0.3, "BAB II selesai")
    facts = _chapter_three(doc, data, recap, city, charts_on)
    step(0.6, "BAB III selesai")
    _chapter_four(doc, data, recap, texts, facts)
    _appendix(doc, data)
    step(0.9, "Lampiran selesai")
    return doc


# ---------------------------------------------------------------------------------- BAB I

def _chapter_one(doc: Document, data: AnnexData, texts: dict) -> None:
    doc.add(PageBreak(), Heading("BAB I PENDAHULUAN", 0), Heading("1.1 Latar Belakang"),
            *[Paragraph(p) for p in texts["background"].split("\n") if p.strip()],
            Heading("1.2 Dasar Hukum"),
            *[Paragraph(f"{i}. {line.strip()}", "list")
              for i, line in enumerate([x for x in texts["legal"].split("\n") if x.strip()], 1)],
            Heading("1.3 Maksud dan Tujuan"),
            *[Paragraph(f"{i}. {line.strip()}", "list")
              for i, line in enumerate([x for x in texts["aims"].split("\n") if x.strip()], 1)])


# ---------------------------------------------------------------------------------- BAB II

def _chapter_two(doc: Document, data: AnnexData, charts_on: bool) -> None:
    numbering = el.NUMBERING_LABELS.get(data.numbering, data.numbering)
    n = len(data.keys)
    doc.add(PageBreak(), Heading("BAB II METODE SURVEI", 0), Heading("2.1 Metode dan Unsur"),
            Paragraph(f"Survei mengukur {n} unsur pelayanan dengan skala 1-4 sesuai Peraturan Menteri "
                      f"PANRB Nomor 14 Tahun 2017. Nilai per unsur (NRR) adalah jumlah nilai dibagi "
                      f"jumlah jawaban; IKM unit adalah jumlah NRR tertimbang (bobot 1/{n}) dikali 25. "
                      f"Penomoran unsur dalam laporan ini: {numbering}."),
            Table(CAPTIONS["elements"], ["No", "Kode", "Unsur Pelayanan"],
                  [[str(i), data.u(k), _element_name(k)] for i, k in enumerate(data.keys, 1)],
                  widths=[1, 1.5, 8]),
            Table(CAPTIONS["intervals"], ["Nilai persepsi", "Interval NRR", "Interval konversi", "Mutu", "Kinerja"],
                  [[str(i), f"{format_id(nlo, 4)} - {format_id(nhi, 4)}", f"{format_id(lo, 2)} - {format_id(hi, 2)}",
                    c, scoring.CATEGORY_NAMES[c]] for i, (c, nlo, nhi, lo, hi) in
                   enumerate(sorted(scoring.CATEGORY_INTERVALS, key=lambda t: t[1]), 1)],
                  widths=[2, 3, 3, 1.5, 3]),
            Paragraph("Mutu ditentukan dari nilai konversi yang dibulatkan dua desimal.", "note"))
    # Schedule: the units' own survey windows.
    starts = [v.survey_start for v in data.views if v.survey_start]
    ends = [v.survey_end for v in data.views if v.survey_end]
    methods: dict[str, int] = {}
    for v in data.views:
        methods[v.method or "tidak disebutkan"] = methods.get(v.method or "tidak disebutkan", 0) + 1
    doc.add(Heading("2.2 Jadwal dan Periode Pelaksanaan"))
    if starts and ends:
        doc.add(Paragraph(f"Survei periode {data.label} dilaksanakan oleh unit pada rentang "
                          f"{format_window(min(starts), max(ends))}; periode pelaksanaan setiap unit "
                          "dicantumkan pada Lampiran 1."))
    else:
        doc.add(Paragraph(f"Periode pelaksanaan survei {data.label} tidak dilaporkan oleh unit."))
    doc.add(Paragraph("Metode pengumpulan data: " + ", ".join(
        f"{m} ({c} unit)" for m, c in sorted(methods.items(), key=lambda t: (-t[1], t[0]))) + "."))
    # Participation per group, in the admin's group order.
    groups: dict[str, list] = {}
    for v in data.views:
        groups.setdefault(v.unit.group or "Tanpa kelompok", []).append(v)
    total_units = len(data.views)
    total_resp = sum(v.respondents or 0 for v in data.views)
    rows = [[g, str(len(vs)), format_id(sum(x.respondents or 0 for x in vs), 0),
             format_id(N.share(sum(x.respondents or 0 for x in vs), total_resp), 2)]
            for g, vs in groups.items()]
    doc.add(Heading("2.3 Partisipasi"),
            Paragraph(f"Sebanyak {total_units} unit pelayanan melaporkan hasil survei {data.label} "
                      f"dengan {format_id(total_resp, 0)} responden.", summarises=CAPTIONS["participation"]),
            Table(CAPTIONS["participation"], ["Kelompok", "Jumlah unit", "Responden", "Persen responden"],
                  rows, widths=[6, 2, 2.5, 2.5], numeric={1, 2, 3},
                  footer=["Jumlah", str(total_units), format_id(total_resp, 0), format_id(100.0 if total_resp else 0, 2)]))
    if charts_on and rows:
        doc.add(Figure("Gambar 2.1 Responden per kelompok unit",
                       charts.bars([r[0] for r in rows], [sum(x.respondents or 0 for x in groups[r[0]]) for r in rows],
                                   "Responden per kelompok unit")))
    _demographics(doc, data)


def _demographics(doc: Document, data: AnnexData) -> None:
    from ..domain.demographics import ATTRIBUTES
    from ..results.demographics import profiles
    whole, _ = profiles(data.code)
    doc.add(Heading("2.4 Profil Responden"))
    if whole.empty:
        doc.add(Paragraph("Data per responden tidak tersedia untuk periode ini (unit melaporkan hasil "
                          "rekap), sehingga profil responden tidak disajikan."))
        return
    doc.add(Paragraph(f"Profil {format_id(whole.respondents, 0)} responden yang datanya tersedia per "
                      "responden."))
    for i, (attribute, label) in enumerate(ATTRIBUTES, 1):
        shares = whole.by_attribute.get(attribute) or []
        if not shares:
            continue
        doc.add(Table(f"Tabel 2.{3 + i} Responden menurut {label.lower()}", [label, "Jumlah", "Persen"],
                      [[s.label, format_id(s.count, 0), format_id(s.percent, 2)] for s in shares],
                      widths=[6, 2, 2], numeric={1, 2}))


# ---------------------------------------------------------------------------------- BAB III

def _chapter_three(doc: Document, data: AnnexData, recap, city: str, charts_on: bool) -> dict:
    facts: dict = {}
    label = data.label
    previous = dd.views_for(data.ref.previous().code)
    prev_ikm = scoring.city_recap([v.result for v in previous]).ikm if previous else None
    city_sentence = N.city_ikm_sentence(city, label, recap.ikm, recap.units,
                                        scoring.AGGREGATION_LABELS_ID[recap.aggregation],
                                        data.ref.previous().label if previous else None, prev_ikm)
    facts["city_sentence"] = city_sentence
    doc.add(PageBreak(), Heading("BAB III HASIL SURVEI", 0), Heading("3.1 Indeks Kepuasan Masyarakat Kota"),
            Paragraph(city_sentence, summarises=CAPTIONS["t32"]))
    _table_31(doc, data, facts)
    facts["mean_sentence"] = N.mean_split_sentence(recap.above_mean, recap.below_mean, recap.ikm)
    _table_32(doc, data, recap, facts["mean_sentence"])
    if charts_on:
        doc.add(Figure("Gambar 3.2 Unit di atas dan di bawah rata-rata kota",
                       charts.bars(["Di atas rata-rata", "Sama atau di bawah"], [recap.above_mean, recap.below_mean],
                                   f"Rata-rata kota {format_id(recap.ikm, 3)}",
                                   [charts.COLORS["above"], charts.COLORS["below"]])))
    _table_33(doc, data, recap, facts, charts_on)
    _ranks(doc, data, facts)
    counts = scoring.category_counts([v.result for v in data.views])
    facts["category_sentence"] = N.category_sentence(counts)
    doc.add(Heading("3.5 Mutu Pelayanan Unit"),
            Paragraph(facts["category_sentence"], summarises=CAPTIONS["categories"]),
            Table(CAPTIONS["categories"], ["Mutu", "Kinerja", "Jumlah unit", "Persen"],
                  [[c, scoring.CATEGORY_NAMES[c], str(counts.get(c, 0)),
                    format_id(N.share(counts.get(c, 0), recap.units), 2)] for c in N.CATEGORY_ORDER],
                  widths=[1.5, 4, 2.5, 2.5], numeric={2, 3},
                  footer=["", "Jumlah", str(recap.units), format_id(100.0, 2)]))
    if charts_on:
        doc.add(Figure("Gambar 3.4 Sebaran mutu pelayanan unit",
                       charts.pie([f"{c} {scoring.CATEGORY_NAMES[c]}" for c in N.CATEGORY_ORDER],
                                  [counts.get(c, 0) for c in N.CATEGORY_ORDER], "Jumlah unit per mutu",
                                  charts.category_colors(list(N.CATEGORY_ORDER)))))
    _trend(doc, data, charts_on)
    _realisation_and_effect(doc, data, facts)
    return facts


def _table_31(doc: Document, data: AnnexData, facts: dict) -> None:
    header = ["No", "Unit Pelayanan"]
    for part in data.parts:
        short = _short_label(part.code)
        header += [f"{short}\nResp.", f"{short}\nIKM", f"{short}\nMutu"]
    change = data.change_from is not None
    if change:
        header += ["Ubah (%)", "Keterangan"]
    rows, counts = [], {"Naik": 0, "Turun": 0, "Stagnan": 0}
    for i, v in enumerate(data.views, 1):
        row = [str(i), v.unit.name]
        for part in data.parts:
            pv = part.views.get(v.unit.id)
            row += [_num(pv.respondents, 0) if pv else "", _num(pv.ikm) if pv else "",
                    (pv.category if pv else "")]
        if change:
            a, b = data.change_from.views.get(v.unit.id), data.change_to.views.get(v.unit.id)
            if a and b:
                pct = scoring.change_pct(a.ikm, b.ikm)
                word = scoring.trend_word(pct)
                counts[word] += 1
                row += [format_id(pct, 2), word]
            else:
                row += ["", ""]
        rows.append(row)
    footer = ["", "Rata-rata IKM unit / jumlah responden"]
    shown = {v.unit.id for v in data.views}
    for part in data.parts:
        results = [pv.result for pv in part.views.values() if pv.unit.id in shown]
        r = scoring.city_recap(results) if results else None
        footer += [_num(r.respondents, 0) if r else "", _num(r.ikm) if r else "", r.category if r else ""]
    if change:
        footer += ["", ""]  # the counts are in the sentence above the table, not squeezed in a cell
    numeric = {c for c in range(2, len(header)) if not header[c].endswith(("Mutu", "Keterangan"))}
    if change:
        facts["change_sentence"] = N.change_counts_sentence(counts, data.change_from.label, data.change_to.label)
        doc.add(Paragraph(facts["change_sentence"], summarises=CAPTIONS["t31"]))
    widths = [1.1, 5] + [1.4] * (len(header) - 2 - (2 if change else 0)) + ([1.5, 1.9] if change else [])
    doc.add(Table(CAPTIONS["t31"], header, rows, widths=widths,
                  numeric=numeric, footer=footer, font_size=7 if len(header) > 8 else 8))
    if change:
        doc.add(Figure("Gambar 3.1 Perubahan IKM unit", charts.bars(
            list(counts), list(counts.values()), f"{data.change_from.label} ke {data.change_to.label}",
            [charts.COLORS[w] for w in counts])))


def _short_label(code: str) -> str:
    """A column group's short heading: 'Smt I 2021', 'TW II 2021', 'Thn 2021'."""
    ref = P.parse_period(code)
    if ref.kind == "semester":
        return f"Smt {'I' if ref.number == 1 else 'II'} {ref.year}"
    if ref.kind == "quarter":
        return f"TW {['I', 'II', 'III', 'IV'][ref.number - 1]} {ref.year}"
    return f"Thn {ref.year}"


def _table_32(doc: Document, data: AnnexData, recap, mean_sentence: str) -> None:
    rows = []
    for i, v in enumerate(data.views, 1):
        keys, overridden = _priority_keys(v, data)
        prio = ", ".join(f"{data.u(k)} {_element_name(k)}" for k in keys) + (" (penyesuaian admin)" if overridden else "")
        rows.append([str(i), v.unit.name, _num(v.ikm), v.category, _num(v.respondents, 0), v.method or "",
                     prio, _num(previous_realisation(data, v.unit.id))])
    shown = {v.unit.id for v in data.views}
    city_prev = mean_rate(r.realisation for u, r in data.previous_rates.items() if u in shown)
    doc.add(Heading("3.2 IKM, Unsur Prioritas dan Realisasi Tindak Lanjut"),
            Paragraph(mean_sentence, summarises=CAPTIONS["t32"]),
            Paragraph(f"Unsur prioritas perbaikan adalah tiga unsur dengan NRR terendah (terendah lebih "
                      f"dahulu). Realisasi adalah realisasi RTL yang menjawab {data.ref.previous().label}, "
                      "hanya kemajuan yang telah diverifikasi.", "note"),
            Table(CAPTIONS["t32"], ["No", "Unit Pelayanan", "IKM", "Mutu", "Responden", "Metode",
                                    "Unsur Prioritas Perbaikan", "Realisasi RTL Periode Sebelumnya (%)"],
                  rows, widths=[1.1, 4.5, 1.3, 1, 1.5, 1.6, 5, 1.8], numeric={2, 4, 7}, font_size=7.5,
                  footer=["", f"Kota ({scoring.AGGREGATION_LABELS_ID[recap.aggregation]})", _num(recap.ikm),
                          recap.category, _num(recap.respondents, 0), "", "", _num(city_prev)]))


def _table_33(doc: Document, data: AnnexData, recap, facts: dict, charts_on: bool) -> None:
    ordered = scoring.elements_lowest_first(recap.elements)
    rows = [[str(i), data.u(k), _element_name(k), format_id(v, 3), format_id(v * 25, 2),
             scoring.nrr_category(v), scoring.CATEGORY_NAMES[scoring.nrr_category(v)]]
            for i, (k, v) in enumerate(ordered, 1)]
    facts["element_sentence"] = N.element_sentence([(f"{data.u(k)} {_element_name(k)}", v) for k, v in ordered])
    facts["lowest_element"] = ordered[0] if ordered else None
    doc.add(Heading("3.3 Nilai Unsur Pelayanan"),
            Paragraph(facts["element_sentence"], summarises=CAPTIONS["t33"]),
            Table(CAPTIONS["t33"], ["No", "Kode", "Unsur Pelayanan", "NRR", "Nilai Konversi", "Mutu", "Kinerja"],
                  rows, widths=[1.1, 1.2, 6, 1.5, 1.8, 1, 2.2], numeric={3, 4},
                  footer=["", "", "IKM kota", format_id(recap.ikm / 25, 3), format_id(recap.ikm, 2),
                          recap.category, scoring.CATEGORY_NAMES[recap.category]]))
    if charts_on and ordered:
        doc.add(Figure("Gambar 3.3 Nilai unsur kota dari terendah ke tertinggi",
                       charts.hbars([f"{data.u(k)} {_element_name(k)}" for k, _ in ordered],
                                    [v for _, v in ordered], "NRR per unsur",
                                    charts.category_colors([scoring.nrr_category(v) for _, v in ordered]),
                                    lo=1, hi=4)))


def _ranks(doc: Document, data: AnnexData, facts: dict) -> None:
    results = [v.result for v in data.views]
    top, bottom = scoring.top(results), scoring.bottom(results)
    doc.add(Heading("3.4 Peringkat Unit"))
    for caption, kind, chosen in ((CAPTIONS["t34"], "tertinggi", top), (CAPTIONS["t35"], "terendah", bottom)):
        sentence = N.ranking_sentence(kind, [r.unit for r in chosen])
        facts[f"rank_{kind}"] = sentence
        doc.add(Paragraph(sentence, summarises=caption),
                Table(caption, ["Peringkat", "Unit Pelayanan", "Kelompok", "Responden", "IKM", "Mutu"],
                      [[str(i), r.unit, r.group or "", _num(r.respondents, 0), _num(r.ikm), r.category]
                       for i, r in enumerate(chosen, 1)], widths=[1.2, 6, 3, 1.6, 1.4, 1], numeric={3, 4}))


def _trend(doc: Document, data: AnnexData, charts_on: bool) -> None:
    """The city IKM per year: the years the system holds, and before them the values the admin
    entered from the city's published reports."""
    held = {row[0]: row for row in dd.city_trend().rows if P.parse_period(row[0]).kind == "year"}
    history = {h.year: h for h in HistoricalIkm.query.order_by(HistoricalIkm.year).all()}
    last_year = data.ref.year
    years = sorted({y for y in history if y <= last_year} |
                   {int(c) for c in held if int(c) <= last_year})
    rows, values, labels = [], [], []
    for y in years:
        if str(y) in held:
            ikm, units, source = held[str(y)][2], held[str(y)][4], "hasil dalam aplikasi"
        else:
            h = history[y]
            ikm, units, source = h.ikm, h.units, f"laporan kota ({h.source})"
        # The word beside each value comes from that value and the one before it.
        word = N.trend_word(values[-1], ikm) if values else None
        rows.append([str(y), format_id(ikm, 2), scoring.category(ikm), word or "-", _num(units, 0), source])
        values.append(ikm)
        labels.append(str(y))
    header = ["Tahun", "IKM kota", "Mutu", "Dibanding tahun sebelumnya", "Jumlah unit", "Sumber"]
    widths = [1.4, 1.8, 1.1, 2.4, 1.8, 5.5]
    doc.add(Heading("3.6 Tren IKM Kota"))
    if len(rows) < 2:
        doc.add(Paragraph("Belum ada dua tahun IKM kota untuk ditampilkan sebagai tren; nilai tahun-tahun "
                          "sebelum aplikasi dapat dimasukkan admin dari laporan kota."))
        if rows:
            doc.add(Table(CAPTIONS["trend"], header, rows, widths=widths, numeric={1, 4}))
        return
    first, last = values[0], values[-1]
    doc.add(Paragraph(f"IKM kota {labels[0]}-{labels[-1]}: dari {format_id(first, 2)} pada {labels[0]} "
                      f"{N.change_phrase(first, last)} pada {labels[-1]}.", summarises=CAPTIONS["trend"]),
            Table(CAPTIONS["trend"], header, rows, widths=widths, numeric={1, 4}))
    if charts_on:
        doc.add(Figure(f"Gambar 3.5 IKM kota {labels[0]}-{labels[-1]}",
                       charts.line(labels, values, f"IKM kota {labels[0]}-{labels[-1]}")))


def _realisation_and_effect(doc: Document, data: AnnexData, facts: dict) -> None:
    prev_ref = data.ref.previous()
    prev_status = status_mod.period_status(prev_ref.code)
    counted = [u for u in prev_status.units if u.plan_status == "accepted"]
    facts["realisation_sentence"] = N.realisation_sentence(prev_ref.label, prev_status.realisation,
                                                           len(counted), len(prev_status.without_accepted_plan))
    doc.add(Heading("3.7 Realisasi Tindak Lanjut Periode Sebelumnya"),
            Paragraph(facts["realisation_sentence"], summarises=CAPTIONS["t32"]))
    # Effect of this period's follow-up: per element the units acted on, NRR before and after.
    st = data.status
    by_element: dict[str, list] = {}
    for u in (st.units if st else []):
        if u.plan_status != "accepted":
            continue
        for e in status_mod.unit_effects(u):
            by_element.setdefault(e.element, []).append(e)
    rows, effects = [], []
    for key in data.keys:
        items = by_element.get(key)
        if not items:
            continue
        before = sum(e.before for e in items if e.before is not None) / max(1, sum(1 for e in items if e.before is not None))
        afters = [e.after for e in items if e.after is not None]
        after = sum(afters) / len(afters) if afters else None
        realised = mean_rate(e.realisation for e in items)
        effects.append(N.ElementEffect(f"{data.u(key)} {_element_name(key)}", before, after, len(items)))
        rows.append([data.u(key), _element_name(key), str(len(items)), _num(realised), format_id(before, 3),
                     _num(after, 3), "" if after is None else N.trend_word(before, after) or ""])
    facts["effect_sentence"] = N.effect_sentence(effects)
    doc.add(Heading("3.8 Efek Tindak Lanjut"),
            Paragraph(facts["effect_sentence"], summarises=CAPTIONS["effect"]),
            Table(CAPTIONS["effect"], ["Kode", "Unsur", "Unit", "Realisasi (%)", f"NRR {data.label}",
                                       f"NRR {data.ref.next().label}", "Keterangan"],
                  rows or [["", "Belum ada RTL yang diterima", "", "", "", "", ""]],
                  widths=[1, 5, 1.2, 1.8, 1.8, 1.8, 1.8], numeric={2, 3, 4, 5}))


# ---------------------------------------------------------------------------------- BAB IV

def _chapter_four(doc: Document, data: AnnexData, recap, texts: dict, facts: dict) -> None:
    lowest = facts.get("lowest_element")
    lowest_text = (f"Unsur dengan nilai terendah adalah {data.u(lowest[0])} {_element_name(lowest[0])} "
                   f"({format_id(lowest[1], 3)}).") if lowest else None
    items = N.conclusions(facts["city_sentence"], facts["category_sentence"], lowest_text,
                          facts["realisation_sentence"])
    doc.add(PageBreak(), Heading("BAB IV PENUTUP", 0), Heading("4.1 Kesimpulan"),
            *[Paragraph(f"{i}. {t}", "list") for i, t in enumerate(items, 1)],
            Heading("4.2 Potensi dan Kendala"),
            *[Paragraph(p) for p in texts["potential"].split("\n") if p.strip()],
            Heading("4.3 Rencana Tindak Lanjut Kota"))
    _city_plan(doc, data)


def _city_plan(doc: Document, data: AnnexData) -> None:
    """The plan of the unit that stands for the city: written, reported, verified and monitored
    like any unit's plan, its priorities the city's lowest elements."""
    from ..followup import rates
    from ..followup.plans import get_plan
    from ..models import Unit
    from ..models.followup import PLAN_STATUS_LABELS
    city = Unit.query.filter_by(is_city=True).first()
    plan = get_plan(city.id, data.period) if city is not None else None
    if city is None:
        doc.add(Paragraph("Belum ada unit yang ditetapkan mewakili pemerintah kota. Tetapkan satu unit "
                          "(Admin, Unit) lalu susun RTL kota di aplikasi seperti RTL unit; RTL itu "
                          "dipantau dan diverifikasi seperti RTL unit dan dicetak di sini."))
        return
    if plan is None or not plan.actions:
        doc.add(Paragraph(f"RTL kota ({city.name}) untuk {data.label} belum disusun di aplikasi."))
        return
    rate = rates.plan_rate(plan)
    doc.add(Paragraph(f"RTL kota disusun oleh {city.name} (status: {PLAN_STATUS_LABELS.get(plan.status, plan.status)}); "
                      f"realisasi terverifikasi {_num(rate.realisation)}%.", summarises=CAPTIONS["city_plan"]))
    rows = []
    for n, a in enumerate(plan.actions, 1):
        state = rates.action_state(a)
        quarters = ", ".join(P.parse_quarter(q).label for q in sorted(a.quarters or []))
        rows.append([str(n), f"{data.u(a.element)} {_element_name(a.element)}", a.text, a.owner or "",
                     quarters, _num(state.realisation)])
    doc.add(Table(CAPTIONS["city_plan"], ["No", "Unsur", "Kegiatan", "Penanggung Jawab", "Triwulan",
                                          "Realisasi (%)"], rows,
                  widths=[1.1, 3, 6, 3.2, 3, 1.8], numeric={5}, font_size=8))


# ---------------------------------------------------------------------------------- Lampiran

def _appendix(doc: Document, data: AnnexData) -> None:
    doc.add(PageBreak(), Heading("LAMPIRAN 1 HASIL SKM DAN RENCANA TINDAK LANJUT PER UNIT", 0))
    for i, v in enumerate(data.views, 1):
        _unit_block(doc, data, i, v)
    _evidence(doc, data)


def _unit_block(doc: Document, data: AnnexData, i: int, v) -> None:
    """Surakarta's block: per survey behind the figure (each semester of a year), the 3-row table
    of S, NRR and weighted NRR with the IKM; for a figure averaged from parts, the period's NRR
    per element with its mutu."""
    res = v.result
    keys = [k for k in data.keys if k in res.nrrs]
    doc.add(Heading(f"{i}. {v.unit.name}", 2),
            Paragraph(f"Kelompok: {v.unit.group or '-'}; narahubung: {v.unit.contact or '-'} "
                      f"({v.unit.phone or '-'}); responden: {_num(v.respondents, 0)}; metode: "
                      f"{v.method or '-'}; periode pelaksanaan: {format_window(v.survey_start, v.survey_end) or '-'}; "
                      f"nilai: {v.source}.", "note"))
    for k_part, stored in enumerate(v.rows, 1):
        scores = {e.element: e for e in stored.elements}
        nrrs = {k: e.nrr for k, e in scores.items()}
        weighted = scoring.weighted_nrrs(nrrs) if nrrs else {}
        label = P.parse_period(stored.period.code).label
        suffix = f".{k_part}" if len(v.rows) > 1 else ""
        doc.add(Table(f"Lampiran 1.{i}{suffix} Nilai unsur {v.unit.name}, {label}",
                      ["", *[data.u(k) for k in keys], "Jumlah"],
                      [["S nilai unsur", *[_num(scores[k].total if k in scores else None, 0) for k in keys], ""],
                       ["NRR / unsur", *[_num(nrrs.get(k), 3) for k in keys], ""],
                       ["NRR tertimbang", *[_num(weighted.get(k), 3) for k in keys],
                        _num(sum(weighted.values()) if weighted else None, 3)]],
                      widths=[3] + [1.2] * len(keys) + [1.5], numeric=set(range(1, len(keys) + 2)), font_size=7.5),
                Paragraph(f"{label}: hasil konversi IKM {_num(scoring.ikm(nrrs) if nrrs else None, 2)}; mutu "
                          f"{N.category_phrase(scoring.category(scoring.ikm(nrrs))) if nrrs else '-'}.", "note"))
    if len(v.rows) != 1:  # the figure is a mean of parts: its own NRR per element
        doc.add(Table(f"Lampiran 1.{i} NRR {data.label} {v.unit.name} ({v.source})", ["", *[data.u(k) for k in keys]],
                      [["NRR / unsur", *[format_id(res.nrrs[k], 3) for k in keys]],
                       ["Mutu", *[scoring.nrr_category(res.nrrs[k]) for k in keys]]],
                      widths=[3] + [1.2] * len(keys), numeric=set(range(1, len(keys) + 1)), font_size=7.5),
                Paragraph(f"IKM {data.label}: {format_id(v.ikm, 2)}; mutu {N.category_phrase(v.category)}.", "note"))
    plan = data.plans.get(v.unit.id)
    if plan is None or not plan.actions:
        doc.add(Paragraph("Rencana tindak lanjut: belum ada RTL yang diterima.", "note"))
        return
    quarters = data.quarters
    rows = []
    for n, a in enumerate(plan.actions, 1):
        marks = set(a.quarters or [])
        rows.append([str(n), f"{data.u(a.element)} {_element_name(a.element)}", a.text,
                     *["\u2713" if q.code in marks else "" for q in quarters], a.owner or "", a.target or ""])
    doc.add(Table(f"Lampiran 1.{i} RTL {v.unit.name}",
                  ["No", "Prioritas Unsur", "Program / Kegiatan", *[_quarter_head(q) for q in quarters],
                   "Penanggung Jawab", "Target"],
                  rows, widths=[1.1, 2.6, 4.4] + [1.35] * len(quarters) + [2.6, 2.0], font_size=7))


def _quarter_head(q) -> str:
    """'TW IV' over '2021': a narrow column's heading."""
    year, _, quarter = q.label.partition(" ")
    return f"{quarter}\n{year}" if quarter else q.label


def _evidence(doc: Document, data: AnnexData) -> None:
    """Lampiran 2: per unit, its SKM report and its realisation reports, as full addresses."""
    base = _base_url()
    reports = {s.unit_id: s for s in ResultSubmission.query.filter(
        ResultSubmission.period_id == getattr(data.period, "id", -1), ResultSubmission.status == "accepted")}
    rows = []
    for i, v in enumerate(data.views, 1):
        sub = reports.get(v.unit.id)
        if sub is not None and sub.report_link:
            report = sub.report_link
        elif sub is not None and sub.report_path:
            path = f"/pelaporan/kiriman/{sub.id}/laporan"
            report = (base + path) if base else f"{sub.report_name or 'laporan'} (aplikasi: {path})"
        else:
            report = "-"
        links = []
        for plan in (data.previous_plans.get(v.unit.id),):
            for action in (plan.actions if plan is not None else []):
                for entry in data.entries.get(action.id, ()):
                    if entry.status == "rejected" or not (entry.evidence_link or entry.evidence_name):
                        continue
                    url, text = evidence_address(entry, base)
                    links.append(url or text)
        shown = links[:5] + ([f"... dan {len(links) - 5} bukti lainnya"] if len(links) > 5 else [])
        rows.append([str(i), v.unit.name, report, "\n".join(shown) or "-"])
    doc.add(PageBreak(), Heading("LAMPIRAN 2 TAUTAN LAPORAN SKM DAN LAPORAN REALISASI TINDAK LANJUT", 0),
            Paragraph(f"Laporan realisasi: bukti RTL yang menjawab {data.ref.previous().label} (yang tidak "
                      "ditolak). Alamat lengkap memakai alamat aplikasi yang diatur (PUBLIC_BASE_URL).", "note"),
            Table("Lampiran 2 Tautan laporan per unit", ["No", "Unit Pelayanan", "Laporan SKM",
                                                         "Laporan Realisasi Tindak Lanjut"],
                  rows, widths=[1.1, 4, 5, 7], font_size=7))
