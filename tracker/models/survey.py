"""Units, periods, imported survey results."""
from __future__ import annotations

import re

from ..extensions import db
from ._base import utcnow


def name_key(name: str) -> str:
    """Unit names match case- and whitespace-insensitively."""
    return re.sub(r"\s+", " ", (name or "").strip()).lower()


class Unit(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    name_key = db.Column(db.String(255), nullable=False, unique=True)
    group = db.Column(db.String(100))
    parent_id = db.Column(db.Integer, db.ForeignKey("unit.id"))
    contact = db.Column(db.String(255))
    phone = db.Column(db.String(64))
    # The unit that stands for the city government itself: its plan is the city's follow-up plan
    # (BAB IV of the report), written, reported, verified and monitored like any unit's, with
    # the city's lowest elements as its priorities. It has no survey result of its own.
    is_city = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Advanced in the same transaction as every change to what the unit's results page shows
    # (tracker.results.unit_page): a kept page document of an older version is not used.
    page_version = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    parent = db.relationship("Unit", remote_side=[id])
    aliases = db.relationship("UnitAlias", back_populates="unit", order_by="UnitAlias.id",
                              cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Unit {self.name}>"


class UnitPage(db.Model):
    """What a unit's results page for a period shows, as plain figures (JSON), computed when
    the page is first asked for and used while the unit's ``page_version`` is the one it was
    computed under (tracker.results.unit_page)."""
    __tablename__ = "unit_page"
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", name="fk_unit_page_unit", ondelete="CASCADE"),
                        primary_key=True)
    code = db.Column(db.String(10), primary_key=True)
    version = db.Column(db.Integer, nullable=False)
    body = db.Column(db.Text, nullable=False)


class UnitAlias(db.Model):
    """Another name a unit is written under (a merged duplicate, a drifting spelling such as
    "Kelurahan Tirta" / "Kelurahan Tirto"). Imports match aliases like the unit's own name."""
    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", name="fk_unit_alias_unit", ondelete="CASCADE"),
                        nullable=False, index=True)
    name = db.Column(db.String(255), nullable=False)
    name_key = db.Column(db.String(255), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    unit = db.relationship("Unit", back_populates="aliases")

    __table_args__ = (db.UniqueConstraint("name_key", name="uq_unit_alias_name_key"),)


class Period(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(10), nullable=False, unique=True)
    kind = db.Column(db.String(10), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    number = db.Column(db.Integer, nullable=False, default=0)
    start_date = db.Column(db.Date, nullable=False)
    end_date = db.Column(db.Date, nullable=False)
    # Element set and numbering the period was surveyed with (elements are data, not code).
    element_keys = db.Column(db.JSON, nullable=False)
    numbering = db.Column(db.String(20))
    status = db.Column(db.String(10), nullable=False, default="open")
    plan_deadline = db.Column(db.Date)
    progress_grace_days = db.Column(db.Integer, nullable=False, default=15)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ImportBatch(db.Model):
    """One loaded file. A replaced batch keeps its rows and its file: nothing loaded is lost."""
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False)  # scores | responses | rtl
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False, index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_by_label = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    filename = db.Column(db.String(255), nullable=False)
    checksum = db.Column(db.String(64), nullable=False)
    content = db.deferred(db.Column(db.LargeBinary))  # the file, for batches kept in the row
    content_path = db.Column(db.String(255))  # or where it lies under UPLOAD_DIR
    numbering = db.Column(db.String(20))
    row_count = db.Column(db.Integer, nullable=False, default=0)
    unit_count = db.Column(db.Integer, nullable=False, default=0)
    flag_count = db.Column(db.Integer, nullable=False, default=0)
    created_units = db.Column(db.JSON, nullable=False, default=list)
    status = db.Column(db.String(10), nullable=False, default="active")  # active | replaced
    replaced_at = db.Column(db.DateTime)
    replaced_by_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"))

    period = db.relationship("Period")
    created_by = db.relationship("User", foreign_keys=[created_by_id])


class UnitResult(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"), nullable=False, index=True)
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    source_row = db.Column(db.Integer)
    respondents = db.Column(db.Integer)
    method = db.Column(db.String(100))
    population = db.Column(db.Integer)
    reported_ikm = db.Column(db.Float)
    ikm = db.Column(db.Float, nullable=False)
    category = db.Column(db.String(1), nullable=False)
    family = db.Column(db.String(10), nullable=False)  # s | nrr | value | responses
    survey_start = db.Column(db.Date)  # the unit's own fieldwork window (Periode pelaksanaan)
    survey_end = db.Column(db.Date)
    flags = db.Column(db.JSON, nullable=False, default=list)
    # Set when a later result of the same unit and period (an import or an accepted
    # submission) took its place: a period's results are each unit's latest one.
    superseded_at = db.Column(db.DateTime)
    # The result's element scores as JSON [[element, total, answers, nrr], ...] in the order of
    # their element_score rows, written in the same insert as those rows (imports/service):
    # readers of a city's results take them from here instead of thousands of score rows.
    scores_kept = db.Column(db.Text)

    unit = db.relationship("Unit")
    period = db.relationship("Period")
    batch = db.relationship("ImportBatch")
    elements = db.relationship("ElementScore", cascade="all, delete-orphan",
                               order_by="ElementScore.id", lazy="selectin")

    __table_args__ = (db.Index("ix_unit_result_period_batch", "period_id", "batch_id"),)

    @property
    def nrrs(self) -> dict[str, float]:
        return {e.element: e.nrr for e in self.elements}


class ElementScore(db.Model):
    """One element's score in one unit result, stored by element key (never by U-position)."""
    id = db.Column(db.Integer, primary_key=True)
    result_id = db.Column(db.Integer, db.ForeignKey("unit_result.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    element = db.Column(db.String(20), nullable=False)
    total = db.Column(db.Float)  # S, sum of answers (when known)
    answers = db.Column(db.Integer)  # answers given to this element (when known)
    nrr = db.Column(db.Float, nullable=False)


class ResponseBlock(db.Model):
    """Respondents of one unit in one import batch (or accepted submission), stored compact:
    one row per unit, batch and chunk of the file read (``readers.CHUNK_ROWS`` rows) instead of
    one per respondent (a million respondents over 300 units are 1,500 rows, about 5 MB).

    ``answers`` is the compressed (zstd; zlib in older blocks) uint8 matrix respondents x ``keys`` (0 = not answered).
    ``profile`` holds, per demographic attribute, the written values and how many respondents
    gave each ([[value, count], ...], "" for empty): what the respondents' profile needs.
    ``detail_values`` / ``detail_codes`` keep each respondent's demographic answers (distinct
    values per attribute, and a compressed matrix attributes x respondents, in the narrowest
    unsigned type that holds them, of
    indexes into them) for whatever needs one respondent's row. ``tracker.imports.blocks``
    reads them back."""
    __tablename__ = "response_block"
    id = db.Column(db.Integer, primary_key=True)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    respondents = db.Column(db.Integer, nullable=False)
    keys = db.Column(db.JSON, nullable=False)
    answers = db.deferred(db.Column(db.LargeBinary, nullable=False))
    profile = db.Column(db.JSON, nullable=False)
    detail_values = db.deferred(db.Column(db.JSON, nullable=False))
    detail_codes = db.deferred(db.Column(db.LargeBinary, nullable=False))

# The original files are compressed formats or CSV read once: on PostgreSQL, keep them out of
# TOAST compression (it cost 1.5 s of a 40 MB import). The migration does the same.
db.event.listen(ImportBatch.__table__, "after_create",
                db.DDL("ALTER TABLE import_batch ALTER COLUMN content SET STORAGE EXTERNAL")
                .execute_if(dialect="postgresql"))
