"""Respondent-level data stored compact (``ResponseBlock``): written per unit and batch from
the parsed columns with numpy, and read back per respondent when something needs the rows."""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import zstandard

from ..models import ResponseBlock
from ..models.survey import name_key
from .bulk import insert_rows

DEMOGRAPHIC_COLUMNS = ("age", "sex", "education", "occupation", "submitted_at")
PROFILE_COLUMNS = ("age", "sex", "education", "occupation")


def _factorized(column):
    """(codes per row, distinct values as an object array) with empty and missing as ""."""
    if column is None:
        return None, None
    if hasattr(column, "codes"):  # scores.Coded: merge its values that clean to the same text
        written = np.array(["" if v is None else str(v) for v in column.values], dtype=object)
        distinct, remap = np.unique(written, return_inverse=True)
        return remap[column.codes].astype(np.int64), distinct
    codes, uniques = pd.factorize(pd.Series(column, dtype=object).fillna(""), sort=False)
    return codes.astype(np.int64), np.array([str(v) for v in uniques], dtype=object)


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_packer = zstandard.ZstdCompressor(level=1)


def _compress(data: bytes) -> bytes:
    """A block's bytes compressed with zstd at its fastest level: three times quicker than
    zlib's fastest for a smaller result (compression was a fifth of a million-row import)."""
    return _packer.compress(data)


def _decompress(data: bytes) -> bytes:
    """Blocks written before zstd are zlib streams; a zstd frame starts with its magic number."""
    if bytes(data[:4]) == _ZSTD_MAGIC:
        return zstandard.ZstdDecompressor().decompress(data)
    return zlib.decompress(data)


def _codes_dtype(size: int):
    """The narrowest unsigned type that numbers ``size`` distinct values."""
    return np.uint8 if size <= 2**8 else np.uint16 if size <= 2**16 else np.uint32


