"""(a) Respondent-level import: tracker.imports.service.import_responses on a generated file
versus a bare ``pandas.read_csv`` + ``groupby`` of the same file.

Each measurement runs in its own subprocess (``python -m bench.imports <mode> ...``), so peak
memory (``ru_maxrss``) belongs to that one operation and the interpreter's state is fresh.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UCOLS = [f"u{i}" for i in range(1, 10)]


def generate(path: Path, rows: int, units: int = 300, seed: int = 5) -> Path:
    """``rows`` respondents spread over ``units`` units; about 1% of answers left empty."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"unit": pd.Categorical.from_codes(
        rng.integers(0, units, rows), [f"Unit Layanan {i + 1:03d}" for i in range(units)])})
    for col in UCOLS:
        values = rng.choice(np.array(["1", "2", "3", "4"], dtype=object), rows, p=[.05, .15, .5, .3])
        values[rng.random(rows) < 0.01] = ""
        frame[col] = values
    frame["usia"] = rng.integers(17, 80, rows).astype(str)
    frame["jenis_kelamin"] = rng.choice(np.array(["L", "P"], dtype=object), rows)
    frame.to_csv(path, index=False)
    return path


def _status_kb(field: str) -> int | None:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _rss_kb() -> int:
    return _status_kb("VmRSS") or 0


def _peak_kb() -> int:
    """This process's peak resident size. Not ``ru_maxrss``: that survives exec, so a child
    of a large parent (the bench, having generated the file) reports the parent's size."""
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _report(seconds: float, before_kb: int, **extra) -> None:
    peak = _peak_kb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "before_mb": before_kb / 1024,
                      "delta_mb": (peak - before_kb) / 1024, **extra}))


def run_baseline(path: str) -> None:
    import pandas as pd
    before = _rss_kb()
    t0 = time.perf_counter()
    frame = pd.read_csv(path)
    grouped = frame.groupby("unit")[UCOLS].agg(["sum", "count"])
    seconds = time.perf_counter() - t0
    _report(seconds, before, units=len(grouped))


def run_import(path: str, url: str, variant: str = "current", profile: str | None = None) -> None:
    sys.path.insert(0, str(ROOT))
    from tracker import create_app
    from tracker.extensions import db
    from tracker.imports import scores, service
    from tracker.imports.service import import_responses
    from tracker.models import ResponseBlock, UnitResult

    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    # The file is read in chunks while it is parsed: one phase for both.
    service.parse_response_chunks = timed("read and parse", scores.parse_response_chunks)
    service._store_responses = timed("store", service._store_responses)
    # Runs on its own thread while the file is parsed: its time overlaps "read and parse".
    service.keep_original = timed("keep original (beside parsing)", service.keep_original)

    import tempfile
    uploads = tempfile.mkdtemp(prefix="bench-uploads-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "UPLOAD_DIR": uploads})
    with app.app_context():
        db.drop_all()
        db.create_all()
        # A web or worker process has mapped its models before its first import: do it here too,
        # rather than time a once-per-process cost.
        from sqlalchemy.orm import configure_mappers
        configure_mappers()
        before = _rss_kb()
        prof = None
        if profile:
            import cProfile
            prof = cProfile.Profile()
            prof.enable()
        t0 = time.perf_counter()
        # As the command line and the upload page do: the importer reads the file from disk.
        report = import_responses(path, Path(path).name, "2024-S1", "questionnaire", user="bench")
        seconds = time.perf_counter() - t0
        if prof is not None:
            prof.disable()
            prof.dump_stats(profile)
        units = report.batch.unit_count
        stored = db.session.query(db.func.coalesce(db.func.sum(ResponseBlock.respondents), 0)).scalar()
        results = db.session.query(db.func.count(UnitResult.id)).scalar()
        _report(seconds, before, units=units, responses=stored, results=results, phases=phases,
                variant=variant)
        db.session.remove()
        db.drop_all()
    import shutil
    shutil.rmtree(uploads, ignore_errors=True)


def measure(args: list[str], timeout: float = 900) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.imports", *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"bench.imports {args[0]} failed: {out.stderr.strip()[-1500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "baseline":
        run_baseline(sys.argv[2])
    elif mode == "import":
        run_import(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "current",
                   sys.argv[5] if len(sys.argv) > 5 else None)
    else:
        raise SystemExit(f"unknown mode {mode}")
