"""``python -m bench [--quick] [--only import,pages,annex]``: run the bench, print the table and
write docs/performance.md. Every figure is a ratio to a baseline measured in the same run."""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
NOTES = Path(__file__).resolve().parent / "NOTES.md"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL",
                              os.environ.get("TEST_PG_ADMIN_URL",
                                             "postgresql+psycopg://postgres@127.0.0.1:5432/test"))

SIZES = {
    "full": {"rows": 1_000_000, "units": 300, "periods": 10, "per_client": 25, "seconds": 45, "repeat": 3,
             "import_rounds": 5},
    "quick": {"rows": 100_000, "units": 60, "periods": 4, "per_client": 4, "seconds": 15, "repeat": 1,
              "import_rounds": 1},
}


def fresh_pg(name: str) -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
        conn.execute(text(f'create database "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_pg(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def _seconds(runs) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in runs)


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def bench_import(size: dict, work: Path, rows_out: list, log) -> None:
    from bench import imports
    path = imports.generate(work / "responses.csv", size["rows"], 300)
    log(f"(a) import of {size['rows']:,} respondent rows ({path.stat().st_size / 1e6:.0f} MB CSV, 300 units)")
    # Baseline and import alternate (baseline, import, baseline, import, ...) and each side's
    # median is taken: the machine's speed drifts by 2x within a minute here, so a single
    # baseline before or after would say more about the drift than about the import.
    label = "import_responses (from the file on disk; compact blocks per unit and chunk)"
    bases = []
    for backend in ("sqlite", "postgresql"):
        runs = []
        for _ in range(size["import_rounds"]):
            bases.append(imports.measure(["baseline", str(path)]))
            if backend == "sqlite":
                url = f"sqlite:///{work / 'import.sqlite'}"
            else:
                url = fresh_pg("skm_bench_import")
            try:
                runs.append(imports.measure(["import", str(path), url]))
            finally:
                if backend == "postgresql":
                    drop_pg("skm_bench_import")
        here = bases[-size["import_rounds"]:]
        res = min(runs, key=lambda r: abs(r["seconds"] - _median([x["seconds"] for x in runs])))
        base_s = _median([b["seconds"] for b in here])
        ratio = res["seconds"] / base_s
        phases = ", ".join(f"{k} {v:.2f} s" for k, v in res.get("phases", {}).items())
        log(f"  {backend} {label}: median {res['seconds']:.2f} s of {_seconds(runs)}"
            f" against baselines {_seconds(here)} = {ratio:.2f}x ({phases}), "
            f"peak {res['peak_mb']:.0f} MB, {res['responses']:,} respondents stored, {res['results']} unit results")
        if res["responses"] != size["rows"]:
            raise AssertionError(f"{backend}: {res['responses']} responses stored, expected {size['rows']}")
        rows_out.append((f"(a) {label}, {backend}", res["seconds"], ratio,
                         f"peak RSS +{res['delta_mb']:.0f} MB; {phases}; medians of {len(runs)} imports "
                         f"and of the {len(here)} baselines between them"))
    rows_out.insert(len(rows_out) - 2, (
        "(a) baseline: pandas read_csv + groupby (median of the interleaved runs)",
        _median([b["seconds"] for b in bases]), 1.0,
        f"peak RSS +{bases[0]['delta_mb']:.0f} MB; runs {_seconds(bases)} s"))
    # Memory in rows: the same import of a file three times as long.
    big = imports.generate(work / "responses-3x.csv", 3 * size["rows"], 300)
    base3 = imports.measure(["baseline", str(big)])
    res3 = imports.measure(["import", str(big), f"sqlite:///{work / 'import3.sqlite'}"])
    one = next(r for r in rows_out if r and r[0].endswith("sqlite") and r[0].startswith("(a) import"))
    log(f"  peak memory at {3 * size['rows']:,} rows: import +{res3['delta_mb']:.0f} MB, "
        f"baseline +{base3['delta_mb']:.0f} MB")
    rows_out.append((f"(a) memory: the sqlite import of {3 * size['rows']:,} rows", res3["seconds"],
                     res3["seconds"] / base3["seconds"],
                     f"peak RSS +{res3['delta_mb']:.0f} MB (at {size['rows']:,} rows: {one[3].split(';')[0][9:]}); "
                     f"baseline +{base3['delta_mb']:.0f} MB; one run each, for memory"))
    big.unlink()


def bench_pages_and_annex(size: dict, work: Path, rows_out: list, log, do_pages: bool, do_annex: bool) -> None:
    from bench import annex, pages
    from bench import cold as cold_mod
    from tracker import create_app
    url = fresh_pg("skm_bench_pages")
    try:
        if do_pages:
            for backend, db_url in (("sqlite", f"sqlite:///{work / 'pages.sqlite'}"), ("postgresql", url)):
                log(f"(b) pages, {size['units']} units x {size['periods']} periods, 16 clients, "
                    f"gunicorn + {backend}")
                res = pages.run(db_url, work, size["units"], size["periods"], per_client=size["per_client"],
                                max_seconds=size["seconds"], log=log)
                base = res.pop("/healthz (baseline)")
                cold = res.pop("cold")
                rows_out.append((f"(b) {backend} baseline: /healthz p50 / p95", base.pct(.5), 1.0,
                                 f"p95 {base.pct(.95) * 1000:.1f} ms, n={len(base.latencies)}"))
                for name, r in res.items():
                    censored = (f", {r.timeouts} timed out at {size['seconds']} s (counted as "
                                f"{size['seconds']} s)") if r.timeouts else ""
                    rows_out.append((f"(b) {backend} {name} p50", r.pct(.5), r.pct(.5) / base.pct(.5),
                                     f"n={len(r.latencies)}, errors={r.errors}, statuses={r.statuses}{censored}"))
                    rows_out.append((f"(b) {backend} {name} p95", r.pct(.95), r.pct(.95) / base.pct(.95), ""))
                for name, (cold_s, bare_s, floor_s, statements) in cold.items():
                    rows_out.append((f"(b') {backend} cold {name}: bare render of the same template", bare_s, 1.0, ""))
                    rows_out.append((f"(b') {backend} cold {name}: the page, nothing rendered reused", cold_s,
                                     cold_s / bare_s, f"in-process, median of {cold_mod.REPEAT}; {statements} "
                                     f"statements, which as SELECT 1 alone take {floor_s * 1000:.1f} ms "
                                     f"({floor_s / bare_s:.2f}x the bare render)"))
        if do_annex:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
            if not do_pages:
                pages.build(app, size["units"], size["periods"])
            with app.app_context():
                from tracker.models import Period
                # The last semester: its accepted plans, and the previous semester's with their
                # evidence, fill Lampiran 1 and 2 (a year of the dataset has no plan of its own).
                last = max((p for p in Period.query.all() if "-S" in p.code), key=lambda p: p.end_date)
                code = last.code
            log(f"(c) period annex {code} ({size['units']} units, with plans and evidence), PostgreSQL")
            a = annex.run(app, code, work, repeat=size["repeat"], log=log)
            rows_out.append((f"(c) baseline: bare xlsxwriter, same {a['cells']:,} cells", a["bare_s"], 1.0,
                             f"interleaved with the annex; {a['evidence_cells']:,} cells in Lampiran 2"))
            rows_out.append((f"(c) write_period_workbook({code})", a["annex_s"], a["annex_s"] / a["bare_s"],
                             f"{a['sheets']} sheets, {a['size_kb']:.0f} KB; median of {size['repeat']}"))
            rows_out.append((f"(d) the city's report {code} (build_report + DOCX) against the annex",
                             a["report_s"], a["report_s"] / a["annex_s"],
                             f"{a['report_kb']:.0f} KB; ratio to the annex's time (target under 3x)"))
            with app.app_context():
                from tracker.extensions import db
                db.engine.dispose()
    finally:
        drop_pg("skm_bench_pages")


def table(rows) -> list[str]:
    out = ["| measurement | time | ratio to baseline | notes |", "| --- | ---: | ---: | --- |"]
    for name, seconds, ratio, notes in rows:
        t = f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
        out.append(f"| {name} | {t} | **{ratio:.2f}x** | {notes} |")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    ap.add_argument("--only", default="import,pages,annex", help="comma list: import,pages,annex")
    ap.add_argument("--no-doc", action="store_true", help="do not write docs/performance.md")
    args = ap.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    only = set(args.only.split(","))
    work = Path(tempfile.mkdtemp(prefix="skm-bench-"))
    lines: list[str] = []

    def log(msg: str) -> None:
        print(msg, flush=True)
        lines.append(msg)

    started = time.perf_counter()
    rows: list = []
    try:
        if "import" in only:
            bench_import(size, work, rows, log)
        if only & {"pages", "annex"}:
            bench_pages_and_annex(size, work, rows, log, "pages" in only, "annex" in only)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    out = table(rows)
    print("\n" + "\n".join(out))
    print(f"\nbench took {total:.0f} s")
    if not args.no_doc:
        write_doc(out, lines, size, args, total)
    return 0


def write_doc(out, lines, size, args, total) -> None:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    doc = [
        "# Performance",
        "",
        "Generated by `.venv/bin/python -m bench" + (" --quick" if args.quick else "") + "` "
        f"on {when} ({platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} at the end; the bench took {total:.0f} s). Do not edit the measured part by "
        "hand: re-run the bench. The notes below it come from `bench/NOTES.md`.",
        "",
        "Every figure is a **ratio to a baseline measured in the same run** on the same machine; "
        "the machine is shared and noisy, so absolute times are context only and no test asserts "
        "them.",
        "",
        f"Sizes: {size['rows']:,} respondent rows over 300 units for (a); {size['units']} units x "
        f"{size['periods']} semesters with 3 priorities x 3 actions each and quarterly progress "
        "for (b) and (c).",
        "",
        *out,
        "",
        "<details><summary>bench log</summary>",
        "",
        "```",
        *lines,
        "```",
        "",
        "</details>",
        "",
    ]
    if NOTES.exists():
        doc += [NOTES.read_text().rstrip(), ""]
    DOC.write_text("\n".join(doc))
    print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
