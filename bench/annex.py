"""(c) The period annex (tracker.reports.annex.write_period_workbook) for a city versus bare
xlsxwriter writing the same cells (same sheets, same values, no formats or layout), run
interleaved (annex, bare, annex, bare, ...); and (d) the city's report (build_report + DOCX)
for the same period against the annex."""
from __future__ import annotations

import statistics
import time
from pathlib import Path


def cells_of(path: Path) -> list[tuple[str, list[tuple[int, int, object]]]]:
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True)
    out = []
    for ws in wb.worksheets:
        cells = []
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if value is not None and value != "":
                    cells.append((r, c, value))
        out.append((ws.title, cells))
    wb.close()
    return out


def bare_write(path: Path, sheets) -> None:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    for title, cells in sheets:
        ws = wb.add_worksheet(title)
        for r, c, value in cells:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    wb.close()


def run(app, code: str, workdir: Path, repeat: int = 3, log=print) -> dict:
    from tracker.reports.annex import write_period_workbook
    from tracker.reports.report import build_report
    from tracker.reports.report_docx import write_docx
    out = workdir / f"annex-{code}.xlsx"
    bare = workdir / "bare.xlsx"
    annex_times, bare_times, report_times = [], [], []
    with app.app_context():
        from tracker.extensions import db
        write_period_workbook(code, out)  # once to learn the cells the baseline writes
        db.session.remove()
        sheets = cells_of(out)
        for _ in range(repeat):
            t0 = time.perf_counter()
            write_period_workbook(code, out)
            annex_times.append(time.perf_counter() - t0)
            db.session.remove()
            t0 = time.perf_counter()
            bare_write(bare, sheets)
            bare_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            write_docx(build_report(code), str(workdir / f"report-{code}.docx"))
            report_times.append(time.perf_counter() - t0)
            db.session.remove()
    ncells = sum(len(c) for _, c in sheets)
    evidence = sum(len(c) for name, c in sheets if name.startswith("Lampiran 2"))
    res = {"annex_s": statistics.median(annex_times), "bare_s": statistics.median(bare_times),
           "report_s": statistics.median(report_times), "cells": ncells, "evidence_cells": evidence,
           "sheets": len(sheets), "size_kb": out.stat().st_size / 1024,
           "report_kb": (workdir / f"report-{code}.docx").stat().st_size / 1024}
    log(f"  annex {code}: {res['annex_s']:.2f} s ({', '.join(f'{t:.2f}' for t in annex_times)}), bare xlsxwriter "
        f"{res['bare_s']:.2f} s ({', '.join(f'{t:.2f}' for t in bare_times)}), {ncells} cells "
        f"({evidence} in Lampiran 2) in {len(sheets)} sheets, {res['size_kb']:.0f} KB")
    log(f"  report {code} (DOCX): {res['report_s']:.2f} s ({', '.join(f'{t:.2f}' for t in report_times)}), "
        f"{res['report_kb']:.0f} KB")
    return res
