"""Excel annexes (lampiran) of a period, print-ready, written with xlsxwriter.

One workbook per period, one sheet per table:

- ``Tabel 3.1``  semester recap (respondents / IKM / category per part, % change, Naik/Turun/Stagnan)
- ``Tabel 3.2``  IKM, category, respondents, method, priority elements, RTL, previous realisation
- ``Tabel 3.3``  city element averages with categories; ``Tabel 3.4`` top 10, ``Tabel 3.5`` bottom 10
- ``Lampiran 1`` one block per unit in Surakarta's layout (identity, per-semester S / NRR /
  NRR tertimbang table, the period's NRR with mutu, category intervals, RTL with quarters and
  realisation); a page break after every unit
- ``Lampiran 2`` realisation evidence per unit (links)

Numbers. Every number is written as a number (never as text) with a number format such as
``0.000``. In the xlsx format the ``.`` of a number format is the locale's decimal separator, so
Excel and LibreOffice running with an Indonesian locale show ``86,546`` and a sum or chart made
from the cells still works; a text approach ("86,546" as a string) would print the same but break
every further calculation. Values are written unrounded, so they equal ``skm summary``.

Size. Workbooks are written in xlsxwriter's normal (in-memory) mode: ``constant_memory`` needs rows
written strictly in order and forbids the merged header cells the blocks use. A 500-unit annex
stays small (tens of thousands of cells); see the export timings in the report tests.

Formula-like text (``=``, ``+``, ``-``, ``@`` ...) is neutralised by :mod:`tracker.reports.safe`.
"""
from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable

from ..domain import elements as el
from ..domain import periods as P
from ..domain import scoring
from ..domain.dates import format_window
from ..domain import realisation as R
from ..domain.realisation import OUTCOMES
from ..domain.realisation import mean_rate
from ..extensions import core_rows, db
from ..followup import status as status_mod
from ..models import Action, Period
from ..results import service
from .safe import CheckedWorkbook, neutralise, write_text
from .pausing import collector_paused
from .textfit import max_lines, points_for, row_points, wrapped_lines

Progress = Callable[[float, str], None]

CHECK = "\u2713"
TITLE_CITY = "Survei Kepuasan Masyarakat"


# --------------------------------------------------------------------------------------------
# Data


@dataclass
class Part:
    """A column group of Tabel 3.1 (a semester, the year, or the previous period)."""
    code: str
    label: str
    views: dict[int, service.UnitView]


@dataclass
class AnnexData:
    code: str
    ref: P.PeriodRef
    period: Period | None
    numbering: str
    keys: list[str]
    views: list[service.UnitView]
    parts: list[Part] = field(default_factory=list)
    change_from: Part | None = None
    change_to: Part | None = None
    plans: dict[int, object] = field(default_factory=dict)  # unit_id -> Plan
    rates: dict[int, object] = field(default_factory=dict)  # unit_id -> realisation.Status
    previous_plans: dict[int, object] = field(default_factory=dict)
    previous_rates: dict[int, object] = field(default_factory=dict)
    # The admin's priority override per unit, whatever the plan's status (a draft's too).
    overrides: dict[int, list[str]] = field(default_factory=dict)
    status: object = None  # followup.status.PeriodStatus (effect of follow-up)
    quarters: list[P.Quarter] = field(default_factory=list)
    # action id -> its progress entries that were not rejected (rows), for the evidence lists
    entries: dict[int, list] = field(default_factory=dict)

    def action_state(self, action):
        """An action's realisation and outcome: the state its row keeps, which the domain's rules
        wrote from its entries in the same transaction as any change (``followup.state``)."""
        if action.outcome is None:  # a row written before the state was kept: from its entries
            from ..followup.rates import entries_of
            return R.action_state(entries_of(db.session.get(Action, action.id)), action.not_actionable)
        return R.ActionState(float(action.percent) if action.percent is not None else 0.0, action.outcome)

    @property
    def label(self) -> str:
        return self.ref.label

    def u(self, key: str) -> str:
        try:
            return el.u_code(key, self.numbering)
        except ValueError:
            return key

    def u_label(self, key: str) -> str:
        return f"{self.u(key)} ({el.ELEMENTS[key].name if key in el.ELEMENTS else key})"


def element_order(numbering: str, views: list[service.UnitView], period: Period | None) -> list[str]:
    present: list[str] = []
    for v in views:
        present += [k for k in v.result.nrrs if k not in present]
    if period is not None and period.element_keys:
        present += [k for k in period.element_keys if k not in present]
    ordered = [k for k in el.numbering_keys(numbering) if k in present]
    return ordered + [k for k in present if k not in ordered]


def load_data(code: str, unit_ids: set[int] | None = None) -> AnnexData:
    from ..results.order import in_org_order
    ref = P.parse_period(code)
    # This period, the one before (Tabel 3.1's change) and the one after (the effect of
    # follow-up), with one load of the stored rows.
    loaded = service.views_for_codes([ref.code, ref.previous().code, ref.next().code], unit_ids)
    views = in_org_order(loaded[ref.code], lambda v: v.unit)  # organisational order
    if not views:
        raise LookupError(f"Periode {ref.code} belum memiliki hasil SKM.")
    period = service.get_period(ref.code)
    numbering = service.display_numbering(ref, period)
    data = AnnexData(code=ref.code, ref=ref, period=period, numbering=numbering,
                     keys=element_order(numbering, views, period), views=views)

    # Tabel 3.1 column groups.
    this = Part(ref.code, ref.label, {v.unit.id: v for v in views})
    if ref.kind == "year":
        # Each unit's year view holds its semesters (its own results or rolled up from its
        # quarters): the same figures the year was computed from, no second load.
        by_period: dict[str, dict[int, service.UnitView]] = {}
        for v in views:
            for part in v.parts:
                by_period.setdefault(part.code, {})[v.unit.id] = part
        subs = [Part(s.code, s.label, by_period.get(s.code, {})) for s in ref.semesters()]
        subs = [s for s in subs if s.views]
        data.parts = subs + [this]
        if len(subs) >= 2:
            data.change_from, data.change_to = subs[-2], subs[-1]
    else:
        prev_ref = ref.previous()
        prev_views = loaded[prev_ref.code]
        if prev_views:
            prev = Part(prev_ref.code, prev_ref.label, {v.unit.id: v for v in prev_views})
            data.parts = [prev, this]
            data.change_from, data.change_to = prev, this
        else:
            data.parts = [this]

    # RTL answering this period, and the previous period's (realisation_previous); a year with
    # no plan of its own gathers its semesters' or quarters' plans (followup.status).
    figures = status_mod.plan_figures(ref, unit_ids=unit_ids)
    prev = status_mod.plan_figures(ref.previous(), unit_ids=unit_ids)
    # The sheets read every accepted plan's actions and their progress entries, as plain rows
    # in two set-based queries: thousands of ORM objects cost more than writing them.
    accepted_plans = [p for f in (*figures.values(), *prev.values()) if f.accepted for p in f.plans]
    actions = _action_rows(accepted_plans)
    data.rates = {uid: f.status for uid, f in figures.items() if f.accepted}
    data.plans = {uid: _plan_of(f, actions) for uid, f in figures.items() if f.accepted}
    data.overrides = {uid: list(p.override_elements) for uid, f in figures.items() for p in f.plans
                      if p.override_elements and p.period_id == getattr(period, "id", None)}
    data.previous_rates = {uid: f.status for uid, f in prev.items() if f.accepted}
    data.previous_plans = {uid: _plan_of(f, actions) for uid, f in prev.items() if f.accepted}
    data.status = status_mod.period_status(ref.code, unit_ids=unit_ids, loaded=loaded, figures=figures)
    if actions:
        from sqlalchemy import select

        from ..models import ProgressEntry
        e = ProgressEntry.__table__
        rows = core_rows(
            select(e.c.action_id, e.c.id, e.c.quarter, e.c.percent, e.c.status,
                   e.c.evidence_link, e.c.evidence_name)
            .join(Action, Action.id == e.c.action_id)
            .where(Action.plan_id.in_([p.id for p in accepted_plans]), e.c.status != R.REJECTED)
            .order_by(e.c.id))
        for row in rows:
            data.entries.setdefault(row.action_id, []).append(row)

    quarters = set(ref.plan_quarters())
    for plan in data.plans.values():
        for action in plan.actions:
            for q in action.quarters or []:
                try:
                    quarters.add(P.parse_quarter(q))
                except P.BadPeriod:
                    pass
    data.quarters = sorted(quarters)
    return data


