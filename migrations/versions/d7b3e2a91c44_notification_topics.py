"""notification topics: a notification about a task is read once the task is done

Revision ID: d7b3e2a91c44
Revises: c4e1a7d2f9b0
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd7b3e2a91c44'
down_revision = 'c4e1a7d2f9b0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_notification_topic', ['topic'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_topic')
        batch_op.drop_column('topic')
