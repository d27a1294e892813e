"""indexes for the inspector's home: periods with (accepted) plans, and the waiting reports

- ``ix_plan_period_status`` (period_id, status): which periods have plans, and accepted ones,
  by seeking instead of grouping every plan of the city (the monitoring period's default).
- ``ix_plan_pending`` (state_pending_since, state_pending_count) over the plans with reports
  waiting only: the verification queue's size and oldest report from the index alone.

Revision ID: b8e2f4a6c310
Revises: a3d7e1c9b542
Create Date: 2026-12-01 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8e2f4a6c310'
down_revision = 'a3d7e1c9b542'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_plan_period_status', 'plan', ['period_id', 'status'], unique=False)
    op.create_index('ix_plan_pending', 'plan', ['state_pending_since', 'state_pending_count'], unique=False,
                    sqlite_where=sa.text('state_pending_count > 0'),
                    postgresql_where=sa.text('state_pending_count > 0'))


def downgrade():
    op.drop_index('ix_plan_pending', table_name='plan')
    op.drop_index('ix_plan_period_status', table_name='plan')
