"""Loading the Surakarta 2021 sample data set (idempotent: periods that already have data are
left as they are)."""
from __future__ import annotations

from pathlib import Path

from .imports.readers import ImportRejected
from .imports.service import existing_batch, import_scores
from .models import Plan
from .results.service import get_period

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "sample_data"


def load_sample(data_dir: str | None = None) -> list[str]:
    folder = Path(data_dir) if data_dir else DEFAULT_DIR
    out = []
    for code in ("S1", "S2"):
        path = folder / f"surakarta-2021-{code}.csv"
        period = get_period(f"2021-{code}")
        if existing_batch(period) is not None:
            out.append(f"Periode 2021-{code} sudah berisi data; dilewati.")
            continue
        report = import_scores(path.read_bytes(), path.name, f"2021-{code}", "questionnaire",
                               user="sample")
        out.append(report.lines()[0])
    rtl = folder / "surakarta-2021-rtl.csv"
    year = get_period("2021")
    if rtl.exists():
        if year is not None and Plan.query.filter_by(period_id=year.id).first() is not None:
            out.append("RTL 2021 sudah ada; dilewati.")
        else:
            from .followup.rtl_import import import_rtl
            try:
                report = import_rtl(rtl.read_bytes(), rtl.name, "2021", "questionnaire", user="sample")
                out.append(report.lines()[0])
            except ImportRejected as exc:
                out.extend(exc.messages())
    return out
