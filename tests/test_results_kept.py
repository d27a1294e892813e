"""Each unit result keeps its element scores on its row (unit_result.scores_kept, written by the
import in the same insert as its element_score rows); the readers take them from there, and
from element_score for a result stored before they were kept."""
import json

import numpy as np
from sqlalchemy import select, text

from tests.helpers import QueryCounter
from tracker.extensions import db
from tracker.models import ElementScore, UnitResult
from tracker.results import service


def _score_rows():
    e = ElementScore.__table__
    out: dict[int, list] = {}
    for rid, element, total, answers, nrr in db.session.execute(
            select(e.c.result_id, e.c.element, e.c.total, e.c.answers, e.c.nrr).order_by(e.c.id)):
        out.setdefault(rid, []).append([element, total, answers, nrr])
    return out


def _statements(fn):
    with QueryCounter() as sent:
        out = fn()
    return out, sent.statements


def test_the_import_keeps_each_results_scores_as_its_rows(loaded):
    rows = _score_rows()
    kept = dict(db.session.execute(select(UnitResult.id, UnitResult.scores_kept)).all())
    assert kept and set(kept) == set(rows)
    for rid, text_ in kept.items():
        assert json.loads(text_) == rows[rid], rid


def test_readers_give_the_same_with_or_without_the_kept_scores(loaded):
    periods = [r.period_id for r in db.session.execute(select(UnitResult.period_id).distinct())]
    before = [(r.id, r.unit.name, list(r.elements)) for r in service.stored_results(periods)]
    nrrs_before = service.nrrs_for_codes(["2021-S1", "2021-S2", "2021"])
    views_before = {v.unit.id: v.result.nrrs for v in service.unit_views("2021")}
    _, kept_statements = _statements(lambda: service.stored_results(periods))
    # Half the results lose their kept scores, as if stored before they were kept.
    db.session.execute(text("UPDATE unit_result SET scores_kept = NULL WHERE id % 2 = 0"))
    db.session.expire_all()
    after, fallback_statements = _statements(lambda: service.stored_results(periods))
    assert [(r.id, r.unit.name, list(r.elements)) for r in after] == before
    assert service.nrrs_for_codes(["2021-S1", "2021-S2", "2021"]) == nrrs_before
    assert {v.unit.id: v.result.nrrs for v in service.unit_views("2021")} == views_before
    # Kept: results, units and periods; not kept: one more query, of element_score.
    assert not any("element_score" in s for s in kept_statements)
    assert len(kept_statements) == 3
    assert len(fallback_statements) == 4 and "element_score" in fallback_statements[-1]


def test_kept_scores_are_plain_json_numbers():
    kept = service.kept_scores([("waktu", np.float64(31.5), np.int64(10), np.float64(3.15)),
                                ("biaya", None, None, 4)])
    assert json.loads(kept) == [["waktu", 31.5, 10, 3.15], ["biaya", None, None, 4.0]]
    assert type(json.loads(kept)[0][2]) is int


def test_flags_are_read_as_stored(loaded):
    rid, period_id = db.session.execute(select(UnitResult.id, UnitResult.period_id).order_by(UnitResult.id)).first()
    flag = {"code": "ikm_berbeda", "message": "IKM dilaporkan 80,1; dihitung 79,9", "ratio": 0.5}
    db.session.execute(UnitResult.__table__.update().where(UnitResult.__table__.c.id == rid).values(flags=[flag]))
    rows = {r.id: r for r in service.stored_results([period_id])}
    assert rows[rid].flags == [flag]
    db.session.expire_all()
    orm = {r.id: r.flags for r in UnitResult.query.filter_by(period_id=period_id)}
    assert {i: r.flags for i, r in rows.items()} == orm
    assert any(f for i, f in orm.items() if i != rid) and any(not f for f in orm.values())  # both kinds read
