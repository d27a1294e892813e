"""Validating aggregated-score and respondent-level files into domain results (no database)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ..domain import quality, scoring
from ..domain.dates import BadDate, format_date, parse_date
from ..domain.elements import UnknownNumbering, numbering_keys
from ..domain.numbers import NotANumber, parse_integer, parse_number
from .readers import Problems, file_row

FAMILIES = {"s": "s_u{}", "nrr": "nrr_u{}", "value": "u{}"}
FAMILY_LABELS = {"s": "s_u1..s_u9 (jumlah nilai)", "nrr": "nrr_u1..nrr_u9 (NRR)",
                 "value": "u1..u9 (nilai skala 25-100)"}
OPTIONAL = ("respondents", "unit_group", "method", "contact", "phone", "population", "reported_ikm",
            "reported_priorities")
DEMOGRAPHIC_ALIASES = {"usia": "age", "jenis_kelamin": "sex", "pendidikan": "education",
                       "pekerjaan": "occupation"}
# The unit's own fieldwork window (Periode pelaksanaan); optional in both kinds of file.
WINDOW_COLUMNS = ("survey_start", "survey_end")
WINDOW_ALIASES = {"mulai_survei": "survey_start", "akhir_survei": "survey_end"}
MAX_WINDOW_DAYS = 400  # a survey round longer than a year and a month is a typo, not fieldwork


@dataclass
class ParsedUnit:
    row: int
    unit: str
    result: scoring.UnitResult
    family: str
    respondents: int | None
    info: dict = field(default_factory=dict)  # unit_group, method, contact, phone, population
    reported_ikm: float | None = None
    reported_priorities: list[str] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)
    survey_start: date | None = None  # the unit's own fieldwork window, when the file gives it
    survey_end: date | None = None


def check_numbering(numbering: str | None, problems: Problems) -> tuple[str, ...] | None:
    if not numbering:
        problems.add(None, None, "Penomoran unsur wajib dinyatakan (--numbering questionnaire "
                                 "atau regulation): U8/U9 berbeda antara keduanya.")
        return None
    try:
        return numbering_keys(numbering)
    except UnknownNumbering as exc:
        problems.add(None, None, str(exc))
        return None


def _family(columns: list[str], keys, problems: Problems) -> str | None:
    present = {}
    for fam, pattern in FAMILIES.items():
        found = [c for c in columns if re.fullmatch(pattern.format(r"\d+"), c)]
        if found:
            present[fam] = found
    if not present:
        problems.add(1, None, "Tidak ada kolom nilai unsur; sertakan tepat satu kelompok: "
                              + "; ".join(FAMILY_LABELS.values()) + ".")
        return None
    if len(present) > 1:
        problems.add(1, None, "Hanya boleh satu kelompok kolom nilai unsur, ditemukan: "
                              + ", ".join(FAMILY_LABELS[f] for f in present) + ".")
        return None
    fam = next(iter(present))
    expected = [FAMILIES[fam].format(i + 1) for i in range(len(keys))]
    for col in expected:
        if col not in columns:
            problems.add(1, col, "Kolom wajib tidak ada.")
    for col in present[fam]:
        if col not in expected:
            problems.add(1, col, f"Kolom di luar {len(keys)} unsur penomoran ini.")
    return fam


def parse_scores(frame: pd.DataFrame, numbering: str | None) -> tuple[list[ParsedUnit], Problems]:
    problems = Problems()
    keys = check_numbering(numbering, problems)
    frame, window_names = window_columns(frame, problems)
    columns = list(frame.columns)
    if "unit" not in columns:
        problems.add(1, "unit", "Kolom wajib tidak ada.")
    if keys is None or "unit" not in columns:
        return [], problems
    fam = _family(columns, keys, problems)
    if fam == "s" and "respondents" not in columns:
        problems.add(1, "respondents", "Kolom wajib bila memakai s_u1..s_u9.")
    if problems.total:
        return [], problems
    if frame.empty:
        problems.add(None, None, "Berkas tidak berisi baris data.")
        return [], problems

    parsed: list[ParsedUnit] = []
    seen: dict[str, int] = {}
    for index, rec in zip(frame.index, frame.to_dict("records")):
        row = file_row(index)
        name = re.sub(r"\s+", " ", rec.get("unit", "")).strip()
        ok = True
        if not name:
            problems.add(row, "unit", "Nama unit kosong.")
            ok = False
        else:
            key = name.lower()
            if key in seen:
                problems.add(row, "unit", f"Unit '{name}' sudah ada di baris {seen[key]} (duplikat).")
                ok = False
            else:
                seen[key] = row
        respondents = _int_cell(rec, "respondents", row, problems, minimum=1)
        population = _int_cell(rec, "population", row, problems, minimum=1)
        reported = _num_cell(rec, "reported_ikm", row, problems)
        if reported is not None and not 25 <= reported <= 100:
            problems.add(row, "reported_ikm", f"IKM tercetak {rec['reported_ikm']} di luar rentang 25-100.")
        values = {}
        for i, k in enumerate(keys):
            col = FAMILIES[fam].format(i + 1)
            v = _num_cell(rec, col, row, problems, required=True)
            if v is None:
                ok = False
                continue
            if fam == "s":
                if v != int(v):
                    problems.add(row, col, f"Jumlah nilai '{rec[col]}' harus bilangan bulat.")
                    ok = False
                elif respondents and not respondents <= v <= 4 * respondents:
                    problems.add(row, col, f"Jumlah nilai {int(v)} tidak mungkin untuk {respondents} "
                                           f"responden (NRR {v / respondents:.3f} di luar 1-4).")
                    ok = False
            elif fam == "nrr" and not 1 <= v <= 4:
                problems.add(row, col, f"NRR {rec[col]} di luar rentang 1-4.")
                ok = False
            elif fam == "value" and not 25 <= v <= 100:
                problems.add(row, col, f"Nilai {rec[col]} di luar rentang 25-100.")
                ok = False
            values[k] = v
        if fam == "s" and respondents is None:
            ok = False
        start, end, window_ok = _window_cells(rec, row, window_names, problems)
        ok = ok and window_ok
        if not ok:
            continue
        if fam == "s":
            result = scoring.result_from_sums(name, values, respondents, group=rec.get("unit_group") or None)
        else:
            nrrs = values if fam == "nrr" else {k: v / 25.0 for k, v in values.items()}
            result = scoring.UnitResult(unit=name, nrrs=nrrs, respondents=respondents,
                                        group=rec.get("unit_group") or None)
        info = {c: rec.get(c) or None for c in ("unit_group", "method", "contact", "phone")}
        info["population"] = population
        printed = _priority_cell(rec, row, problems, len(keys))
        parsed.append(ParsedUnit(row=row, unit=name, result=result, family=fam,
                                 respondents=respondents, info=info, reported_ikm=reported,
                                 reported_priorities=printed, survey_start=start, survey_end=end))
    attach_flags(parsed, numbering)
    return parsed, problems


def _priority_cell(rec, row, problems, count) -> list[str]:
    """Optional `reported_priorities`: the U-codes a report printed, e.g. "U3;U5;U1"."""
    raw = rec.get("reported_priorities", "")
    codes = [c.strip().upper() for c in re.split(r"[;,\s]+", raw) if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"U[1-9]", c) or int(c[1:]) > count]
    if bad:
        problems.add(row, "reported_priorities", f"Kode unsur tidak valid: {', '.join(bad)} (gunakan U1..U{count}).")
        return []
    return codes


def attach_flags(parsed: list[ParsedUnit], numbering: str | None = None) -> None:
    results = [p.result for p in parsed]
    duplicates = quality.check_duplicate_blocks(results)
    for p in parsed:
        flags = [
            quality.check_reported_ikm(p.reported_ikm, p.result, results),
            quality.check_sample_size(p.respondents, p.info.get("population")),
            duplicates.get(p.unit),
            quality.check_priorities(p.reported_priorities, p.result, numbering)
            if p.reported_priorities and numbering else None,
        ]
        p.flags = [f.as_dict() for f in flags if f is not None]


def window_columns(frame: pd.DataFrame, problems: Problems) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename the Indonesian window headers to ``survey_start``/``survey_end``; returns the
    frame and, per window column present, the header the file used (for messages)."""
    names = {}
    for alias, column in WINDOW_ALIASES.items():
        if alias in frame.columns and column in frame.columns:
            problems.add(1, alias, f"Kolom '{alias}' dan '{column}' sama artinya; pakai salah satu.")
        elif alias in frame.columns:
            frame = frame.rename(columns={alias: column})
            names[column] = alias
    for column in WINDOW_COLUMNS:
        if column in frame.columns:
            names.setdefault(column, column)
    return frame, names


