"""response rows without foreign-key triggers

Revision ID: b07fd1cfc933
Revises: 538f901a9c81
Create Date: 2026-11-22 06:26:10.753913

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b07fd1cfc933'
down_revision = '538f901a9c81'
branch_labels = None
depends_on = None


def upgrade():
    # Per-row constraint triggers dominated million-row respondent imports; the importer
    # resolves both ids in the same transaction (see tracker.models.survey.Response).
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_unit_id_unit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_response_batch_id_import_batch'), type_='foreignkey')



def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_response_batch_id_import_batch'), 'import_batch', ['batch_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_response_unit_id_unit'), 'unit', ['unit_id'], ['id'])

