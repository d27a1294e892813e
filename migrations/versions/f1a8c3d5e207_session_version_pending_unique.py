"""sessions that end; one pending report per action and quarter, enforced by the database

- ``user.session_version``: every session carries the version it was opened with; logout,
  a password change and deactivation advance it, which ends every session of that user.
- ``uq_progress_entry_pending``: a partial unique index, so two reports for the same action and
  quarter cannot both wait for the inspector, even when sent at the same moment.

Revision ID: f1a8c3d5e207
Revises: e2c9f4a6b813
Create Date: 2026-11-30 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f1a8c3d5e207'
down_revision = 'e2c9f4a6b813'
branch_labels = None
depends_on = None


def upgrade():
    # A plain default (no table rebuild on SQLite under the foreign keys that point at users).
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
    # Earlier duplicates (from before the index) stay as they were, but the older ones stop
    # waiting: only the latest pending report of an action and quarter keeps 'submitted'.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, action_id, quarter FROM progress_entry WHERE status = 'submitted' ORDER BY id")).all()
    latest = {}
    for entry_id, action_id, quarter in rows:
        latest[(action_id, quarter)] = entry_id
    stale = [r[0] for r in rows if latest[(r[1], r[2])] != r[0]]
    if stale:
        conn.execute(sa.text("UPDATE progress_entry SET status = 'rejected', review_comment = "
                             "'Laporan ganda: digantikan oleh laporan yang lebih baru untuk triwulan yang sama.' "
                             "WHERE id IN :ids").bindparams(sa.bindparam('ids', expanding=True)),
                     {'ids': stale})
    op.create_index('uq_progress_entry_pending', 'progress_entry', ['action_id', 'quarter'], unique=True,
                    sqlite_where=sa.text("status = 'submitted'"),
                    postgresql_where=sa.text("status = 'submitted'"))


def downgrade():
    op.drop_index('uq_progress_entry_pending', table_name='progress_entry')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
