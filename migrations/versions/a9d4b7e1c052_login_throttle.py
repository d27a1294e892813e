"""login throttle per account and client address

Revision ID: a9d4b7e1c052
Revises: f1a8c3d5e207
Create Date: 2026-11-30 15:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a9d4b7e1c052'
down_revision = 'f1a8c3d5e207'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(), nullable=True),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade():
    op.drop_table('login_throttle')
