"""Synthetic city-scale datasets built directly with the models (bulk Core inserts).

Used by the bench (300 units, 10 periods, 3 priorities x 3 actions, quarterly progress) and by
tests/test_query_counts.py (small vs large). Deterministic for a given seed.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from sqlalchemy import insert

from tracker.domain import periods as P
from tracker.domain import scoring
from tracker.domain.elements import CURRENT_KEYS
from tracker.extensions import db
from tracker.followup.state import refresh_action_states, refresh_plan_states
from tracker.models import (Action, ElementScore, ImportBatch, Plan, ProgressEntry, Unit,
                            UnitResult)
from tracker.results.service import ensure_period, kept_scores

GROUPS = ("Perangkat Daerah", "UPT", "UPT Puskesmas", "Kecamatan", "Kelurahan", "BUMD", "SMP Negeri")
ACTION_TEXTS = (
    "Memberikan pelatihan khusus terkait service excellent",
    "Perbaikan sarana dan prasarana pelayanan",
    "Evaluasi SOP pelayanan",
    "Peningkatan sosialisasi registrasi online",
    "Penyederhanaan persyaratan pelayanan",
)
STATUSES = ("verified", "verified", "submitted", "rejected")


def semester_codes(n: int, last_year: int = 2024) -> list[str]:
    """``n`` consecutive semester codes ending with ``last_year``-S2, oldest first."""
    codes = []
    year, sem = last_year, 2
    for _ in range(n):
        codes.append(f"{year}-S{sem}")
        year, sem = (year, 1) if sem == 2 else (year - 1, 2)
    return list(reversed(codes))


@dataclass
class City:
    unit_ids: list[int] = field(default_factory=list)
    period_codes: list[str] = field(default_factory=list)
    plan_ids: list[int] = field(default_factory=list)
    action_ids: list[int] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)


def _insert_ids(model, rows: list[dict], chunk: int = 5000) -> list[int]:
    ids: list[int] = []
    for i in range(0, len(rows), chunk):
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids += list(db.session.execute(stmt, rows[i:i + chunk]).scalars())
    return ids


def build_city(units: int, periods: int | list[str], priorities: int = 3, actions: int = 3,
               progress: bool = True, unit_prefix: str = "Unit", seed: int = 5,
               user_id: int | None = None, commit: bool = True) -> City:
    """Units with results in every period, and one accepted plan per unit and period with
    ``priorities`` x ``actions`` actions, each with a progress entry per planned quarter."""
    rnd = random.Random(seed)
    codes = periods if isinstance(periods, list) else semester_codes(periods)
    city = City(period_codes=codes)
    unit_rows = []
    for i in range(units):
        name = f"{unit_prefix} {i + 1:04d}"
        unit_rows.append({"name": name, "name_key": name.lower(), "group": GROUPS[i % len(GROUPS)],
                          "contact": f"Narahubung {i + 1}", "phone": f"0271-{100000 + i}"})
    city.unit_ids = _insert_ids(Unit, unit_rows)
    for code in codes:
        period = ensure_period(code, "questionnaire")
        db.session.flush()
        batch = ImportBatch(kind="scores", period_id=period.id, filename=f"bench-{code}.csv",
                            checksum=hashlib.sha256(code.encode()).hexdigest(), content=b"",
                            numbering="questionnaire", row_count=units, unit_count=units,
                            created_by_label="bench")
        db.session.add(batch)
        db.session.flush()
        nrr_by_unit = {}
        result_rows = []
        for uid in city.unit_ids:
            nrrs = {k: round(rnd.uniform(2.8, 3.9), 4) for k in CURRENT_KEYS}
            nrr_by_unit[uid] = nrrs
            ikm = scoring.ikm(nrrs)
            result_rows.append({"batch_id": batch.id, "period_id": period.id, "unit_id": uid,
                                "respondents": rnd.randint(60, 400), "ikm": ikm,
                                "category": scoring.category(ikm), "family": "nrr", "flags": [],
                                "method": "Online",
                                "scores_kept": kept_scores([(k, None, None, v) for k, v in nrrs.items()])})
        result_ids = _insert_ids(UnitResult, result_rows)
        score_rows = [{"result_id": rid, "element": k, "nrr": v}
                      for rid, uid in zip(result_ids, city.unit_ids)
                      for k, v in nrr_by_unit[uid].items()]
        db.session.execute(insert(ElementScore), score_rows)
        if not priorities or not actions:
            continue
        plan_ids = _insert_ids(Plan, [{"unit_id": uid, "period_id": period.id, "status": "accepted",
                                       "source": "import"} for uid in city.unit_ids])
        city.plan_ids += plan_ids
        window = [q.code for q in P.parse_period(code).plan_quarters()][:4]
        action_rows = []
        for pid, uid in zip(plan_ids, city.unit_ids):
            for element in scoring.priority_elements(nrr_by_unit[uid], priorities):
                for a in range(actions):
                    action_rows.append({"plan_id": pid, "element": element,
                                        "text": ACTION_TEXTS[(a + len(element)) % len(ACTION_TEXTS)],
                                        "quarters": window, "owner": "Sub Bagian Umum",
                                        "created_by_id": user_id})
        action_ids = _insert_ids(Action, action_rows)
        city.action_ids += action_ids
        if not progress:
            continue
        entry_rows = []
        for aid in action_ids:
            for qi, quarter in enumerate(window):
                entry_rows.append({"action_id": aid, "quarter": quarter,
                                   "percent": min(100.0, 25.0 * (qi + 1)),
                                   "narrative": "Kegiatan dilaksanakan sesuai rencana.",
                                   "evidence_link": "https://example.go.id/bukti.pdf",
                                   "status": STATUSES[rnd.randrange(len(STATUSES))],
                                   "submitted_by_id": user_id})
        city.entry_ids += _insert_ids(ProgressEntry, entry_rows)
        # Core inserts bypass the ORM flush that keeps each action's derived state.
        refresh_action_states(db.session.connection(), action_ids)
        refresh_plan_states(db.session.connection(), plan_ids)
    if commit:
        db.session.commit()
    return city
