"""(c) The period annex (tracker.reports.annex.write_period_workbook) for a city versus bare
xlsxwriter writing the same cells (same sheets, same values, no formats or layout)."""
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
    annex_times, bare_times = [], []
    out = workdir / f"annex-{code}.xlsx"
    with app.app_context():
        from tracker.extensions import db
        for _ in range(repeat):
            db.session.remove()
            t0 = time.perf_counter()
            write_period_workbook(code, out)
            annex_times.append(time.perf_counter() - t0)
        db.session.remove()
    sheets = cells_of(out)
    ncells = sum(len(c) for _, c in sheets)
    bare = workdir / "bare.xlsx"
    for _ in range(repeat):
        t0 = time.perf_counter()
        bare_write(bare, sheets)
        bare_times.append(time.perf_counter() - t0)
    res = {"annex_s": statistics.median(annex_times), "bare_s": statistics.median(bare_times),
           "cells": ncells, "sheets": len(sheets), "size_kb": out.stat().st_size / 1024}
    log(f"  annex {code}: {res['annex_s']:.2f} s, bare xlsxwriter {res['bare_s']:.2f} s, "
        f"{ncells} cells in {len(sheets)} sheets, {res['size_kb']:.0f} KB")
    return res