@dataclass
class GatheredPlan:
    """The plans answering a year's semesters or quarters, read as one plan by the sheets."""
    plans: list
    actions: list
    override_elements = None

    @property
    def label(self) -> str:
        return "rata-rata realisasi RTL " + ", ".join(p.period.code for p in self.plans)


@dataclass
class ActionRow:
    """An action as the sheets print it (no ORM object)."""
    id: int
    plan_id: int
    element: str
    text: str
    quarters: list
    owner: str | None
    target: str | None
    not_actionable: bool
    period_code: str  # the period its plan answers
    percent: float | None = None  # latest verified percentage (the row's kept state)
    outcome: str | None = None  # its outcome, as the row keeps it


@dataclass
class PlanActions:
    """One accepted plan with its actions, as the sheets read it."""
    plan: object
    actions: list


def _action_rows(plans) -> dict[int, list[ActionRow]]:
    """{plan id: its actions in order}, one query."""
    if not plans:
        return {}
    from sqlalchemy import select
    a = Action.__table__
    codes = {p.id: p.period.code for p in plans}
    out: dict[int, list[ActionRow]] = {pid: [] for pid in codes}
    for r in core_rows(
            select(a.c.id, a.c.plan_id, a.c.element, a.c.text, a.c.quarters, a.c.owner, a.c.target,
                   a.c.not_actionable, a.c.state_percent, a.c.state_outcome)
            .where(a.c.plan_id.in_(list(codes))).order_by(a.c.id)):
        out[r.plan_id].append(ActionRow(r.id, r.plan_id, r.element, r.text, list(r.quarters or []), r.owner,
                                        r.target, bool(r.not_actionable), codes[r.plan_id],
                                        r.state_percent, r.state_outcome))
    return out


def _plan_of(figures, actions: dict[int, list[ActionRow]]):
    if not figures.gathered:
        plan = figures.plans[0]
        return PlanActions(plan, actions.get(plan.id, []))
    accepted = [p for p in figures.plans if p.status == "accepted"]
    return GatheredPlan(accepted, [a for p in accepted for a in actions.get(p.id, [])])


def previous_realisation(data: AnnexData, unit_id: int) -> float | None:
    rate = data.previous_rates.get(unit_id)
    return None if rate is None else rate.realisation


# --------------------------------------------------------------------------------------------
# Formats


class Formats:
    """Cell formats, created once per workbook (xlsxwriter formats are shared objects)."""

    def __init__(self, wb):
        base = {"font_name": "Arial", "font_size": 9, "valign": "top"}
        cell = dict(base, border=1)

        def f(**kw):
            return wb.add_format(kw)

        self.title = f(**dict(base, bold=True, font_size=12))
        self.subtitle = f(**dict(base, italic=True, font_color="#444444"))
        self.note = f(**dict(base, italic=True, font_color="#444444", text_wrap=True))
        self.label = f(**dict(base, bold=True))
        self.value = f(**base)
        self.head = f(**dict(cell, bold=True, bg_color="#D9E1F2", align="center", valign="vcenter",
                             text_wrap=True))
        self.text = f(**dict(cell, text_wrap=True))
        self.center = f(**dict(cell, align="center"))
        self.int = f(**dict(cell, num_format="#,##0"))
        self.nrr = f(**dict(cell, num_format="0.000"))
        self.ikm = f(**dict(cell, num_format="0.000"))
        self.pct = f(**dict(cell, num_format="0.00"))
        self.rowlabel = f(**dict(cell, bold=True, text_wrap=True))
        self.mean_text = f(**dict(cell, bold=True, bg_color="#F2F2F2", text_wrap=True))
        self.mean_int = f(**dict(cell, bold=True, bg_color="#F2F2F2", num_format="#,##0"))
        self.mean_ikm = f(**dict(cell, bold=True, bg_color="#F2F2F2", num_format="0.000"))
        self.mean_pct = f(**dict(cell, bold=True, bg_color="#F2F2F2", num_format="0.00"))
        self.unit_head = f(**dict(base, bold=True, font_size=11, bottom=2))
        self.link = f(**dict(cell, font_color="#0B5CAD", underline=1, text_wrap=True))
        self.cat = {c: f(**dict(cell, bold=True, align="center", font_color=color))
                    for c, color in (("A", "#1E7D32"), ("B", "#2F6FB3"), ("C", "#B06A00"),
                                     ("D", "#B3261E"))}


