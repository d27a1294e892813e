"""online survey (SKM daring), API tokens, shared rate counters

- ``survey_collection``: a unit's questionnaire for a period (public link token, open/closed,
  the elements asked, service types, population for the Krejcie-Morgan target, what closing
  made of it); ``survey_answer``: one respondent's answers, demographics, reasons and
  suggestion, with a form nonce (unique per collection) and a fingerprint for duplicates.
- ``api_token``: a user's JSON API tokens, kept as hashes.
- ``rate_counter``: hits per hashed key and fixed window, shared by every worker.

Revision ID: c3f7a1d9e5b2
Revises: b7d4e9a2c361
Create Date: 2026-12-01 02:34:57.953213

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f7a1d9e5b2'
down_revision = 'b7d4e9a2c361'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_counter',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.BigInteger(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'slot', name=op.f('pk_rate_counter'))
    )
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counter_expires_at'), ['expires_at'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('survey_collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('element_keys', sa.JSON(), nullable=False),
    sa.Column('service_types', sa.JSON(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_survey_collection_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_survey_collection_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_survey_collection_opened_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['period_id'], ['period.id'], name=op.f('fk_survey_collection_period_id_period')),
    sa.ForeignKeyConstraint(['submission_id'], ['result_submission.id'], name=op.f('fk_survey_collection_submission_id_result_submission')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_survey_collection_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_collection')),
    sa.UniqueConstraint('token', name=op.f('uq_survey_collection_token')),
    sa.UniqueConstraint('unit_id', 'period_id', name='uq_survey_collection_unit_period')
    )
    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answers', sa.String(length=16), nullable=False),
    sa.Column('age', sa.String(length=40), nullable=True),
    sa.Column('sex', sa.String(length=20), nullable=True),
    sa.Column('education', sa.String(length=40), nullable=True),
    sa.Column('occupation', sa.String(length=60), nullable=True),
    sa.Column('service_type', sa.String(length=200), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=True),
    sa.Column('suggestion', sa.Text(), nullable=True),
    sa.Column('form_nonce', sa.String(length=32), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['survey_collection.id'], name=op.f('fk_survey_answer_collection_id_survey_collection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('collection_id', 'form_nonce', name='uq_survey_answer_form')
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answer_collection_created', ['collection_id', 'created_at'], unique=False)
        batch_op.create_index('ix_survey_answer_fingerprint', ['fingerprint'], unique=False)



def downgrade():
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answer_fingerprint')
        batch_op.drop_index('ix_survey_answer_collection_created')

    op.drop_table('survey_answer')
    op.drop_table('survey_collection')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_counter_expires_at'))

    op.drop_table('rate_counter')
