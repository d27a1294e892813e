"""each plan's lateness kept as dates on its row; the queue's oldest report by index

- ``plan.state_late_from`` / ``state_unfinished_from``: per action counted, the deadline after
  which it is late reporting, and after which it is unfinished after schedule
  (domain.realisation.LatenessDates), so the inspector's home counts dates instead of judging
  every action. Filled in here for existing plans from their actions' kept state.
- ``ix_progress_entry_status_submitted_at``: the oldest report waiting for verification is
  read from the index instead of every waiting report.

Revision ID: b7d4e9a2c361
Revises: a6c3e8f1d274
Create Date: 2026-11-30 23:20:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'b7d4e9a2c361'
down_revision = 'a6c3e8f1d274'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, no default: SQLite adds them in place (no table rebuild under the actions'
    # foreign keys).
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_late_from', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('state_unfinished_from', sa.JSON(), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table('progress_entry', schema=None) as batch_op:
        batch_op.create_index('ix_progress_entry_status_submitted_at', ['status', 'submitted_at'], unique=False)


def _json_list(value):
    if value is None:
        return ()
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value or ())


def _backfill(conn):
    from tracker.domain import realisation as R
    plan = sa.table('plan', sa.column('id', sa.Integer), sa.column('period_id', sa.Integer),
                    sa.column('state_late_from', sa.JSON), sa.column('state_unfinished_from', sa.JSON))
    period = sa.table('period', sa.column('id', sa.Integer), sa.column('progress_grace_days', sa.Integer))
    action = sa.table('action', sa.column('plan_id', sa.Integer), sa.column('element', sa.String),
                      sa.column('quarters', sa.JSON), sa.column('state_percent', sa.Float),
                      sa.column('state_reported', sa.JSON), sa.column('not_actionable', sa.Boolean))
    grace = {pid: g for pid, g in conn.execute(
        sa.select(plan.c.id, period.c.progress_grace_days).join(period, period.c.id == plan.c.period_id))}
    per_plan = {pid: [] for pid in grace}
    for pid, element, quarters, percent, reported, na in conn.execute(
            sa.select(action.c.plan_id, action.c.element, action.c.quarters, action.c.state_percent,
                      action.c.state_reported, action.c.not_actionable)):
        per_plan.setdefault(pid, []).append(R.ActionFacts(element, _json_list(quarters), percent, None,
                                                          _json_list(reported), False, bool(na)))
    rows = []
    for pid, actions in per_plan.items():
        dates = R.lateness_dates(actions, grace.get(pid) if grace.get(pid) is not None else 15)
        rows.append({'pid': pid, 'l': list(dates.late_from), 'u': list(dates.unfinished_from)})
    if rows:
        conn.execute(plan.update().where(plan.c.id == sa.bindparam('pid'))
                     .values(state_late_from=sa.bindparam('l'), state_unfinished_from=sa.bindparam('u')), rows)


def downgrade():
    with op.batch_alter_table('progress_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_entry_status_submitted_at')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('state_unfinished_from')
        batch_op.drop_column('state_late_from')