def _distinct(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(numbers, return_inverse=True)`` without sorting when the numbers lie in a
    range not much wider than their count (units x distinct ages, say): marks and a running
    count instead."""
    if not len(numbers):
        return numbers, numbers
    top = int(numbers.max()) + 1
    if top > 4 * len(numbers) + 1024:
        return np.unique(numbers, return_inverse=True)
    present = np.bincount(numbers, minlength=top) > 0
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), rank[numbers]


def pack_rows(keys, answer_codes: np.ndarray, row_units: np.ndarray, demographics: dict) -> list[tuple[int, dict]]:
    """The rows of one chunk as compact blocks, one per unit: [(unit index, block fields)].
    ``answer_codes`` holds the answers, rows x ``keys`` (uint8, 0 = not answered), ``row_units`` gives each
    row's unit index, ``demographics`` each attribute's values per row (None when absent).

    Each attribute's values are numbered per block. That numbering is made for all units at
    once: the distinct (unit, value) pairs of the chunk, sorted, give each unit a contiguous
    range of values, and a row's number is its pair's place in that range."""
    keys = list(keys)
    # A stable sort of small integers is a radix sort in numpy: narrow the unit numbers first.
    narrow = row_units.astype(np.uint16) if len(row_units) and row_units.max() < 2**16 else row_units
    order = np.argsort(narrow, kind="stable")
    ordered_units = row_units[order]
    starts = np.flatnonzero(np.r_[True, ordered_units[1:] != ordered_units[:-1]])
    ends = np.r_[starts[1:], len(order)]
    block_units = ordered_units[starts]
    matrix = answer_codes[order]
    numbered, widest = {}, 1
    for c in DEMOGRAPHIC_COLUMNS:
        codes, uniques = _factorized(demographics.get(c))
        if codes is None:
            continue
        pairs = ordered_units.astype(np.int64) * len(uniques) + codes[order]
        distinct, inverse = _distinct(pairs)
        pair_units = distinct // len(uniques)
        first = np.searchsorted(pair_units, block_units)  # each block's first pair
        last = np.r_[first[1:], len(distinct)]
        local = inverse - np.repeat(first, ends - starts)
        # Every (unit, value) pair occurs, so its count is the block's profile entry.
        tally = np.bincount(inverse, minlength=len(distinct)).tolist() if c in PROFILE_COLUMNS else None
        numbered[c] = (uniques[distinct % len(uniques)].tolist(), first.tolist(), last.tolist(), local, tally)
        widest = max(widest, len(uniques))
    # Every block's numbers in one matrix (attributes x rows, in block order), sliced per block.
    all_codes = np.zeros((len(DEMOGRAPHIC_COLUMNS), len(order)), dtype=_codes_dtype(widest))
    for i, c in enumerate(DEMOGRAPHIC_COLUMNS):
        if c in numbered:
            all_codes[i] = numbered[c][3]
    out = []
    for b, (start, end) in enumerate(zip(starts, ends)):
        n = int(end - start)
        profile, values = {}, {}
        for i, c in enumerate(DEMOGRAPHIC_COLUMNS):
            if c not in numbered:
                values[c] = [""]
                if c in PROFILE_COLUMNS:
                    profile[c] = [["", n]]
                continue
            written, first, last, _, tally = numbered[c]
            lo, hi = first[b], last[b]
            values[c] = written[lo:hi]
            if tally is not None:
                profile[c] = list(zip(values[c], tally[lo:hi]))  # (value, count) pairs, stored as JSON arrays
        out.append((int(block_units[b]), {
            "respondents": n, "keys": keys,
            "answers": _compress(matrix[start:end].tobytes()),
            "profile": profile, "detail_values": values,
            "detail_codes": _compress(all_codes[:, start:end].tobytes())}))
    return out


def store_blocks(batch, parsed, units: dict) -> int:
    """The packed blocks of ``parsed`` (a RespondentFile) written for ``batch``, with each
    unit's id; returns the number of blocks."""
    ids = [units[name_key(name)].id for name in parsed.unit_names]
    rows = [{**fields, "batch_id": batch.id, "unit_id": ids[index]} for index, fields in parsed.pieces]
    if not rows:
        return 0
    return insert_rows(ResponseBlock, rows)


@dataclass
class Respondents:
    """One block read back: ``answers`` (respondents x keys, 0 = not answered) and each
    demographic column as a list of written values ("" when empty)."""
    keys: list[str]
    answers: np.ndarray
    demographics: dict[str, list[str]]

    def rows(self):
        """Each respondent as {element key: answer or None, attribute: value or None}."""
        for i in range(len(self.answers)):
            row = {k: (int(v) or None) for k, v in zip(self.keys, self.answers[i])}
            row.update({c: (vals[i] or None) for c, vals in self.demographics.items()})
            yield row


def read_block(block: ResponseBlock) -> Respondents:
    return unpack({"respondents": block.respondents, "keys": block.keys, "answers": block.answers,
                   "detail_values": block.detail_values, "detail_codes": block.detail_codes})


def unpack(fields: dict) -> Respondents:
    """A block's fields (as ``pack_rows`` makes them, or read from a row) back to respondents."""
    n, keys = fields["respondents"], list(fields["keys"])
    answers = np.frombuffer(_decompress(fields["answers"]), dtype=np.uint8).reshape(n, len(keys))
    raw = _decompress(fields["detail_codes"])
    # Numbers are stored in the narrowest type that holds them (older blocks: always uint32).
    width = len(raw) // (len(DEMOGRAPHIC_COLUMNS) * n) if n else 4
    codes = np.frombuffer(raw, dtype={1: np.uint8, 2: np.uint16, 4: np.uint32}[width]).reshape(-1, n)
    demographics = {c: [fields["detail_values"][c][j] for j in codes[i]]
                    for i, c in enumerate(DEMOGRAPHIC_COLUMNS)}
    return Respondents(keys, answers, demographics)
