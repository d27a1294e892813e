"""respondent-level data as one compact block per unit and batch

Revision ID: e4a9c2f7b130
Revises: d8f3b1a7c625
Create Date: 2026-11-30 16:40:00

Existing ``response`` rows are packed into blocks (the same encoding tracker.imports.blocks
writes), then the per-respondent table is dropped. On PostgreSQL the stored original files are
kept uncompressed by TOAST (they are compressed files or CSV read once; compressing 40 MB cost
1.5 s of every import).
"""
import json
import zlib

from alembic import op
import numpy as np
import sqlalchemy as sa


revision = 'e4a9c2f7b130'
down_revision = 'd8f3b1a7c625'
branch_labels = None
depends_on = None

ORDER = ["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "sarpras",
         "pengaduan", "maklumat"]
DEMOGRAPHIC = ["age", "sex", "education", "occupation", "submitted_at"]
PROFILE = ["age", "sex", "education", "occupation"]


def _block(batch_id, unit_id, rows):
    answers = [json.loads(a) if isinstance(a, str) else a for a, *_ in rows]
    keys = [k for k in ORDER if any(k in a for a in answers)]
    matrix = np.array([[a.get(k) or 0 for k in keys] for a in answers], dtype=np.uint8).reshape(len(rows), len(keys))
    values, codes, profile = {}, [], {}
    for i, column in enumerate(DEMOGRAPHIC):
        written = [(r[i + 1] or "") for r in rows]
        distinct = list(dict.fromkeys(written))
        index = {v: j for j, v in enumerate(distinct)}
        local = np.array([index[v] for v in written], dtype=np.uint32)
        values[column] = distinct
        codes.append(local)
        if column in PROFILE:
            counts = np.bincount(local, minlength=len(distinct))
            profile[column] = [[v, int(n)] for v, n in zip(distinct, counts) if n]
    return {"batch_id": batch_id, "unit_id": unit_id, "respondents": len(rows), "keys": keys,
            "answers": zlib.compress(matrix.tobytes(), 1), "profile": profile, "detail_values": values,
            "detail_codes": zlib.compress(np.stack(codes).tobytes(), 1)}


def upgrade():
    block = op.create_table(
        'response_block',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('respondents', sa.Integer(), nullable=False),
        sa.Column('keys', sa.JSON(), nullable=False),
        sa.Column('answers', sa.LargeBinary(), nullable=False),
        sa.Column('profile', sa.JSON(), nullable=False),
        sa.Column('detail_values', sa.JSON(), nullable=False),
        sa.Column('detail_codes', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_response_block_batch_id_import_batch')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_response_block_unit_id_unit')),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('response_block', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_block_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_block_unit_id'), ['unit_id'], unique=False)
    conn = op.get_bind()
    pairs = conn.execute(sa.text("SELECT DISTINCT batch_id, unit_id FROM response")).all()
    for batch_id, unit_id in pairs:
        rows = conn.execute(sa.text(
            "SELECT answers, age, sex, education, occupation, submitted_at FROM response "
            "WHERE batch_id = :b AND unit_id = :u ORDER BY id"), {"b": batch_id, "u": unit_id}).all()
        op.bulk_insert(block, [_block(batch_id, unit_id, rows)])
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_batch_id'))
    op.drop_table('response')
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE import_batch ALTER COLUMN content SET STORAGE EXTERNAL")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE import_batch ALTER COLUMN content SET STORAGE EXTENDED")
    response = op.create_table(
        'response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('age', sa.String(length=20), nullable=True),
        sa.Column('sex', sa.String(length=20), nullable=True),
        sa.Column('education', sa.String(length=50), nullable=True),
        sa.Column('occupation', sa.String(length=100), nullable=True),
        sa.Column('submitted_at', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_batch_id'), ['batch_id'], unique=False)
    for b in conn.execute(sa.text("SELECT batch_id, unit_id, respondents, keys, answers, detail_values, "
                                  "detail_codes FROM response_block ORDER BY id")).all():
        keys = json.loads(b.keys) if isinstance(b.keys, str) else b.keys
        values = json.loads(b.detail_values) if isinstance(b.detail_values, str) else b.detail_values
        matrix = np.frombuffer(zlib.decompress(b.answers), dtype=np.uint8).reshape(b.respondents, len(keys))
        raw = zlib.decompress(b.detail_codes)
        width = len(raw) // (len(DEMOGRAPHIC) * b.respondents) if b.respondents else 4  # later blocks are narrower
        codes = np.frombuffer(raw, dtype={1: np.uint8, 2: np.uint16, 4: np.uint32}[width]).reshape(-1, b.respondents)
        rows = []
        for i in range(b.respondents):
            row = {"batch_id": b.batch_id, "unit_id": b.unit_id,
                   "answers": {k: (int(v) or None) for k, v in zip(keys, matrix[i])}}
            for j, column in enumerate(DEMOGRAPHIC):
                row[column] = values[column][codes[j][i]] or None
            rows.append(row)
        if rows:
            op.bulk_insert(response, rows)
    with op.batch_alter_table('response_block', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_block_unit_id'))
        batch_op.drop_index(batch_op.f('ix_response_block_batch_id'))
    op.drop_table('response_block')
