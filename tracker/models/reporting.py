"""The reporting round: Bagian Organisasi asks every unit for its SKM result of a period, units
submit (a file or the form), and each accepted submission becomes the unit's result."""
from __future__ import annotations

from ..extensions import db
from ._base import utcnow

SUBMITTED, ACCEPTED, RETURNED, REPLACED = "submitted", "accepted", "returned", "replaced"
SUBMISSION_LABELS = {SUBMITTED: "Menunggu pemeriksaan", ACCEPTED: "Diterima",
                     RETURNED: "Dikembalikan", REPLACED: "Digantikan kiriman berikutnya"}
MODE_LABELS = {"scores": "Berkas rekap per unsur", "responses": "Berkas data per responden",
               "form": "Isian formulir"}


class ReportingRound(db.Model):
    """One round per period, opened by the admin."""
    __tablename__ = "reporting_round"
    id = db.Column(db.Integer, primary_key=True)
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False, unique=True)
    deadline = db.Column(db.Date, nullable=False)
    instructions = db.Column(db.Text, nullable=False, default="")
    numbering = db.Column(db.String(20), nullable=False, default="questionnaire")
    status = db.Column(db.String(10), nullable=False, default="open")  # open | closed
    opened_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    opened_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)

    period = db.relationship("Period")
    __mapper_args__ = {"version_id_col": version}


class ResultSubmission(db.Model):
    """A unit's submitted SKM result for a period. Never overwritten: a re-submission is a new
    row that replaces the earlier one (``replaces_id``), which stays retrievable."""
    __tablename__ = "result_submission"
    id = db.Column(db.Integer, primary_key=True)
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    mode = db.Column(db.String(10), nullable=False)  # scores | responses | form
    numbering = db.Column(db.String(20), nullable=False)
    filename = db.Column(db.String(255), nullable=False)
    content = db.deferred(db.Column(db.LargeBinary, nullable=False))  # the file (a form as CSV)
    respondents = db.Column(db.Integer)
    ikm = db.Column(db.Float)  # computed at submission, shown to the admin before deciding
    method = db.Column(db.String(100))
    survey_start = db.Column(db.Date)
    survey_end = db.Column(db.Date)
    report_path = db.Column(db.String(255))  # the unit's SKM report (PDF) in UPLOAD_DIR
    report_name = db.Column(db.String(255))
    report_link = db.Column(db.String(1000))
    note = db.Column(db.Text)  # the unit's own remark
    status = db.Column(db.String(10), nullable=False, default=SUBMITTED)
    comment = db.Column(db.Text)  # the admin's reason when returning
    submitted_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    submitted_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    decided_at = db.Column(db.DateTime)
    batch_id = db.Column(db.Integer, db.ForeignKey("import_batch.id"))  # the result, once accepted
    replaces_id = db.Column(db.Integer, db.ForeignKey("result_submission.id"))
    version = db.Column(db.Integer, nullable=False, default=1)

    period = db.relationship("Period")
    unit = db.relationship("Unit")
    submitted_by = db.relationship("User", foreign_keys=[submitted_by_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return SUBMISSION_LABELS.get(self.status, self.status)

    @property
    def mode_label(self) -> str:
        return MODE_LABELS.get(self.mode, self.mode)