def num(ws, row, col, value, fmt, blank_fmt=None):
    """A number cell, or an empty bordered cell when there is no value."""
    if value is None:
        ws.write_blank(row, col, None, blank_fmt or fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def page_setup(ws, header_rows: tuple[int, int] | None, title: str, fit_width: bool = True):
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    if fit_width:
        ws.fit_to_pages(1, 0)
    if header_rows:
        ws.repeat_rows(*header_rows)
    ws.set_header(f"&L&8{_hf(title)}&R&8&D")
    ws.set_footer("&C&8Halaman &P dari &N")


def fit_row(ws, row: int, cells) -> None:
    """Set a row's height for wrapped text: ``cells`` is [(text, column width in characters)]
    (``textfit``: Arial's widths and a word wrap; neither xlsxwriter nor LibreOffice's import
    grows rows by itself)."""
    height = row_points(cells)
    if height:
        ws.set_row(row, height)


def _hf(text: str) -> str:
    return text.replace("&", "&&")


def _cat(fmts: Formats, code: str | None):
    return fmts.cat.get(code or "", fmts.center)


# --------------------------------------------------------------------------------------------
# Sheets


def sheet_table_31(wb, fmts: Formats, data: AnnexData, progress: Progress | None = None):
    ws = wb.add_worksheet("Tabel 3.1")
    title = f"Tabel 3.1 Rekapitulasi IKM per Unit Pelayanan, {data.label}"
    ws.write_string(0, 0, title, fmts.title)
    ws.write_string(1, 0, "IKM pada skala 25-100; kategori dari nilai yang dibulatkan 2 desimal. "
                          "Baris rata-rata: rata-rata IKM unit (bukan tertimbang responden).",
                    fmts.subtitle)
    parts = data.parts
    ws.merge_range(3, 0, 4, 0, "No", fmts.head)
    ws.merge_range(3, 1, 4, 1, "Unit Pelayanan", fmts.head)
    col = 2
    for part in parts:
        ws.merge_range(3, col, 3, col + 2, part.label, fmts.head)
        ws.write_string(4, col, "Responden", fmts.head)
        ws.write_string(4, col + 1, "IKM", fmts.head)
        ws.write_string(4, col + 2, "Kategori", fmts.head)
        col += 3
    change_col = col
    if data.change_from:
        ws.merge_range(3, col, 3, col + 1,
                       f"Perubahan {data.change_from.label} ke {data.change_to.label}", fmts.head)
        ws.write_string(4, col, "%", fmts.head)
        ws.write_string(4, col + 1, "Keterangan", fmts.head)
        col += 2
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 42)
    ws.set_column(2, col - 1, 10)
    ws.set_row(3, 26)
    page_setup(ws, (3, 4), title)
    ws.freeze_panes(5, 2)

    row = 5
    counts = {"Naik": 0, "Turun": 0, "Stagnan": 0}
    for i, v in enumerate(data.views, 1):
        uid = v.unit.id
        ws.write_number(row, 0, i, fmts.center)
        write_text(ws, row, 1, v.unit.name, fmts.text)
        fit_row(ws, row, [(v.unit.name, 42)])
        c = 2
        for part in parts:
            pv = part.views.get(uid)
            num(ws, row, c, pv.respondents if pv else None, fmts.int)
            num(ws, row, c + 1, pv.ikm if pv else None, fmts.ikm)
            write_text(ws, row, c + 2, pv.category if pv else "", _cat(fmts, pv.category if pv else None))
            c += 3
        if data.change_from:
            a = data.change_from.views.get(uid)
            b = data.change_to.views.get(uid)
            if a and b:
                pct = scoring.change_pct(a.ikm, b.ikm)
                word = scoring.trend_word(pct)
                counts[word] += 1
                ws.write_number(row, change_col, pct, fmts.pct)
                write_text(ws, row, change_col + 1, word, fmts.center)
            else:
                ws.write_blank(row, change_col, None, fmts.pct)
                ws.write_blank(row, change_col + 1, None, fmts.center)
        row += 1
    # Mean row and respondent totals.
    ws.merge_range(row, 0, row, 1, "Rata-rata IKM unit / jumlah responden", fmts.mean_text)
    c = 2
    shown = {v.unit.id for v in data.views}
    for part in parts:
        results = [pv.result for pv in part.views.values() if pv.unit.id in shown]
        recap = scoring.city_recap(results) if results else None
        num(ws, row, c, recap.respondents if recap else None, fmts.mean_int)
        num(ws, row, c + 1, recap.ikm if recap else None, fmts.mean_ikm)
        write_text(ws, row, c + 2, recap.category if recap else "", fmts.mean_text)
        c += 3
    if data.change_from:
        ws.write_blank(row, change_col, None, fmts.mean_text)
        ws.write_blank(row, change_col + 1, None, fmts.mean_text)
        # The counts get a row of their own as wide as the table: in the narrow Keterangan cell
        # they ran over the cell's edge when printed.
        ws.merge_range(row + 1, 0, row + 1, change_col + 1, "", fmts.note)
        write_text(ws, row + 1, 0,
                   f"Perubahan {data.change_from.label} ke {data.change_to.label}: Naik {counts['Naik']}, "
                   f"Turun {counts['Turun']}, Stagnan {counts['Stagnan']} unit.", fmts.note)
    if progress:
        progress(0, "Tabel 3.1 selesai")
    return ws


def _rtl_text(data: AnnexData, plan) -> str:
    if plan is None:
        return ""
    lines = []
    for a in plan.actions:
        lines.append(f"{data.u(a.element)}: {a.text}")
    return "\n".join(lines)


def _priority_keys(view: service.UnitView, data: AnnexData) -> tuple[list[str], bool]:
    """The unit's priority elements: the admin's override when there is one, whether or not
    the plan has been accepted yet, else the three lowest NRRs."""
    if view.unit.id in data.overrides:
        return data.overrides[view.unit.id], True
    return view.priorities, False