def _date_cell(value, row, shown, end, problems) -> tuple[date | None, bool]:
    try:
        return parse_date(value, end=end), True
    except BadDate as exc:
        problems.add(row, shown, str(exc))
        return None, False


def check_window(start: date | None, end: date | None) -> str | None:
    """Why a fieldwork window cannot be right, or None."""
    if start is None or end is None:
        return None
    if end < start:
        return (f"akhir survei {format_date(end)} lebih awal dari mulai survei "
                f"{format_date(start)}.")
    days = (end - start).days + 1
    if days > MAX_WINDOW_DAYS:
        return (f"periode pelaksanaan {format_date(start)} - {format_date(end)} sepanjang {days} "
                f"hari; paling lama {MAX_WINDOW_DAYS} hari (periksa tahunnya).")
    return None


def _window_cells(rec, row, names, problems) -> tuple[date | None, date | None, bool]:
    """The optional `survey_start`/`survey_end` cells of one row (a month alone is its first
    day at the start and its last day at the end)."""
    if not names:
        return None, None, True
    start, ok_start = _date_cell(rec.get("survey_start", ""), row, names.get("survey_start"),
                                 False, problems)
    end, ok_end = _date_cell(rec.get("survey_end", ""), row, names.get("survey_end"), True,
                             problems)
    why = check_window(start, end)
    if why:
        problems.add(row, names.get("survey_end"), why)
        return start, end, False
    return start, end, ok_start and ok_end


