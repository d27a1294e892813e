"""the generated report: editable text blocks, annual IKM before the system, group order;
the address an export was asked from; the unit that stands for the city (its plan is the city's)

Revision ID: a6c3e8f1d274
Revises: f5b2d8c4e913
Create Date: 2026-11-30 19:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a6c3e8f1d274'
down_revision = 'f5b2d8c4e913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_text',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('period_code', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'period_code', name='uq_report_text_key_period'),
    )
    op.create_table(
        'historical_ikm',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('ikm', sa.Float(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('year'),
    )
    op.add_column('export_job', sa.Column('base_url', sa.String(length=255), nullable=True))
    op.add_column('unit', sa.Column('is_city', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'group_order',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('group_order')
    op.drop_column('export_job', 'base_url')
    op.drop_column('unit', 'is_city')
    op.drop_table('historical_ikm')
    op.drop_table('report_text')
