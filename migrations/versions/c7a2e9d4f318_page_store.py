"""rendered pages shared across processes

Revision ID: c7a2e9d4f318
Revises: b3e8f2c6d914
Create Date: 2026-11-30 16:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a2e9d4f318'
down_revision = 'b3e8f2c6d914'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_store',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('page_store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_store_generation'), ['generation'], unique=False)


def downgrade():
    with op.batch_alter_table('page_store', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_store_generation'))
    op.drop_table('page_store')