def _num_cell(rec, col, row, problems, required=False):
    raw = rec.get(col, "")
    if raw == "":
        if required:
            problems.add(row, col, "Nilai kosong.")
        return None
    try:
        return parse_number(raw)
    except NotANumber:
        problems.add(row, col, f"'{_clip(raw)}' bukan angka.")
        return None


def _int_cell(rec, col, row, problems, minimum=None):
    raw = rec.get(col, "")
    if raw == "":
        return None
    try:
        value = parse_integer(raw)
    except NotANumber:
        problems.add(row, col, f"'{_clip(raw)}' bukan bilangan bulat.")
        return None
    if minimum is not None and value < minimum:
        problems.add(row, col, f"Nilai {value} harus paling sedikit {minimum}.")
        return None
    return value


# ---------------------------------------------------------------- respondent-level files

@dataclass
class ParsedResponses:
    units: list[ParsedUnit]
    keys: tuple[str, ...]
    answers: dict[str, np.ndarray]  # element key -> float array (NaN = not answered)
    unit_names: np.ndarray  # display name per unit code
    unit_codes: np.ndarray  # unit code per row
    demographics: dict[str, Coded | None]  # column -> its text per row (None: no such column)
    # The same answers as one uint8 matrix rows x keys (0 = not answered), made once for the
    # tallies and the packed blocks
    answer_codes: np.ndarray

    def __len__(self) -> int:
        return len(self.unit_codes)


