"""each plan's reports at a glance kept on its row

- ``plan.state_updated_at``: the last time a report on the plan was sent or reviewed (the
  monitoring grid's "last update", sorted on), instead of reading every entry of the period.
- ``plan.state_pending_count`` / ``state_pending_since``: reports waiting for the inspector
  and the oldest one's sending time (the verification queue on the inspector's home).

Kept by tracker.followup.state in the same flush as any change to the plan's actions or
entries; filled in here for existing plans.

Revision ID: d9e2b6f4a817
Revises: c3f7a1d9e5b2
Create Date: 2026-12-01 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd9e2b6f4a817'
down_revision = 'c3f7a1d9e5b2'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, no default: SQLite adds them in place.
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('state_pending_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('state_pending_since', sa.DateTime(), nullable=True))
    conn = op.get_bind()
    plan = sa.table('plan', sa.column('id', sa.Integer), sa.column('state_updated_at', sa.DateTime),
                    sa.column('state_pending_count', sa.Integer), sa.column('state_pending_since', sa.DateTime))
    action = sa.table('action', sa.column('id', sa.Integer), sa.column('plan_id', sa.Integer))
    entry = sa.table('progress_entry', sa.column('action_id', sa.Integer), sa.column('status', sa.String),
                     sa.column('submitted_at', sa.DateTime), sa.column('reviewed_at', sa.DateTime))
    waiting = entry.c.status == 'submitted'
    rows = []
    for pid, sent, reviewed, pending, since in conn.execute(
            sa.select(action.c.plan_id, sa.func.max(entry.c.submitted_at), sa.func.max(entry.c.reviewed_at),
                      sa.func.coalesce(sa.func.sum(sa.case((waiting, 1), else_=0)), 0),
                      sa.func.min(sa.case((waiting, entry.c.submitted_at), else_=None)))
            .join(action, action.c.id == entry.c.action_id).group_by(action.c.plan_id)):
        times = [t for t in (sent, reviewed) if t is not None]
        rows.append({'pid': pid, 'u': max(times) if times else None, 'n': int(pending or 0), 's': since})
    conn.execute(plan.update().values(state_pending_count=0))
    if rows:
        conn.execute(plan.update().where(plan.c.id == sa.bindparam('pid'))
                     .values(state_updated_at=sa.bindparam('u'), state_pending_count=sa.bindparam('n'),
                             state_pending_since=sa.bindparam('s')), rows)


def downgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('state_pending_since')
        batch_op.drop_column('state_pending_count')
        batch_op.drop_column('state_updated_at')
