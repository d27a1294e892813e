"""The schema comes only from migrations, and the migrations match the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.conftest import fresh_pg_url
from tracker import create_app
from tracker.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_app(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'mig.sqlite'}" if request.param == "sqlite" else fresh_pg_url("_mig")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_matches_models(empty_db_app):
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"unit", "period", "unit_result", "element_score", "plan", "action", "progress_entry"} <= tables


def test_downgrade_to_base_and_back(empty_db_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "unit_result" in inspect(db.engine).get_table_names()


def test_derived_action_state_filled_in_for_existing_actions(empty_db_app):
    """433cdf0b93b2 adds each action's derived state and computes it for the actions already
    there, with the same rule the app keeps it by."""
    from datetime import datetime

    from sqlalchemy import text
    upgrade(revision="b07fd1cfc933")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO unit (id, name, name_key, created_at) "
                          "VALUES (1, 'Unit A', 'unit a', :t)"), {"t": datetime(2023, 7, 1)})
        conn.execute(text(
            "INSERT INTO period (id, code, kind, year, number, start_date, end_date, element_keys, "
            "status, progress_grace_days, created_at) VALUES (1, '2023-S1', 'semester', 2023, 1, "
            ":start, :end, '[]', 'open', 15, :t)"),
            {"start": datetime(2023, 1, 1).date(), "end": datetime(2023, 6, 30).date(),
             "t": datetime(2023, 7, 1)})
        conn.execute(text("INSERT INTO plan (id, unit_id, period_id, status, source, created_at, version) "
                          "VALUES (1, 1, 1, 'accepted', 'web', :t, 1)"), {"t": datetime(2023, 7, 1)})
        for aid, na in ((1, False), (2, False), (3, True), (4, False)):
            conn.execute(text(
                "INSERT INTO action (id, plan_id, element, text, quarters, not_actionable, created_at, "
                "updated_at, version) VALUES (:id, 1, 'waktu', 'aksi', '[\"2023-TW3\", \"2023-TW4\"]', "
                ":na, :t, :t, 1)"), {"id": aid, "na": na, "t": datetime(2023, 7, 1)})
        entries = [(1, "2023-TW3", 40, "verified", 1), (1, "2023-TW4", 100, "verified", 2),
                   (2, "2023-TW3", 60, "verified", 1), (2, "2023-TW4", 90, "rejected", 2),
                   (3, "2023-TW3", 10, "submitted", 1)]
        for i, (aid, quarter, percent, status, day) in enumerate(entries, 1):
            conn.execute(text(
                "INSERT INTO progress_entry (id, action_id, quarter, percent, narrative, status, "
                "submitted_at, version) VALUES (:id, :aid, :q, :p, 'x', :s, :t, 1)"),
                {"id": i, "aid": aid, "q": quarter, "p": percent, "s": status,
                 "t": datetime(2023, 10, day)})
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, state_percent, state_outcome, state_verified FROM action "
                                 "ORDER BY id")).all()
    import json
    got = [(r[0], r[1], r[2], json.loads(r[3]) if isinstance(r[3], str) else r[3]) for r in rows]
    assert got == [(1, 100.0, "sesuai", ["2023-TW3", "2023-TW4"]),
                   (2, 60.0, "dalam_proses", ["2023-TW3"]),
                   (3, None, "tidak_dapat", []),
                   (4, None, "belum", [])]
    # c4e1a7d2f9b0 adds the reporting state (claimed, reported quarters, waiting for review).
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, state_claimed, state_reported, state_pending FROM action "
                                 "ORDER BY id")).all()
        sources = {r[0] for r in conn.execute(text("SELECT source FROM progress_entry"))}
        aliases = conn.execute(text("SELECT count(*) FROM unit_alias")).scalar()
    got = [(r[0], r[1], json.loads(r[2]) if isinstance(r[2], str) else r[2], bool(r[3])) for r in rows]
    assert got == [(1, 100.0, ["2023-TW3", "2023-TW4"], False),
                   (2, 60.0, ["2023-TW3"], False),
                   (3, 10.0, ["2023-TW3"], True),
                   (4, None, [], False)]
    assert sources == {"web"} and aliases == 0
    # d9e2b6f4a817 keeps the plan's reports at a glance: last report sent or reviewed, and the
    # one report waiting for the inspector (sent 1 October) with its time.
    with db.engine.connect() as conn:
        updated, pending, since = conn.execute(text(
            "SELECT state_updated_at, state_pending_count, state_pending_since FROM plan")).one()
    as_time = (lambda v: datetime.fromisoformat(v) if isinstance(v, str) else v)
    assert (as_time(updated), pending, as_time(since)) == (datetime(2023, 10, 2), 1, datetime(2023, 10, 1))
    # e7b3c5a9d241 keeps the plan's status digest: four actions, the third not actionable, so
    # realisation is the mean of 100, 60 and 0, and its waiting report is nobody's task.
    with db.engine.connect() as conn:
        kept = conn.execute(text("SELECT state_digest FROM plan")).scalar()
    kept = json.loads(kept) if isinstance(kept, str) else kept
    assert (kept["n"], kept["r"], kept["pending"], kept["unscheduled"]) == (4, 160 / 3, [], [])
    assert sorted(kept["cells"]) == ["2023-TW3", "2023-TW4"]


def test_respondent_rows_are_packed_into_blocks_and_back(empty_db_app):
    """e4a9c2f7b130 packs each unit's response rows of a batch into one block (answers,
    demographics and their counts), and its downgrade unpacks them again."""
    from sqlalchemy import text

    from tracker.imports.blocks import read_block
    from tracker.models import ResponseBlock
    upgrade(revision="d8f3b1a7c625")
    with db.engine.begin() as conn:
        _two_units_and_a_batch(conn, "responses")
        for uid, answers, age, sex in ((1, '{"persyaratan": 4, "waktu": null}', "30", "P"),
                                       (1, '{"persyaratan": 2, "waktu": 3}', None, "L"),
                                       (2, '{"persyaratan": 1, "waktu": 1}', "61", "P")):
            conn.execute(text("INSERT INTO response (batch_id, unit_id, answers, age, sex) VALUES (1, :u, :a, :g, :s)"),
                         {"u": uid, "a": answers, "g": age, "s": sex})
    upgrade()
    blocks = {b.unit_id: b for b in ResponseBlock.query.all()}
    assert sorted(blocks) == [1, 2] and blocks[1].respondents == 2
    rows = list(read_block(blocks[1]).rows())
    assert [(r["persyaratan"], r["waktu"], r["age"], r["sex"]) for r in rows] == [(4, None, "30", "P"), (2, 3, None, "L")]
    assert dict(map(tuple, blocks[1].profile["sex"])) == {"P": 1, "L": 1}
    db.session.remove()
    downgrade(revision="d8f3b1a7c625")
    with db.engine.connect() as conn:
        back = conn.execute(text("SELECT unit_id, age, sex FROM response ORDER BY id")).all()
    assert [tuple(r) for r in back] == [(1, "30", "P"), (1, None, "L"), (2, "61", "P")]


def test_result_scores_are_kept_on_their_rows(empty_db_app):
    """a3d7e1c9b542 copies each result's element scores onto its row, in their order; a
    result without scores keeps an empty list; the readers then give what the rows gave."""
    import json

    from sqlalchemy import text

    from tracker.results import service
    upgrade(revision="e7b3c5a9d241")
    with db.engine.begin() as conn:
        _two_units_and_a_batch(conn, "scores")
        for rid, uid in ((1, 1), (2, 2)):
            conn.execute(text("INSERT INTO unit_result (id, batch_id, period_id, unit_id, respondents, ikm, category, "
                              "family, flags) VALUES (:r, 1, 1, :u, 10, 80.0, 'B', 's', '[]')"), {"r": rid, "u": uid})
        # Stored out of element order on purpose: the row keeps the scores' own order.
        for sid, element, total, answers, nrr in ((7, "waktu", 31.0, 10, 3.1), (3, "persyaratan", None, None, 3.25),
                                                  (9, "biaya", 40.0, 10, 4.0)):
            conn.execute(text("INSERT INTO element_score (id, result_id, element, total, answers, nrr) "
                              "VALUES (:i, 1, :e, :s, :a, :n)"), {"i": sid, "e": element, "s": total, "a": answers, "n": nrr})
    upgrade()
    with db.engine.connect() as conn:
        kept = dict(conn.execute(text("SELECT id, scores_kept FROM unit_result")).all())
    assert json.loads(kept[1]) == [["persyaratan", None, None, 3.25], ["waktu", 31.0, 10, 3.1], ["biaya", 40.0, 10, 4.0]]
    assert json.loads(kept[2]) == []
    rows = {r.id: r for r in service.stored_results([1])}
    assert rows[1].nrrs == {"persyaratan": 3.25, "waktu": 3.1, "biaya": 4.0} and rows[2].nrrs == {}
    assert [tuple(e) for e in rows[1].elements] == [("persyaratan", None, None, 3.25), ("waktu", 31.0, 10, 3.1),
                                                   ("biaya", 40.0, 10, 4.0)]


def _two_units_and_a_batch(conn, kind: str) -> None:
    """Units 1 and 2, period 1 (2024-S1) and its active import batch 1 of ``kind``, as rows."""
    from datetime import datetime

    from sqlalchemy import text
    t = datetime(2024, 7, 1)
    conn.execute(text("INSERT INTO unit (id, name, name_key, created_at) VALUES (1, 'Unit A', 'unit a', :t), "
                      "(2, 'Unit B', 'unit b', :t)"), {"t": t})
    conn.execute(text(
        "INSERT INTO period (id, code, kind, year, number, start_date, end_date, element_keys, status, "
        "progress_grace_days, created_at) VALUES (1, '2024-S1', 'semester', 2024, 1, :s, :e, '[]', 'open', 15, :t)"),
        {"s": datetime(2024, 1, 1).date(), "e": datetime(2024, 6, 30).date(), "t": t})
    conn.execute(text("INSERT INTO import_batch (id, kind, period_id, created_at, filename, checksum, row_count, "
                      "unit_count, flag_count, created_units, status) VALUES (1, :k, 1, :t, 'f.csv', 'x', "
                      "3, 2, 0, '[]', 'active')"), {"t": t, "k": kind})
