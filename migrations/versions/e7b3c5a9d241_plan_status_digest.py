"""each plan's status digest kept on its row

- ``plan.state_digest``: everything the status rules and the monitoring grid need from the
  plan's actions, with each deadline worked out (domain.digest), so that any day's status of a
  city's plans is read from one small document per plan instead of every action. Kept by
  tracker.followup.state in the same flush as any change to the actions, their reports or the
  period's grace days; filled in here for existing plans from their actions' kept state.

Revision ID: e7b3c5a9d241
Revises: d9e2b6f4a817
Create Date: 2026-12-01 05:50:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'e7b3c5a9d241'
down_revision = 'd9e2b6f4a817'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_digest', sa.JSON(), nullable=True))
    _backfill(op.get_bind())


def _json_list(value):
    if value is None:
        return ()
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value or ())


def _backfill(conn):
    from tracker.domain import digest
    from tracker.domain import realisation as R
    plan = sa.table('plan', sa.column('id', sa.Integer), sa.column('period_id', sa.Integer),
                    sa.column('state_digest', sa.JSON))
    period = sa.table('period', sa.column('id', sa.Integer), sa.column('progress_grace_days', sa.Integer))
    action = sa.table('action', sa.column('id', sa.Integer), sa.column('plan_id', sa.Integer),
                      sa.column('element', sa.String), sa.column('quarters', sa.JSON),
                      sa.column('state_percent', sa.Float), sa.column('state_claimed', sa.Float),
                      sa.column('state_reported', sa.JSON), sa.column('state_pending', sa.Boolean),
                      sa.column('not_actionable', sa.Boolean), sa.column('state_verified', sa.JSON),
                      sa.column('owner', sa.String))
    grace = {pid: g for pid, g in conn.execute(
        sa.select(plan.c.id, period.c.progress_grace_days).join(period, period.c.id == plan.c.period_id))}
    per_plan = {pid: [] for pid in grace}
    for row in conn.execute(sa.select(action.c.id, action.c.plan_id, action.c.element, action.c.quarters,
                                      action.c.state_percent, action.c.state_claimed, action.c.state_reported,
                                      action.c.state_pending, action.c.not_actionable, action.c.state_verified,
                                      action.c.owner).order_by(action.c.id)):
        per_plan.setdefault(row.plan_id, []).append(R.ActionFacts(
            row.element, _json_list(row.quarters), row.state_percent, row.state_claimed,
            _json_list(row.state_reported), bool(row.state_pending), bool(row.not_actionable), row.id,
            _json_list(row.state_verified), bool((row.owner or "").strip())))
    rows = [{'pid': pid, 'd': digest.plan_digest(actions, grace.get(pid) if grace.get(pid) is not None else 15)}
            for pid, actions in per_plan.items()]
    if rows:
        conn.execute(plan.update().where(plan.c.id == sa.bindparam('pid'))
                     .values(state_digest=sa.bindparam('d')), rows)


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('state_digest')