def sheet_table_32(wb, fmts: Formats, data: AnnexData):
    ws = wb.add_worksheet("Tabel 3.2")
    title = f"Tabel 3.2 IKM, Unsur Prioritas dan Rencana Tindak Lanjut, {data.label}"
    ws.write_string(0, 0, title, fmts.title)
    prev = data.ref.previous()
    ws.write_string(1, 0, f"Unsur prioritas: tiga NRR terendah, terendah lebih dulu (penomoran "
                          f"{el.NUMBERING_LABELS.get(data.numbering, data.numbering)}). Realisasi: "
                          f"RTL yang menjawab {prev.label}, hanya progres terverifikasi.",
                    fmts.subtitle)
    heads = ["No", "Unit Pelayanan", "IKM", "Kategori", "Responden", "Metode",
             "Unsur Prioritas Perbaikan", "Rencana Tindak Lanjut",
             "Realisasi RTL Periode Sebelumnya (%)", "Periode Pelaksanaan Survei",
             "Nilai Diperoleh dari"]
    widths = [5, 36, 9, 9, 10, 14, 30, 60, 13, 22, 24]
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write_string(3, c, h, fmts.head)
        ws.set_column(c, c, w)
    ws.set_row(3, 38)
    page_setup(ws, (3, 3), title)
    ws.freeze_panes(4, 2)
    row = 4
    for i, v in enumerate(data.views, 1):
        plan = data.plans.get(v.unit.id)
        keys, overridden = _priority_keys(v, data)
        prio = ", ".join(data.u_label(k) for k in keys)
        if overridden:
            prio += " (penyesuaian admin)"
        ws.write_number(row, 0, i, fmts.center)
        write_text(ws, row, 1, v.unit.name, fmts.text)
        ws.write_number(row, 2, v.ikm, fmts.ikm)
        write_text(ws, row, 3, v.category, _cat(fmts, v.category))
        num(ws, row, 4, v.respondents, fmts.int)
        write_text(ws, row, 5, v.method or "", fmts.text)
        write_text(ws, row, 6, prio, fmts.text)
        write_text(ws, row, 7, _rtl_text(data, plan) or "Belum ada RTL", fmts.text)
        num(ws, row, 8, previous_realisation(data, v.unit.id), fmts.pct)
        window = format_window(v.survey_start, v.survey_end)
        write_text(ws, row, 9, window, fmts.text)
        write_text(ws, row, 10, v.source, fmts.text)
        fit_row(ws, row, [(v.unit.name, 36), (prio, 30), (_rtl_text(data, plan), 60),
                          (v.method, 14), (window, 22), (v.source, 24)])
        row += 1
    recap = scoring.city_recap([v.result for v in data.views])
    ws.merge_range(row, 0, row, 1, f"Kota ({scoring.AGGREGATION_LABELS_ID[recap.aggregation]})",
                   fmts.mean_text)
    ws.write_number(row, 2, recap.ikm, fmts.mean_ikm)
    write_text(ws, row, 3, recap.category, fmts.mean_text)
    ws.write_number(row, 4, recap.respondents, fmts.mean_int)
    for c in (5, 6, 7):
        ws.write_blank(row, c, None, fmts.mean_text)
    shown = {v.unit.id for v in data.views}
    city_prev = mean_rate(r.realisation for u, r in data.previous_rates.items() if u in shown)
    num(ws, row, 8, city_prev, fmts.mean_pct)
    ws.write_blank(row, 9, None, fmts.mean_text)
    ws.write_blank(row, 10, None, fmts.mean_text)
    return ws


EFFECT_WORDS = {"naik": "Naik", "turun": "Turun", "tetap": "Tetap"}


def sheet_effect(wb, fmts: Formats, data: AnnexData):
    """Efek tindak lanjut: per unit and element with actions, the NRR in this period and in the
    next period of the same kind beside the element's realisation; then the city comparison of
    followed-up elements against the others."""
    ws = wb.add_worksheet("Efek Tindak Lanjut")
    nxt = data.ref.next()
    title = f"Efek Tindak Lanjut: RTL {data.label} dan NRR {nxt.label}"
    ws.write_string(0, 0, title, fmts.title)
    ws.write_string(1, 0, "Per unsur yang memiliki kegiatan tindak lanjut: NRR pada periode yang "
                          "dijawab RTL dan pada periode berikutnya yang sejenis, di samping realisasi "
                          "terverifikasi unsur itu.", fmts.subtitle)
    heads = ["No", "Unit Pelayanan", "Unsur", "Kegiatan", "Realisasi (%)", f"NRR {data.label}",
             f"NRR {nxt.label}", "Perubahan NRR", "Keterangan"]
    widths = [5, 36, 30, 9, 11, 11, 11, 11, 34]
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write_string(3, c, h, fmts.head)
        ws.set_column(c, c, w)
    ws.set_row(3, 30)
    page_setup(ws, (3, 3), title)
    ws.freeze_panes(4, 2)
    row, n = 4, 0
    st = data.status
    shown = {v.unit.id for v in data.views}
    for u in (st.units if st else []):
        if u.plan_status != "accepted" or u.unit.id not in shown:
            continue
        n += 1
        for e in status_mod.unit_effects(u):
            ws.write_number(row, 0, n, fmts.center)
            write_text(ws, row, 1, u.unit.name, fmts.text)
            write_text(ws, row, 2, data.u_label(e.element) if e.element in el.ELEMENTS else e.element,
                       fmts.text)
            ws.write_number(row, 3, e.actions, fmts.int)
            num(ws, row, 4, e.realisation, fmts.pct)
            num(ws, row, 5, e.before, fmts.nrr)
            num(ws, row, 6, e.after, fmts.nrr)
            num(ws, row, 7, e.change, fmts.nrr)
            note = ("Belum ada hasil periode berikutnya" if e.direction is None
                    else EFFECT_WORDS[e.direction])
            if e.contradiction:
                note += "; realisasi 100% tetapi NRR turun"
            write_text(ws, row, 8, note, fmts.text)
            fit_row(ws, row, [(u.unit.name, 36), (note, 34)])
            row += 1
    if n == 0:
        ws.merge_range(row, 0, row, 8, "Belum ada RTL yang diterima untuk periode ini.", fmts.text)
        row += 1
    row += 1
    city = status_mod.city_effect(st) if st else None
    ws.write_string(row, 0, "Perbandingan kota (rata-rata perubahan NRR per unsur per unit)", fmts.label)
    row += 1
    for c, h in enumerate(["Kelompok unsur", "Pasangan unit-unsur", "Rata-rata perubahan NRR"]):
        ws.write_string(row, 1 + c, h, fmts.head)
    row += 1
    for label, mean, pairs in (("Unsur dengan tindak lanjut", city.followed_mean_change if city else None,
                                city.followed_pairs if city else 0),
                               ("Unsur lainnya", city.other_mean_change if city else None,
                                city.other_pairs if city else 0)):
        write_text(ws, row, 1, label, fmts.text)
        ws.write_number(row, 2, pairs, fmts.int)
        num(ws, row, 3, mean, fmts.nrr)
        row += 1
    if city is not None:
        write_text(ws, row, 1, f"Unsur dengan tindak lanjut yang naik: {city.followed_better}; turun: "
                               f"{city.followed_worse}; realisasi 100% tetapi NRR turun: "
                               f"{city.contradictions}.", fmts.value)
    return ws


