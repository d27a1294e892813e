"""Respondent-level data stored compact (``ResponseBlock``): written per unit and batch from
the parsed columns with numpy, and read back per respondent when something needs the rows."""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import insert

from ..extensions import db
from ..models import ResponseBlock
from ..models.survey import name_key

DEMOGRAPHIC_COLUMNS = ("age", "sex", "education", "occupation", "submitted_at")
PROFILE_COLUMNS = ("age", "sex", "education", "occupation")


def _factorized(column):
    """(codes per row, distinct values) with empty and missing as the value ""."""
    if column is None:
        return None, None
    codes, uniques = pd.factorize(pd.Series(column, dtype=object).fillna(""), sort=False)
    return codes.astype(np.int64), [str(v) for v in uniques]


def store_blocks(batch, parsed, units: dict) -> int:
    """One ResponseBlock per unit of ``parsed`` (ParsedResponses); returns rows written."""
    keys = list(parsed.keys)
    by_code = np.array([units[name_key(n)].id if n is not None else -1 for n in parsed.unit_names],
                       dtype=np.int64)
    row_units = by_code[parsed.unit_codes]
    order = np.argsort(row_units, kind="stable")
    ordered_units = row_units[order]
    starts = np.flatnonzero(np.r_[True, ordered_units[1:] != ordered_units[:-1]])
    ends = np.r_[starts[1:], len(order)]
    matrix = np.stack([np.nan_to_num(parsed.answers[k], nan=0.0).astype(np.uint8) for k in keys], axis=1)
    demo = {c: _factorized(parsed.demographics.get(c)) for c in DEMOGRAPHIC_COLUMNS}
    rows = []
    for start, end in zip(starts, ends):
        idx = order[start:end]
        unit_id = int(ordered_units[start])
        n = len(idx)
        profile, values, codes = {}, {}, []
        for c in DEMOGRAPHIC_COLUMNS:
            all_codes, uniques = demo[c]
            if all_codes is None:
                local_values, local = [""], np.zeros(n, dtype=np.uint32)
            else:
                mine = all_codes[idx]
                distinct, local = np.unique(mine, return_inverse=True)
                local_values = [uniques[i] for i in distinct]
                local = local.astype(np.uint32)
            values[c] = local_values
            codes.append(local)
            if c in PROFILE_COLUMNS:
                counts = np.bincount(local, minlength=len(local_values))
                profile[c] = [[v, int(k)] for v, k in zip(local_values, counts) if k]
        rows.append({"batch_id": batch.id, "unit_id": unit_id, "respondents": n, "keys": keys,
                     "answers": zlib.compress(np.ascontiguousarray(matrix[idx]).tobytes(), 1),
                     "profile": profile, "detail_values": values,
                     "detail_codes": zlib.compress(np.stack(codes).tobytes(), 1)})
    if rows:
        db.session.execute(insert(ResponseBlock), rows)
    return len(rows)


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
    n, keys = block.respondents, list(block.keys)
    answers = np.frombuffer(zlib.decompress(block.answers), dtype=np.uint8).reshape(n, len(keys))
    codes = np.frombuffer(zlib.decompress(block.detail_codes), dtype=np.uint32).reshape(-1, n)
    demographics = {c: [block.detail_values[c][j] for j in codes[i]]
                    for i, c in enumerate(DEMOGRAPHIC_COLUMNS)}
    return Respondents(keys, answers, demographics)
