"""What the generated SKM report needs beyond the results: the city's own text blocks, the
city's annual IKM from before the system, and the order of unit groups."""
from __future__ import annotations

from ..extensions import db
from ._base import utcnow


class ReportText(db.Model):
    """An editable text block of the report (BAB I's legal basis and aims, BAB IV's potential
    and constraints, ...). ``period_code`` "" holds the city's text for every period; a period's
    own text overrides it."""
    __table_args__ = (db.UniqueConstraint("key", "period_code", name="uq_report_text_key_period"),)
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(40), nullable=False)
    period_code = db.Column(db.String(10), nullable=False, default="")
    text = db.Column(db.Text, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))


class HistoricalIkm(db.Model):
    """The city's IKM of a year before the system held its results (from its published report),
    so the multi-year trend starts where the city's reports start it."""
    id = db.Column(db.Integer, primary_key=True)
    year = db.Column(db.Integer, nullable=False, unique=True)
    ikm = db.Column(db.Float, nullable=False)
    units = db.Column(db.Integer)
    source = db.Column(db.String(255), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))


class GroupOrder(db.Model):
    """The admin's order of unit groups (Sekretariat, Dinas, Badan, Kecamatan, ...): units are
    listed group by group in this order, each Kelurahan under its Kecamatan."""
    name = db.Column(db.String(100), primary_key=True)
    position = db.Column(db.Integer, nullable=False)