def sheet_elements(wb, fmts: Formats, data: AnnexData):
    ws = wb.add_worksheet("Tabel 3.3")
    title = f"Tabel 3.3 Nilai Rata-rata Unsur Pelayanan Kota, {data.label}"
    ws.write_string(0, 0, title, fmts.title)
    ws.write_string(1, 0, "Rata-rata NRR unit per unsur; diurutkan dari yang terendah.", fmts.subtitle)
    heads = ["No", "Kode", "Unsur Pelayanan", "NRR", "Nilai Konversi", "Mutu", "Kinerja"]
    widths = [5, 7, 42, 10, 12, 8, 14]
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write_string(3, c, h, fmts.head)
        ws.set_column(c, c, w)
    page_setup(ws, (3, 3), title)
    recap = scoring.city_recap([v.result for v in data.views])
    row = 4
    for i, (key, value) in enumerate(scoring.elements_lowest_first(recap.elements), 1):
        cat = scoring.nrr_category(value)
        ws.write_number(row, 0, i, fmts.center)
        write_text(ws, row, 1, data.u(key), fmts.center)
        write_text(ws, row, 2, el.ELEMENTS[key].name if key in el.ELEMENTS else key, fmts.text)
        ws.write_number(row, 3, value, fmts.nrr)
        ws.write_number(row, 4, value * 25, fmts.ikm)
        write_text(ws, row, 5, cat, _cat(fmts, cat))
        write_text(ws, row, 6, scoring.CATEGORY_NAMES[cat], fmts.text)
        row += 1
    ws.merge_range(row, 0, row, 2, "IKM kota (rata-rata IKM unit)", fmts.mean_text)
    ws.write_number(row, 3, recap.ikm / 25, fmts.mean_ikm)
    ws.write_number(row, 4, recap.ikm, fmts.mean_ikm)
    write_text(ws, row, 5, recap.category, fmts.mean_text)
    write_text(ws, row, 6, scoring.CATEGORY_NAMES[recap.category], fmts.mean_text)
    return ws


def sheet_rank(wb, fmts: Formats, data: AnnexData, name: str, heading: str, results):
    ws = wb.add_worksheet(name)
    title = f"{name} {heading}, {data.label}"
    ws.write_string(0, 0, title, fmts.title)
    heads = ["Peringkat", "Unit Pelayanan", "Kelompok", "Responden", "IKM", "Kategori"]
    widths = [9, 48, 20, 10, 10, 9]
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write_string(2, c, h, fmts.head)
        ws.set_column(c, c, w)
    page_setup(ws, (2, 2), title)
    for i, r in enumerate(results, 1):
        row = 2 + i
        ws.write_number(row, 0, i, fmts.center)
        write_text(ws, row, 1, r.unit, fmts.text)
        write_text(ws, row, 2, r.group or "", fmts.text)
        num(ws, row, 3, r.respondents, fmts.int)
        ws.write_number(row, 4, r.ikm, fmts.ikm)
        write_text(ws, row, 5, r.category, _cat(fmts, r.category))
        fit_row(ws, row, [(r.unit, 48), (r.group, 20)])
    return ws


