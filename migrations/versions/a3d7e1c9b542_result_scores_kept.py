"""each unit result keeps its element scores on its row

- ``unit_result.scores_kept``: the result's element scores as JSON [[element, total, answers,
  nrr], ...] in the order of their element_score rows, written by the import in the same insert
  as those rows, so that reading a city's results (recap, unit page, monitoring, annexes) is one
  row per result instead of one per element score. Filled in here from element_score for the
  results already there.

Revision ID: a3d7e1c9b542
Revises: e7b3c5a9d241
Create Date: 2026-12-01 09:10:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'a3d7e1c9b542'
down_revision = 'e7b3c5a9d241'
branch_labels = None
depends_on = None

BATCH = 5000  # results filled in per statement


def upgrade():
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scores_kept', sa.Text(), nullable=True))
    _backfill(op.get_bind())


def _backfill(conn):
    result = sa.table('unit_result', sa.column('id', sa.Integer), sa.column('scores_kept', sa.Text))
    score = sa.table('element_score', sa.column('id', sa.Integer), sa.column('result_id', sa.Integer),
                     sa.column('element', sa.String), sa.column('total', sa.Float),
                     sa.column('answers', sa.Integer), sa.column('nrr', sa.Float))
    update = (result.update().where(result.c.id == sa.bindparam('rid'))
              .values(scores_kept=sa.bindparam('kept')))
    pending, current, items = [], None, []

    def close():
        if current is not None:
            pending.append({'rid': current, 'kept': json.dumps(items)})

    # Ordered by result, then by score: one pass, a bounded batch of updates in memory.
    rows = conn.execute(
        sa.select(score.c.result_id, score.c.element, score.c.total, score.c.answers, score.c.nrr)
        .order_by(score.c.result_id, score.c.id).execution_options(stream_results=True, max_row_buffer=BATCH))
    for rid, element, total, answers, nrr in rows:
        if rid != current:
            close()
            if len(pending) >= BATCH:
                conn.execute(update, pending)
                pending = []
            current, items = rid, []
        items.append([element, total, answers, nrr])
    close()
    if pending:
        conn.execute(update, pending)
    # A result without any element score keeps an empty list (not "not yet kept").
    conn.execute(result.update().where(result.c.scores_kept.is_(None)).values(scores_kept='[]'))


def downgrade():
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.drop_column('scores_kept')
