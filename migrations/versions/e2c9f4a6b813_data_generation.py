"""data generation counter; each plan's realisation kept on its row

- ``data_generation``: rendered pages are reused until the data changes (tracker.web.cache).
- ``plan.state_realisation`` / ``state_completion`` / ``state_actions``: the plan's rates from
  its actions' stored state (tracker.followup.state), so trends read one row per unit and
  period instead of every action of every period. Filled in here for existing plans.

Revision ID: e2c9f4a6b813
Revises: d7b3e2a91c44
Create Date: 2026-11-30 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e2c9f4a6b813'
down_revision = 'd7b3e2a91c44'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 1}])
    # Nullable, no default: SQLite adds them in place (no table rebuild under the actions'
    # foreign keys).
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_realisation', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('state_completion', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('state_actions', sa.Integer(), nullable=True))
    _backfill(op.get_bind())


def _backfill(conn):
    from tracker.domain import realisation as R
    plan = sa.table('plan', sa.column('id', sa.Integer), sa.column('state_realisation', sa.Float),
                    sa.column('state_completion', sa.Float), sa.column('state_actions', sa.Integer))
    action = sa.table('action', sa.column('plan_id', sa.Integer), sa.column('state_percent', sa.Float),
                      sa.column('not_actionable', sa.Boolean))
    per_plan = {pid: [] for (pid,) in conn.execute(sa.select(plan.c.id))}
    for pid, percent, na in conn.execute(sa.select(action.c.plan_id, action.c.state_percent,
                                                   action.c.not_actionable)):
        per_plan.setdefault(pid, []).append((percent, bool(na)))
    rows = []
    for pid, actions in per_plan.items():
        realisation, completion, n = R.rates_from_latest(actions)
        rows.append({'pid': pid, 'r': realisation, 'c': completion, 'n': n})
    if rows:
        conn.execute(plan.update().where(plan.c.id == sa.bindparam('pid'))
                     .values(state_realisation=sa.bindparam('r'), state_completion=sa.bindparam('c'),
                             state_actions=sa.bindparam('n')), rows)


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('state_actions')
        batch_op.drop_column('state_completion')
        batch_op.drop_column('state_realisation')
    op.drop_table('data_generation')