class UnitSheet:
    """Lampiran 1: the per-unit blocks, one after another on one sheet."""

    FIRST_U = 2  # column C

    MAX_BREAKS = 1023  # Excel keeps at most 1,023 manual page breaks per sheet

    def __init__(self, wb, fmts: Formats, data: AnnexData, name: str = "Lampiran 1"):
        self.wb = wb
        self.name = name
        self.sheets = 0
        self.fmts = fmts
        self.data = data
        nq = len(data.quarters)
        last_u = self.FIRST_U + max(len(data.keys), 9) - 1
        self.last_q = max(last_u, 6 + nq - 1)
        self.first_q = self.last_q - nq + 1
        self.col_owner = self.last_q + 1
        self.col_target = self.last_q + 2
        self.col_real = self.last_q + 3
        self.col_status = self.last_q + 4
        self.sum_col = last_u + 1
        self._open_sheet()

    def _open_sheet(self):
        """A sheet for the blocks; a long annex continues on "Lampiran 1 (2)" and so on, so that
        no block passes Excel's last row and every block starts on its own printed page."""
        self.sheets += 1
        name = self.name if self.sheets == 1 else f"{self.name} ({self.sheets})"
        self.ws = ws = self.wb.add_worksheet(name)
        self.row = 0
        self.breaks: list[int] = []
        fmts, data = self.fmts, self.data
        ws.set_column(0, 0, 5)
        ws.set_column(1, 1, 26)
        ws.set_column(self.FIRST_U, self.last_q, 9)
        ws.set_column(self.col_owner, self.col_owner, 20)
        ws.set_column(self.col_target, self.col_target, 18)
        ws.set_column(self.col_real, self.col_real, 11)
        ws.set_column(self.col_status, self.col_status, 18)
        title = f"Lampiran 1 Hasil SKM dan Rencana Tindak Lanjut per Unit, {data.label}"
        if self.sheets > 1:
            title += f" (lanjutan {self.sheets})"
        page_setup(ws, None, title)
        ws.write_string(0, 0, title, fmts.title)
        ws.write_string(1, 0, f"Penomoran unsur: {el.NUMBERING_LABELS.get(data.numbering, data.numbering)}",
                        fmts.subtitle)
        self.row = 3

    def block_rows(self, view: service.UnitView) -> int:
        """An upper bound of the rows :meth:`write_unit` uses for ``view``."""
        plan = self.data.plans.get(view.unit.id)
        actions = len(plan.actions) if plan is not None and plan.actions else 1
        return 8 + 9 * len(view.rows) + 5 + 2 + len(scoring.CATEGORY_INTERVALS) + 4 + actions + 3

    def _element_header(self, ws, r, d, last: str) -> int:
        """The U1..Un header row of an element table; returns the next row."""
        f = self.fmts
        ws.merge_text(r, 0, r, 1, "Unsur", f.head)
        for i, k in enumerate(d.keys):
            ws.write_string(r, self.FIRST_U + i, d.u(k), f.head)
        ws.write_string(r, self.sum_col, last, f.head)
        return r + 1

    def write_unit(self, view: service.UnitView):
        if self.row > 3 and (self.ws.rows_left(self.row) < self.block_rows(view)
                             or len(self.breaks) >= self.MAX_BREAKS):
            self.finish()
            self._open_sheet()
        ws, f, d = self.ws, self.fmts, self.data
        if self.row > 3:
            self.breaks.append(self.row)
        unit = view.unit
        r = self.row
        write_text(ws, r, 0, unit.name, f.unit_head)
        r += 1
        for label, value in (("Nama Unit", unit.name), ("Narahubung", unit.contact or ""),
                             ("No. Telepon", unit.phone or ""), ("Kelompok", unit.group or ""),
                             ("Periode Pelaksanaan", format_window(view.survey_start, view.survey_end))):
            ws.write_string(r, 0, label, f.label)
            write_text(ws, r, 2, value, f.value)
            r += 1
        r += 1
        keys = d.keys
        u0 = self.FIRST_U
        by_period = {row.period_id: row for row in view.rows}
        for stored in view.rows:
            part_label = P.parse_period(stored.period.code).label
            part_window = format_window(stored.survey_start, stored.survey_end)
            if len(view.rows) > 1 and part_window:  # each part's own fieldwork
                part_label += f" (pelaksanaan {part_window})"
            write_text(ws, r, 0, f"Hasil {part_label}", f.label)
            ws.write_string(r, self.sum_col, f"Responden: {stored.respondents or '-'}", f.value)
            r += 1
            r = self._element_header(ws, r, d, "IKM Unit")
            scores = {e.element: e for e in stored.elements}
            nrrs = {k: e.nrr for k, e in scores.items()}
            weighted = scoring.weighted_nrrs(nrrs) if nrrs else {}
            rows = (("\u2211 Nilai / Unsur (S)", {k: scores[k].total for k in scores}, f.int),
                    ("NRR / Unsur", nrrs, f.nrr),
                    ("NRR Tertimbang / Unsur", weighted, f.nrr))
            for label, values, fmt in rows:
                ws.merge_text(r, 0, r, 1, label, f.rowlabel)
                for i, k in enumerate(keys):
                    num(ws, r, u0 + i, values.get(k), fmt)
                if label.startswith("NRR Tertimbang"):
                    num(ws, r, self.sum_col, sum(weighted.values()) if weighted else None, f.nrr)
                else:
                    ws.write_blank(r, self.sum_col, None, fmt)
                r += 1
            ikm_value = scoring.ikm(nrrs) if nrrs else None
            ws.merge_text(r, 0, r, 1, "Hasil Konversi IKM", f.rowlabel)
            ws.merge_text(r, u0, r, u0 + 1, ikm_value, f.ikm)
            r += 1
            cat = scoring.category(ikm_value) if ikm_value is not None else ""
            ws.merge_text(r, 0, r, 1, "Kategori", f.rowlabel)
            ws.merge_text(r, u0, r, u0 + 1, f"{cat} ({scoring.CATEGORY_NAMES[cat]})" if cat else "", _cat(f, cat))
            r += 2
        del by_period

        # The period's NRR per element with mutu (for a year: mean of its semesters).
        ws.write_string(r, 0, f"NRR per Unsur {d.label}", f.label)
        r += 1
        r = self._element_header(ws, r, d, "IKM")
        ws.merge_text(r, 0, r, 1, "NRR", f.rowlabel)
        for i, k in enumerate(keys):
            num(ws, r, u0 + i, view.result.nrrs.get(k), f.nrr)
        ws.write_number(r, self.sum_col, view.ikm, f.ikm)
        r += 1
        ws.merge_text(r, 0, r, 1, "Mutu", f.rowlabel)
        for i, k in enumerate(keys):
            value = view.result.nrrs.get(k)
            cat = scoring.nrr_category(value) if value is not None else ""
            write_text(ws, r, u0 + i, cat, _cat(f, cat))
        write_text(ws, r, self.sum_col, view.category, _cat(f, view.category))
        r += 2

        # Category intervals.
        ws.write_string(r, 0, "Interval Kategori Mutu Pelayanan", f.label)
        r += 1
        ws.merge_text(r, 0, r, 1, "Nilai Interval (NRR)", f.head)
        ws.merge_text(r, 2, r, 3, "Nilai Interval Konversi", f.head)
        ws.write_string(r, 4, "Mutu", f.head)
        ws.merge_text(r, 5, r, 6, "Kinerja", f.head)
        r += 1
        for code, lo, hi, clo, chi in scoring.CATEGORY_INTERVALS:
            ws.merge_text(r, 0, r, 1, f"{_dec(lo, 4)} - {_dec(hi, 4)}", f.center)
            ws.merge_text(r, 2, r, 3, f"{_dec(clo, 2)} - {_dec(chi, 2)}", f.center)
            ws.write_string(r, 4, code, _cat(f, code))
            ws.merge_text(r, 5, r, 6, scoring.CATEGORY_NAMES[code], f.text)
            r += 1
        r += 1

        # RTL with quarters and realisation.
        ws.write_string(r, 0, f"Rencana Tindak Lanjut atas Hasil SKM {d.label}", f.label)
        r += 1
        head_row = r
        ws.merge_text(r, 0, r + 1, 0, "No", f.head)
        ws.merge_text(r, 1, r + 1, 1, "Prioritas Unsur", f.head)
        ws.merge_text(r, 2, r + 1, self.first_q - 1, "Program / Kegiatan", f.head)
        if d.quarters:
            ws.merge_text(r, self.first_q, r, self.last_q, "Waktu Pelaksanaan", f.head)
            for i, q in enumerate(d.quarters):
                ws.write_string(r + 1, self.first_q + i, q.label, f.head)
        ws.merge_text(r, self.col_owner, r + 1, self.col_owner, "Penanggung Jawab", f.head)
        ws.merge_text(r, self.col_target, r + 1, self.col_target, "Target", f.head)
        ws.merge_text(r, self.col_real, r + 1, self.col_real, "Realisasi (%)", f.head)
        ws.merge_text(r, self.col_status, r + 1, self.col_status, "Status", f.head)
        ws.set_row(head_row + 1, 24)
        r += 2
        plan = d.plans.get(unit.id)
        rate = d.rates.get(unit.id)
        if plan is None or not plan.actions:
            ws.merge_text(r, 0, r, self.col_status, "Belum ada Rencana Tindak Lanjut.", f.text)
            r += 1
        else:
            qindex = {q.code: i for i, q in enumerate(d.quarters)}
            for i, action in enumerate(plan.actions, 1):
                state = d.action_state(action)
                ws.write_number(r, 0, i, f.center)
                write_text(ws, r, 1, d.u_label(action.element) if action.element in el.ELEMENTS
                           else action.element, f.text)
                ws.merge_text(r, 2, r, self.first_q - 1, action.text, f.text)
                planned = set()
                for q in action.quarters or []:
                    try:
                        planned.add(qindex[P.parse_quarter(q).code])
                    except (P.BadPeriod, KeyError):
                        pass
                for j in range(len(d.quarters)):
                    write_text(ws, r, self.first_q + j, CHECK if j in planned else "", f.center)
                write_text(ws, r, self.col_owner, action.owner or "", f.text)
                write_text(ws, r, self.col_target, action.target or "", f.text)
                if state.outcome == "tidak_dapat":
                    ws.write_blank(r, self.col_real, None, f.pct)
                else:
                    ws.write_number(r, self.col_real, state.realisation, f.pct)
                write_text(ws, r, self.col_status, OUTCOMES[state.outcome], f.text)
                fit_row(ws, r, [(action.text, 9 * (self.first_q - 2)), (action.owner, 20),
                                (action.target, 18), (OUTCOMES[state.outcome], 18),
                                (d.u_label(action.element), 26)])
                r += 1
            ws.merge_text(r, 0, r, self.col_target,
                        f"Realisasi unit ({plan.label}, terverifikasi)" if isinstance(plan, GatheredPlan)
                        else "Realisasi unit (rata-rata aksi, terverifikasi)", f.mean_text)
            num(ws, r, self.col_real, rate.realisation if rate else None, f.mean_pct)
            ws.write_blank(r, self.col_status, None, f.mean_text)
            r += 1
        self.row = r + 2

    def finish(self):
        if self.breaks:
            self.ws.set_h_pagebreaks(self.breaks)