def _text_column(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("").str.strip()


def parse_responses(frame: pd.DataFrame, numbering: str | None,
                    complete: bool = True) -> tuple[ParsedResponses | None, Problems]:
    """Validate respondent rows with vectorised checks, then aggregate per unit.

    ``frame`` may come typed (read_table(as_text=False)) or as text; both are checked the same.
    With ``complete=False`` the frame is one chunk of a file: the checks that need all of a
    unit's rows (an element nobody answered, the unit's survey window) and the flags are left
    to ``parse_response_chunks``, which merges the chunks.
    """
    problems = Problems()
    keys = check_numbering(numbering, problems)
    if any(c in DEMOGRAPHIC_ALIASES for c in frame.columns):  # renamed without copying the rows
        frame = frame.rename(columns=DEMOGRAPHIC_ALIASES, copy=False)
    frame, window_names = window_columns(frame, problems)
    columns = list(frame.columns)
    if "unit" not in columns:
        problems.add(1, "unit", "Kolom wajib tidak ada.")
    if keys is None:
        return None, problems
    ucols = [f"u{i + 1}" for i in range(len(keys))]
    for col in ucols:
        if col not in columns:
            problems.add(1, col, "Kolom wajib tidak ada.")
    if problems.total:
        return None, problems
    if frame.empty:
        problems.add(None, None, "Berkas tidak berisi baris data.")
        return None, problems

    # Unit names: normalise each distinct name once, not each of a million rows.
    # pd.factorize hashes without sorting (astype("category") sorted the names: a fifth of
    # the chunk's checks); codes are -1 for an empty cell -> the "" appended below.
    codes, distinct = pd.factorize(frame["unit"], use_na_sentinel=True)
    display = np.array([re.sub(r"\s+", " ", str(c)).strip() for c in distinct] + [""], dtype=object)
    names_by_code = display
    empty = np.flatnonzero(display[codes] == "")
    for index in frame.index[empty[:200]]:
        problems.add(file_row(index), "unit", "Nama unit kosong.")
    problems.total += max(0, len(empty) - 200)

    answers = {}
    for col, key in zip(ucols, keys):
        raw = frame[col]
        if raw.dtype == object or str(raw.dtype).startswith("string"):
            text = _text_column(raw)
            present = (text != "").to_numpy()
            numeric = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(dtype=float)
        else:
            numeric = raw.to_numpy(dtype=float)
            present = ~np.isnan(numeric)
        bad = present & ~np.isin(numeric, (1.0, 2.0, 3.0, 4.0))
        bad_idx = np.flatnonzero(bad)
        for i in bad_idx[:200]:
            problems.add(file_row(frame.index[i]), col,
                         f"Jawaban '{_shown(raw.iloc[i])}' harus 1, 2, 3 atau 4 (atau kosong).")
        problems.total += max(0, len(bad_idx) - 200)
        answers[key] = np.where(present, numeric, np.nan)
    window_days = {c: _date_column(frame, c, shown, c == "survey_end", problems)
                   for c, shown in window_names.items()}
    if len(window_days) == 2:
        starts, ends = window_days["survey_start"], window_days["survey_end"]
        backwards = np.flatnonzero((starts > 0) & (ends > 0) & (ends < starts))
        for i in backwards[:200]:
            problems.add(file_row(frame.index[i]), window_names["survey_end"], check_window(
                date.fromordinal(int(starts[i])), date.fromordinal(int(ends[i]))))
        problems.total += max(0, len(backwards) - 200)
    if problems.total:
        return None, problems

    # Names that differ only in case or spacing are one unit.
    lowered = np.array([n.lower() for n in names_by_code], dtype=object)
    merged_keys, merged = np.unique(lowered, return_inverse=True)
    unit_codes = merged[codes]
    n = len(merged_keys)
    # Sums and counts per unit with bincount (one pass per element): reading a grouped frame
    # cell by cell cost a third of a million-row import.
    # Answers are 1-4 (checked above), so each element's tally is one bincount of unit x answer
    # (0 = not answered) without weights: the sum is the answers times their counts.
    sizes = np.bincount(unit_codes, minlength=n).tolist()
    base = unit_codes.astype(np.int64) * 5
    answer_codes = np.empty((len(unit_codes), len(keys)), dtype=np.uint8)
    for j, k in enumerate(keys):
        answer_codes[:, j] = np.nan_to_num(answers[k])
    sums, counts = {}, {}
    for j, k in enumerate(keys):
        tally = np.bincount(base + answer_codes[:, j], minlength=5 * n).reshape(n, 5)
        sums[k] = (tally[:, 1:] @ np.arange(1, 5)).astype(float).tolist()
        counts[k] = tally[:, 1:].sum(axis=1).tolist()
    narrow = unit_codes.astype(np.uint16) if n <= 2**16 else unit_codes  # radix-sorted by numpy
    present, first_pos = np.unique(narrow, return_index=True)
    first = dict(sorted(zip(present.tolist(), first_pos.tolist()), key=lambda item: item[1]))
    windows = _unit_windows(window_days, unit_codes)
    parsed = []
    for ucode, pos in first.items():
        name, row = display[codes[pos]], file_row(frame.index[pos])
        missing = [k for k in keys if counts[k][ucode] == 0]
        if missing and complete:
            problems.add(row, "unit", f"Unit '{name}' tidak punya jawaban untuk unsur "
                                      + ", ".join(missing) + ".")
            continue
        result = scoring.UnitResult(
            unit=name, nrrs={k: sums[k][ucode] / max(1, counts[k][ucode]) for k in keys},
            respondents=sizes[ucode], sums={k: sums[k][ucode] for k in keys},
            answers={k: counts[k][ucode] for k in keys})
        start, end = windows.get(ucode, (None, None))
        why = check_window(start, end) if complete else None
        if why:
            problems.add(row, window_names.get("survey_end"), f"Unit '{name}': {why}")
            continue
        parsed.append(ParsedUnit(row=row, unit=name, result=result, family="responses",
                                 respondents=sizes[ucode], info={},
                                 survey_start=start, survey_end=end))
    if problems.total:
        return None, problems
    if complete:
        attach_flags(parsed, numbering)
    demographics = {}
    for col in ("age", "sex", "education", "occupation", "submitted_at"):
        demographics[col] = _text_values(frame[col]) if col in columns else None
    return ParsedResponses(units=parsed, keys=tuple(keys), answers=answers, answer_codes=answer_codes,
                           unit_names=_names_by_merged_code(len(merged_keys), first, display, codes),
                           unit_codes=unit_codes, demographics=demographics), problems


def _date_column(frame: pd.DataFrame, column: str, shown: str, end: bool,
                 problems: Problems) -> np.ndarray:
    """Day numbers (``date.toordinal()``, 0 = empty) of one window column, each distinct
    cell parsed once; a cell that is not a date is a problem naming its row."""
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    days = np.zeros(len(uniques) + 1, dtype=np.int64)  # the last slot answers code -1 (empty)
    errors = {}
    for i, value in enumerate(uniques):
        try:
            day = parse_date(value, end=end)
        except BadDate as exc:
            errors[i] = str(exc)
            continue
        days[i] = day.toordinal() if day is not None else 0
    if errors:
        bad = np.flatnonzero(np.isin(codes, list(errors)))
        for i in bad[:200]:
            problems.add(file_row(frame.index[i]), shown, errors[int(codes[i])])
        problems.total += max(0, len(bad) - 200)
    return days[codes]


def _unit_windows(window_days: dict[str, np.ndarray], unit_codes: np.ndarray) -> dict:
    """Per unit code: (earliest start, latest end) over its rows; None where no row gives it."""
    if not window_days:
        return {}
    out: dict = {}
    for column, days in window_days.items():
        values = pd.Series(np.where(days > 0, days, np.nan)).groupby(unit_codes, sort=False)
        picked = values.min() if column == "survey_start" else values.max()
        for ucode, day in picked.items():
            pair = out.setdefault(ucode, [None, None])
            if not np.isnan(day):
                pair[0 if column == "survey_start" else 1] = date.fromordinal(int(day))
    return {u: tuple(p) for u, p in out.items()}


def _names_by_merged_code(size, first: dict, display, codes) -> np.ndarray:
    out = np.full(size, None, dtype=object)
    for merged_code, pos in first.items():
        out[merged_code] = display[codes[int(pos)]]
    return out


@dataclass
class Coded:
    """A text column kept as numbers into its distinct cleaned values (``values[-1]`` is None,
    for empty cells, numbered -1): a million respondents' ages are a million small integers,
    not a million references. Indexing gives a row's value."""
    codes: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, row):
        return self.values[self.codes[row]]

    def __iter__(self):
        return iter(self.values[self.codes])


