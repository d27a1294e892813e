"""reporting round: rounds, unit submissions, per-unit latest results

Revision ID: d8f3b1a7c625
Revises: c7a2e9d4f318
Create Date: 2026-11-30 16:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd8f3b1a7c625'
down_revision = 'c7a2e9d4f318'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reporting_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('instructions', sa.Text(), nullable=False),
        sa.Column('numbering', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['opened_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['period_id'], ['period.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_id'),
    )
    op.create_table(
        'result_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('numbering', sa.String(length=20), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('respondents', sa.Integer(), nullable=True),
        sa.Column('ikm', sa.Float(), nullable=True),
        sa.Column('method', sa.String(length=100), nullable=True),
        sa.Column('survey_start', sa.Date(), nullable=True),
        sa.Column('survey_end', sa.Date(), nullable=True),
        sa.Column('report_path', sa.String(length=255), nullable=True),
        sa.Column('report_name', sa.String(length=255), nullable=True),
        sa.Column('report_link', sa.String(length=1000), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id']),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['period_id'], ['period.id']),
        sa.ForeignKeyConstraint(['replaces_id'], ['result_submission.id']),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('result_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_submission_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_submission_unit_id'), ['unit_id'], unique=False)
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('unit_result', schema=None) as batch_op:
        batch_op.drop_column('superseded_at')
    with op.batch_alter_table('result_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_submission_unit_id'))
        batch_op.drop_index(batch_op.f('ix_result_submission_period_id'))
    op.drop_table('result_submission')
    op.drop_table('reporting_round')