# The address an export was asked from (set by the export job for the time it runs).
REQUEST_BASE_URL: ContextVar[str | None] = ContextVar("REQUEST_BASE_URL", default=None)


def _base_url() -> str:
    """Absolute address of the application for links to uploaded evidence: PUBLIC_BASE_URL
    (e.g. https://skm.kota.go.id), else the address the export was asked from; without either
    (a command-line export with nothing configured) the annex names the file and the app path."""
    try:
        from flask import current_app
        url = current_app.config.get("PUBLIC_BASE_URL")
    except RuntimeError:
        url = None
    url = url or os.environ.get("PUBLIC_BASE_URL") or REQUEST_BASE_URL.get() or ""
    return url.rstrip("/") if url.lower().startswith(("http://", "https://")) else ""


def evidence_address(entry, base_url: str) -> tuple[str | None, str]:
    """(the address to link, or None; the text to print) for a report's evidence: its own web
    link, or the uploaded file at the app's full address (the app path when no base is known)."""
    link = entry.evidence_link
    if link:
        return (link if link.lower().startswith(("http://", "https://")) else None), link
    if entry.evidence_name:
        path = f"/rtl/laporan/{entry.id}/bukti"
        if base_url:
            return base_url + path, f"Berkas: {entry.evidence_name}"
        return None, f"Berkas: {entry.evidence_name} (aplikasi: {path})"
    return None, "Tanpa bukti"


def _dec(value: float, decimals: int) -> str:
    from ..domain.numbers import format_id
    return format_id(value, decimals)


def sheet_evidence(wb, fmts: Formats, data: AnnexData, name: str = "Lampiran 2"):
    """One row per report that was not rejected; a list longer than a sheet continues on
    "Lampiran 2 (2)" and so on, with the heading repeated."""
    title = f"{name} Bukti Realisasi Tindak Lanjut per Unit, {data.label}"
    heads = ["No", "Unit Pelayanan", "RTL Periode", "Unsur", "Program / Kegiatan", "Triwulan",
             "Progres (%)", "Status", "Bukti"]
    widths = [5, 32, 12, 22, 40, 10, 10, 16, 45]
    sheets = []

    def open_sheet():
        sheet_title = title if not sheets else f"{title} (lanjutan {len(sheets) + 1})"
        ws = wb.add_worksheet(name if not sheets else f"{name} ({len(sheets) + 1})")
        sheets.append(ws)
        ws.write_string(0, 0, sheet_title, fmts.title)
        ws.write_string(1, 0, "RTL periode sebelumnya dan periode ini; hanya progres yang tidak ditolak.",
                        fmts.subtitle)
        for c, (h, w) in enumerate(zip(heads, widths)):
            ws.write_string(3, c, h, fmts.head)
            ws.set_column(c, c, w)
        page_setup(ws, (3, 3), sheet_title)
        ws.freeze_panes(4, 2)
        return ws, 4, 0

    from ..domain.realisation import ENTRY_STATUS_LABELS
    base_url = _base_url()
    ws, row, links = open_sheet()
    n = 0
    labels = {s: neutralise(label) for s, label in ENTRY_STATUS_LABELS.items()}
    for v in data.views:
        wrote = False
        unit_name = neutralise(v.unit.name)
        for plans in (data.previous_plans, data.plans):
            plan = plans.get(v.unit.id)
            if plan is None:
                continue
            for action in plan.actions:
                entries = [e for e in data.entries.get(action.id, ()) if e.status != "rejected"]
                if not entries:
                    continue
                # What every row of this action repeats, made once (a city has 16,000 rows).
                element = data.u_label(action.element) if action.element in el.ELEMENTS else action.element
                texts = (neutralise(action.period_code), neutralise(element), neutralise(action.text))
                lines = max_lines([(v.unit.name, 32), (action.text, 40), (element, 22)])
                for entry in entries:
                    if ws.rows_left(row) < 1:
                        ws, row, links = open_sheet()
                    if not wrote:
                        n += 1
                        wrote = True
                    status = labels.get(entry.status) or neutralise(entry.status)
                    ws.write_number(row, 0, n, fmts.center)
                    ws.write_string(row, 1, unit_name, fmts.text)
                    ws.write_string(row, 2, texts[0], fmts.center)
                    ws.write_string(row, 3, texts[1], fmts.text)
                    ws.write_string(row, 4, texts[2], fmts.text)
                    ws.write_string(row, 5, neutralise(entry.quarter), fmts.center)
                    ws.write_number(row, 6, entry.percent, fmts.pct)
                    ws.write_string(row, 7, status, fmts.text)
                    url, text = evidence_address(entry, base_url)
                    if url and links < 65000:
                        ws.write_url(row, 8, url, fmts.link, string=text[:250])
                        links += 1
                    else:
                        write_text(ws, row, 8, text, fmts.text)
                    height = points_for(max(lines, wrapped_lines(entry.evidence_link or entry.evidence_name, 45),
                                            wrapped_lines(status, 16)))
                    if height:
                        ws.set_row(row, height)
                    row += 1
        if not wrote:
            if ws.rows_left(row) < 1:
                ws, row, links = open_sheet()
            n += 1
            ws.write_number(row, 0, n, fmts.center)
            write_text(ws, row, 1, v.unit.name, fmts.text)
            ws.merge_range(row, 2, row, 8, "Belum ada laporan realisasi.", fmts.text)
            fit_row(ws, row, [(v.unit.name, 32)])
            row += 1
    return sheets[0]


