"""an import's original file kept under UPLOAD_DIR, its path in the batch

Revision ID: f5b2d8c4e913
Revises: e4a9c2f7b130
Create Date: 2026-11-30 19:30:00

New imports keep their original file on the shared upload storage (writing a 40 MB file into
a row cost more than reading it); ``content`` stays for batches imported before, and for
accepted submissions, whose files are small.
"""
from alembic import op
import sqlalchemy as sa


revision = 'f5b2d8c4e913'
down_revision = 'e4a9c2f7b130'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has dropped columns since 3.35): a batch copy of
# import_batch on SQLite would trip the foreign keys that point at it.
def upgrade():
    op.add_column('import_batch', sa.Column('content_path', sa.String(length=255), nullable=True))


def downgrade():
    op.drop_column('import_batch', 'content_path')
