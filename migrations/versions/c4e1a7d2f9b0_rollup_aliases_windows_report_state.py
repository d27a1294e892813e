"""unit aliases, survey windows, imported progress, reporting state per action

- ``unit_alias``: names a unit was written under (merged duplicates, drifting spellings);
  imports match them like the unit's own name.
- ``unit_result.survey_start`` / ``survey_end``: the unit's own fieldwork window.
- ``progress_entry.source``: ``web`` or ``import`` (``rtl import-progress``).
- ``action.state_claimed`` / ``state_reported`` / ``state_pending``: the latest claimed
  percentage, the quarters with a report that was not rejected, and whether a report waits for
  the inspector (tracker.followup.state keeps them, like ``state_percent``). Existing actions are
  filled in here with the domain rules; ``state_percent`` is recomputed too, because the latest
  report is now the one of the latest quarter (within a quarter, the one entered last).

Revision ID: c4e1a7d2f9b0
Revises: 433cdf0b93b2
Create Date: 2026-11-30 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e1a7d2f9b0'
down_revision = '433cdf0b93b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unit_alias',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('name_key', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name='fk_unit_alias_unit', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name_key', name='uq_unit_alias_name_key'),
    )
    with op.batch_alter_table('unit_alias', schema=None) as batch_op:
        batch_op.create_index('ix_unit_alias_unit_id', ['unit_id'], unique=False)
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('survey_end', sa.Date(), nullable=True))
    with op.batch_alter_table('progress_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='web', nullable=False))
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_claimed', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('state_reported', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('state_pending', sa.Boolean(), server_default='0', nullable=False))
    _backfill(op.get_bind())


def _backfill(conn):
    from tracker.domain import realisation as R

    action = sa.table('action', sa.column('id', sa.Integer), sa.column('not_actionable', sa.Boolean),
                      sa.column('state_percent', sa.Float), sa.column('state_outcome', sa.String),
                      sa.column('state_verified', sa.JSON), sa.column('state_claimed', sa.Float),
                      sa.column('state_reported', sa.JSON), sa.column('state_pending', sa.Boolean))
    entry = sa.table('progress_entry', sa.column('action_id', sa.Integer), sa.column('quarter', sa.String),
                     sa.column('percent', sa.Float), sa.column('status', sa.String),
                     sa.column('submitted_at', sa.DateTime), sa.column('id', sa.Integer))
    marks = dict(conn.execute(sa.select(action.c.id, action.c.not_actionable)).all())
    entries = {i: [] for i in marks}
    for row in conn.execute(sa.select(entry.c.action_id, entry.c.quarter, entry.c.percent,
                                      entry.c.status, entry.c.submitted_at, entry.c.id)):
        if row[0] in entries:
            entries[row[0]].append(R.Entry(*row[1:]))
    rows = []
    for action_id, own in entries.items():
        s = R.stored_state(own, bool(marks[action_id]))
        rows.append({'aid': action_id, 'p': s['state_percent'], 'o': s['state_outcome'],
                     'v': s['state_verified'], 'c': s['state_claimed'],
                     'r': s['state_reported'], 'w': s['state_pending']})
    if rows:
        conn.execute(action.update().where(action.c.id == sa.bindparam('aid'))
                     .values(state_percent=sa.bindparam('p'), state_outcome=sa.bindparam('o'),
                             state_verified=sa.bindparam('v'), state_claimed=sa.bindparam('c'),
                             state_reported=sa.bindparam('r'), state_pending=sa.bindparam('w')),
                     rows)


def downgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_column('state_pending')
        batch_op.drop_column('state_reported')
        batch_op.drop_column('state_claimed')
    with op.batch_alter_table('progress_entry', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.drop_column('survey_end')
        batch_op.drop_column('survey_start')
    with op.batch_alter_table('unit_alias', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_alias_unit_id')
    op.drop_table('unit_alias')
