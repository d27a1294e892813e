"""SKM daring: a unit's own questionnaire for a period, answered online by its service users.
Answers are respondent-level data of that unit and period, the same data as an import; closing
collection makes them the unit's result."""
from __future__ import annotations

from ..extensions import db
from ._base import utcnow

OPEN, CLOSED = "open", "closed"


class SurveyCollection(db.Model):
    """One questionnaire per unit and period, reached by a public link (``token``)."""
    __tablename__ = "survey_collection"
    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False)
    token = db.Column(db.String(32), nullable=False, unique=True)
    status = db.Column(db.String(10), nullable=False, default=OPEN)  # open | closed
    # The questions' elements, in the regulation's order, fixed when collection opened.
    element_keys = db.Column(db.JSON, nullable=False)
    service_types = db.Column(db.JSON, nullable=False, default=list)  # names; empty = one service
    population = db.Column(db.Integer)  # service users in the period (Krejcie-Morgan target)
    opened_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    opened_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    closed_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    closed_at = db.Column(db.DateTime)
    # What closing made of the answers: an import batch (closed by the admin) or a submission
    # in the period's reporting round (closed by the unit), the latest one.
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"))
    submission_id = db.Column(db.Integer, db.ForeignKey("result_submission.id"))
    version = db.Column(db.Integer, nullable=False, default=1)

    unit = db.relationship("Unit")
    period = db.relationship("Period")
    __table_args__ = (db.UniqueConstraint("unit_id", "period_id", name="uq_survey_collection_unit_period"),)
    __mapper_args__ = {"version_id_col": version}


class SurveyAnswer(db.Model):
    """One respondent's answers. No name, address or contact: only the demographics the
    regulation's questionnaire asks. The client address and device are not stored; a hash of
    them with the answers (``fingerprint``) finds the same answers sent twice."""
    __tablename__ = "survey_answer"
    id = db.Column(db.Integer, primary_key=True)
    collection_id = db.Column(db.Integer, db.ForeignKey("survey_collection.id", ondelete="CASCADE"),
                              nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    answers = db.Column(db.String(16), nullable=False)  # a digit 1-4 per element, in element_keys order
    age = db.Column(db.String(40))
    sex = db.Column(db.String(20))
    education = db.Column(db.String(40))
    occupation = db.Column(db.String(60))
    service_type = db.Column(db.String(200))
    reasons = db.Column(db.JSON)  # element key -> reason, for answers of 1 or 2
    suggestion = db.Column(db.Text)
    form_nonce = db.Column(db.String(32), nullable=False)  # one per rendered form: a resend is no second answer
    fingerprint = db.Column(db.String(64), nullable=False)

    __table_args__ = (
        db.UniqueConstraint("collection_id", "form_nonce", name="uq_survey_answer_form"),
        db.Index("ix_survey_answer_collection_created", "collection_id", "created_at"),
        db.Index("ix_survey_answer_fingerprint", "fingerprint"),
    )