def sheet_profiles(wb, fmts: Formats, data: AnnexData) -> bool:
    """Profil Responden: age band, sex, education and occupation of the respondents, for the
    city and per unit (from respondent-level data); a long list continues on "Profil Responden
    (2)" and so on. False, and no sheet, when no unit has respondent-level data."""
    from ..domain.demographics import ATTRIBUTES
    from ..results.demographics import profiles
    city, units = profiles(data.code, {v.unit.id for v in data.views})
    if city.empty:
        return False
    title = f"Profil Responden, {data.label}"
    sheets = []
    breaks: dict = {}  # sheet -> rows where a unit's block starts a printed page

    def open_sheet():
        name = "Profil Responden" if not sheets else f"Profil Responden ({len(sheets) + 1})"
        ws = wb.add_worksheet(name)
        sheets.append(ws)
        page_setup(ws, None, title if len(sheets) == 1 else f"{title} (lanjutan {len(sheets)})")
        ws.set_column(0, 0, 34)
        ws.set_column(1, 2, 12)
        ws.write_string(0, 0, title, fmts.title)
        ws.write_string(1, 0, "Dari data per responden; persentase terhadap seluruh responden unit atau kota.",
                        fmts.subtitle)
        return ws, 3

    def block(ws, r, heading, profile):
        size = 2 + sum(len(profile.by_attribute.get(a, [])) + 2 for a, _ in ATTRIBUTES)
        if ws.rows_left(r) < size or len(breaks.get(ws, ())) >= UnitSheet.MAX_BREAKS:
            ws, r = open_sheet()
        elif r > 3:  # every block on a page of its own: a heading never ends a page
            breaks.setdefault(ws, []).append(r)
        write_text(ws, r, 0, f"{heading} ({profile.respondents} responden)", fmts.unit_head)
        r += 1
        for attribute, name in ATTRIBUTES:
            ws.write_string(r, 0, name, fmts.head)
            ws.write_string(r, 1, "Jumlah", fmts.head)
            ws.write_string(r, 2, "%", fmts.head)
            r += 1
            for share in profile.by_attribute.get(attribute, []):
                write_text(ws, r, 0, share.label, fmts.text)
                ws.write_number(r, 1, share.count, fmts.int)
                ws.write_number(r, 2, share.percent, fmts.pct)
                r += 1
            r += 1
        return ws, r + 1

    ws, row = open_sheet()
    ws, row = block(ws, row, "Kota", city)
    for v in data.views:
        profile = units.get(v.unit.id)
        if profile is not None and not profile.empty:
            ws, row = block(ws, row, v.unit.name, profile)
    for sheet, rows in breaks.items():
        sheet.set_h_pagebreaks(rows)
    return True


# --------------------------------------------------------------------------------------------
# Workbooks


def _workbook(out_path: str):
    # The default font sets the unit of column widths. Calibri is missing where LibreOffice
    # prints (it falls back to a wider font and every column grew by a third, so rows sized for
    # Excel looked half empty); Arial is everywhere, or Liberation Sans with its metrics.
    wb = CheckedWorkbook(str(out_path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False,
                                              "default_format_properties": {"font_name": "Arial", "font_size": 10}})
    wb.set_properties({"title": "Lampiran Tindak Lanjut SKM", "author": "Pelacak Tindak Lanjut SKM"})
    return wb


def _discard(wb, out_path) -> None:
    """An export that failed leaves no file behind: a short annex must not pass for a whole one."""
    try:
        wb.close()
    except Exception:  # noqa: BLE001 - the original failure is what matters
        pass
    if os.path.exists(out_path):
        os.unlink(out_path)


def _report(progress: Progress | None, fraction: float, message: str):
    if progress:
        progress(max(0.0, min(1.0, fraction)), message)


@collector_paused
def write_period_workbook(code: str, out_path, progress: Progress | None = None) -> str:
    """Write the period's annex workbook to ``out_path``. Raises LookupError when the period has
    no results. ``progress(fraction, message)`` is called as the work advances."""
    _report(progress, 0.02, "Memuat data periode")
    data = load_data(code)
    wb = _workbook(out_path)
    try:
        fmts = Formats(wb)
        _report(progress, 0.1, "Menulis Tabel 3.1")
        sheet_table_31(wb, fmts, data)
        _report(progress, 0.15, "Menulis Tabel 3.2")
        sheet_table_32(wb, fmts, data)
        sheet_elements(wb, fmts, data)
        results = [v.result for v in data.views]
        sheet_rank(wb, fmts, data, "Tabel 3.4", "Sepuluh Unit dengan IKM Tertinggi", scoring.top(results))
        sheet_rank(wb, fmts, data, "Tabel 3.5", "Sepuluh Unit dengan IKM Terendah", scoring.bottom(results))
        sheet_effect(wb, fmts, data)
        units = UnitSheet(wb, fmts, data)
        total = len(data.views)
        step = max(1, total // 20)
        for i, v in enumerate(data.views, 1):
            units.write_unit(v)
            if i % step == 0 or i == total:
                _report(progress, 0.2 + 0.6 * i / total, f"Lampiran 1: {i} dari {total} unit")
        units.finish()
        _report(progress, 0.82, "Menulis Lampiran 2")
        sheet_evidence(wb, fmts, data)
        _report(progress, 0.86, "Menulis profil responden")
        sheet_profiles(wb, fmts, data)
        _report(progress, 0.9, "Menyimpan berkas")
    except BaseException:
        _discard(wb, out_path)
        raise
    wb.close()
    _report(progress, 1.0, "Selesai")
    return str(out_path)


@collector_paused
def write_unit_workbook(code: str, unit_id: int, out_path, progress: Progress | None = None) -> str:
    """One unit's annex (its Lampiran 1 block and evidence) for the period."""
    _report(progress, 0.05, "Memuat data unit")
    data = load_data(code, {unit_id})
    wb = _workbook(out_path)
    try:
        fmts = Formats(wb)
        _report(progress, 0.4, "Menulis Lampiran 1")
        units = UnitSheet(wb, fmts, data)
        for v in data.views:
            units.write_unit(v)
        units.finish()
        sheet_evidence(wb, fmts, data)
        _report(progress, 0.9, "Menyimpan berkas")
    except BaseException:
        _discard(wb, out_path)
        raise
    wb.close()
    _report(progress, 1.0, "Selesai")
    return str(out_path)


def default_filename(code: str, unit=None) -> str:
    if unit is None:
        return f"lampiran-skm-{code}.xlsx"
    import re
    slug = re.sub(r"[^a-z0-9]+", "-", unit.name.lower()).strip("-")[:60] or str(unit.id)
    return f"lampiran-skm-{code}-{slug}.xlsx"

