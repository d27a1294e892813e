"""pages kept as figures: unit results pages with each unit's page version, home pages with the
city's change count

- ``unit.page_version``: advanced in the same transaction as every change to what the unit's
  results page shows.
- ``unit_page`` (unit_id, code): the page's figures as JSON and the version they were
  computed under; removed with the unit.
- ``change_count`` (kind, shard, value): the city's change counts (``city``, ``results``), sums
  that only grow.
- ``recap_page`` (key): a period recap's figures as JSON and the ``results`` count they were
  computed under.
- ``home_page`` (key): a home page's tasks as JSON, the day and the count they were computed
  under.

Revision ID: c2d6a8e4f915
Revises: b8e2f4a6c310
Create Date: 2026-12-01 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c2d6a8e4f915'
down_revision = 'b8e2f4a6c310'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('unit', sa.Column('page_version', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'unit_page',
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name='fk_unit_page_unit', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('unit_id', 'code'),
    )
    op.create_table(
        'change_count',
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'shard'),
    )
    op.create_table(
        'recap_page',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'home_page',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade():
    op.drop_table('recap_page')
    op.drop_table('home_page')
    op.drop_table('change_count')
    op.drop_table('unit_page')
    op.drop_column('unit', 'page_version')