def _text_values(column: pd.Series) -> Coded:
    """Strings per row, None when empty; each distinct value is cleaned once."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)  # -1 for an empty cell
    cleaned = [_clean_text(c) for c in distinct] + [None]
    return Coded(codes, np.array(cleaned, dtype=object))


def _clean_text(value) -> str | None:
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value).strip()
    return text or None


def _clip(text, limit: int = 40) -> str:
    """A cell as an error message quotes it: long pasted values are cut, and say so."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} karakter)"


def _shown(value) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


@dataclass
class RespondentFile:
    """A respondent-level file read in chunks: the units with their results, and the
    respondents already packed as compact blocks (``tracker.imports.blocks``), one per unit and
    chunk: ``pieces`` holds (index into ``unit_names``, block fields)."""
    units: list[ParsedUnit]
    keys: tuple[str, ...]
    unit_names: list[str]
    pieces: list[tuple[int, dict]]
    rows: int

    def __len__(self) -> int:
        return self.rows


def parse_response_chunks(frames, numbering: str | None) -> tuple[RespondentFile | None, Problems]:
    """``parse_responses`` over a file read in chunks (``readers.read_table_chunks``): each
    chunk is validated and summed on its own, then units are merged by name (case and spacing
    ignored). A chunk's respondents are packed into compact blocks as soon as it is read, so
    only one chunk's rows are held at a time: memory stays flat in the number of rows."""
    from .blocks import pack_rows

    problems = Problems()
    units: dict[str, dict] = {}  # lower-cased name -> merged figures
    order: list[str] = []
    position: dict[str, int] = {}  # lower-cased name -> merged unit code
    pieces: list[tuple[int, dict]] = []
    rows = 0
    window_column = None
    keys = None
    chunks = 0
    for frame in frames:
        chunks += 1
        part, found = parse_responses(frame, numbering, complete=False)
        for p in found.items:
            problems.add(p.row, p.column, p.message)
        problems.total += found.total - len(found.items)
        if part is None:
            if any(p.row in (None, 1) for p in found.items):
                break  # a problem of the whole file (header, numbering, no rows) repeats per chunk
            continue
        if problems.total:
            continue  # keep validating the other chunks; nothing more to merge
        keys = part.keys
        local = np.empty(len(part.unit_names), dtype=np.int64)
        for code, name in enumerate(part.unit_names):
            if name is None:  # a code no row of this chunk uses
                local[code] = -1
                continue
            lowered = name.lower()
            if lowered not in units:
                units[lowered] = {"name": name, "row": None, "sums": dict.fromkeys(keys, 0.0),
                                  "counts": dict.fromkeys(keys, 0), "size": 0, "start": None, "end": None}
                position[lowered] = len(order)
                order.append(lowered)
            local[code] = position[lowered]
        for pu in part.units:
            u = units[pu.unit.lower()]
            u["row"] = pu.row if u["row"] is None else min(u["row"], pu.row)
            for k in keys:
                u["sums"][k] += pu.result.sums[k]
                u["counts"][k] += pu.result.answers[k]
            u["size"] += pu.respondents
            if pu.survey_start and (u["start"] is None or pu.survey_start < u["start"]):
                u["start"] = pu.survey_start
            if pu.survey_end and (u["end"] is None or pu.survey_end > u["end"]):
                u["end"] = pu.survey_end
        pieces.extend(pack_rows(keys, part.answer_codes, local[part.unit_codes], part.demographics))
        rows += len(part)
        window_column = window_column or ("survey_end" if any(pu.survey_end for pu in part.units) else None)
    if chunks == 0:
        problems.add(None, None, "Berkas tidak berisi baris data.")
    if problems.total:
        return None, problems
    parsed = []
    for lowered in order:
        u = units[lowered]
        missing = [k for k in keys if u["counts"][k] == 0]
        if missing:
            problems.add(u["row"], "unit", f"Unit '{u['name']}' tidak punya jawaban untuk unsur "
                                           + ", ".join(missing) + ".")
            continue
        why = check_window(u["start"], u["end"])
        if why:
            problems.add(u["row"], window_column or "survey_end", f"Unit '{u['name']}': {why}")
            continue
        result = scoring.UnitResult(
            unit=u["name"], nrrs={k: u["sums"][k] / u["counts"][k] for k in keys}, respondents=u["size"],
            sums=dict(u["sums"]), answers=dict(u["counts"]))
        parsed.append(ParsedUnit(row=u["row"], unit=u["name"], result=result, family="responses",
                                 respondents=u["size"], info={}, survey_start=u["start"], survey_end=u["end"]))
    if problems.total:
        return None, problems
    attach_flags(parsed, numbering)
    return RespondentFile(units=parsed, keys=tuple(keys), unit_names=[units[k]["name"] for k in order],
                          pieces=pieces, rows=rows), problems
