"""catalogue grows from accepted plans only; the admin can hide entries

Revision ID: b3e8f2c6d914
Revises: a9d4b7e1c052
Create Date: 2026-11-30 16:00:00

Entries that came from draft, submitted or returned plans (or from actions since deleted) are
removed, and the use counts of the others are recounted from accepted plans.
"""
import re

from alembic import op
import sqlalchemy as sa


revision = 'b3e8f2c6d914'
down_revision = 'a9d4b7e1c052'
branch_labels = None
depends_on = None


def _key(text):
    return re.sub(r"\s+", " ", (text or "").strip()).lower()[:255]


def upgrade():
    with op.batch_alter_table('catalogue_action') as batch:
        batch.add_column(sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))
    conn = op.get_bind()
    uses = {}
    for element, text in conn.execute(sa.text(
            "SELECT a.element, a.text FROM action a JOIN plan p ON p.id = a.plan_id "
            "WHERE p.status = 'accepted'")):
        uses[(element, _key(text))] = uses.get((element, _key(text)), 0) + 1
    for id_, element, key, seeded in conn.execute(sa.text(
            "SELECT id, element, text_key, seeded FROM catalogue_action")).all():
        count = uses.get((element, key), 0)
        if not seeded and count == 0:
            conn.execute(sa.text("DELETE FROM catalogue_action WHERE id = :i"), {"i": id_})
        else:
            conn.execute(sa.text("UPDATE catalogue_action SET uses = :u WHERE id = :i"),
                         {"u": count, "i": id_})


def downgrade():
    with op.batch_alter_table('catalogue_action') as batch:
        batch.drop_column('hidden')
