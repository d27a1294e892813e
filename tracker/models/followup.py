"""Follow-up plans (RTL), their actions and quarterly progress."""
from __future__ import annotations

from ..extensions import db
from ._base import utcnow

PLAN_DRAFT, PLAN_SUBMITTED, PLAN_ACCEPTED, PLAN_RETURNED = "draft", "submitted", "accepted", "returned"
PLAN_STATUS_LABELS = {PLAN_DRAFT: "Draf", PLAN_SUBMITTED: "Diajukan", PLAN_ACCEPTED: "Diterima",
                      PLAN_RETURNED: "Dikembalikan"}


# Derived state columns of ``Action`` (tracker.followup.state), not mapped by the ORM.
STATE_COLUMNS = ("state_percent", "state_outcome", "state_verified", "state_claimed",
                 "state_reported", "state_pending")


class Plan(db.Model):
    """The RTL of one unit answering one period's result."""
    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False, index=True)
    status = db.Column(db.String(10), nullable=False, default=PLAN_DRAFT)
    override_elements = db.Column(db.JSON)
    override_reason = db.Column(db.Text)
    override_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    override_at = db.Column(db.DateTime)
    return_comment = db.Column(db.Text)
    submitted_at = db.Column(db.DateTime)
    decided_at = db.Column(db.DateTime)
    source = db.Column(db.String(10), nullable=False, default="web")  # web | import
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)
    # The plan's rates from its actions' stored state (tracker.followup.state keeps them in the
    # same flush). Not mapped, like the actions' state: refreshing them never bumps ``version``.
    state_realisation = db.Column(db.Float)
    state_completion = db.Column(db.Float)
    state_actions = db.Column(db.Integer)
    # Its lateness as dates (domain.realisation.LatenessDates, ISO text lists): a reader counts
    # the dates before a day instead of judging every action (the inspector's home).
    state_late_from = db.Column(db.JSON)
    state_unfinished_from = db.Column(db.JSON)
    # Its reports at a glance: the last time one was sent or reviewed (monitoring's "last
    # update"), how many wait for the inspector and since when (the verification queue).
    state_updated_at = db.Column(db.DateTime)
    state_pending_count = db.Column(db.Integer)
    state_pending_since = db.Column(db.DateTime)
    # Its whole status with the deadlines worked out (domain.digest): any day's status and
    # monitoring cells from one document instead of every action.
    state_digest = db.Column(db.JSON)

    unit = db.relationship("Unit")
    period = db.relationship("Period")
    actions = db.relationship("Action", back_populates="plan", order_by="Action.id",
                              cascade="all, delete-orphan")

    __table_args__ = (
        db.UniqueConstraint("unit_id", "period_id", name="uq_plan_unit_period"),
        # Whether a period has plans, and accepted ones (the monitoring period's default), by
        # seeking the index instead of grouping every plan of the city.
        db.Index("ix_plan_period_status", "period_id", "status"),
        # The verification queue's size and oldest report (the inspector's home) from the plans
        # with reports waiting only, read from the index alone.
        db.Index("ix_plan_pending", "state_pending_since", "state_pending_count",
                 sqlite_where=db.text("state_pending_count > 0"),
                 postgresql_where=db.text("state_pending_count > 0")),
    )
    __mapper_args__ = {"version_id_col": version,
                       "exclude_properties": ["state_realisation", "state_completion", "state_actions",
                                              "state_late_from", "state_unfinished_from",
                                              "state_updated_at", "state_pending_count",
                                              "state_pending_since", "state_digest"]}


class Action(db.Model):
    """One programme/activity for one priority element."""
    id = db.Column(db.Integer, primary_key=True)
    plan_id = db.Column(db.Integer, db.ForeignKey("plan.id"), nullable=False, index=True)
    element = db.Column(db.String(20), nullable=False)
    text = db.Column(db.Text, nullable=False)
    quarters = db.Column(db.JSON, nullable=False, default=list)  # ["2021-TW4", ...]
    owner = db.Column(db.String(255))
    target = db.Column(db.String(255))
    not_actionable = db.Column(db.Boolean, nullable=False, default=False)
    carried_from_id = db.Column(db.Integer, db.ForeignKey("action.id"))
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)
    # Derived state (tracker.followup.state keeps it after every flush that touches the action
    # or its entries). Not mapped: the ORM never reads or writes it, so refreshing it does not
    # bump ``version`` under a person editing the action; city-wide readers in
    # followup/rates.py select it as plain columns instead of reading every entry.
    state_percent = db.Column(db.Float)  # latest verified percentage; NULL when none is verified
    state_outcome = db.Column(db.String(20), nullable=False, server_default="belum")
    state_verified = db.Column(db.JSON)  # codes of the quarters that have a verified entry
    state_claimed = db.Column(db.Float)  # latest percentage not rejected; NULL when none
    state_reported = db.Column(db.JSON)  # codes of the quarters with a report not rejected
    state_pending = db.Column(db.Boolean, nullable=False, server_default=db.false())  # awaits the inspector

    plan = db.relationship("Plan", back_populates="actions")
    carried_from = db.relationship("Action", remote_side=[id])
    entries = db.relationship("ProgressEntry", back_populates="action",
                              order_by="ProgressEntry.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version,
                       "exclude_properties": list(STATE_COLUMNS)}


class ProgressEntry(db.Model):
    """A quarterly progress report on an action. Entries are never overwritten: a resubmission
    after rejection is a new entry pointing at the one it supersedes."""
    id = db.Column(db.Integer, primary_key=True)
    action_id = db.Column(db.Integer, db.ForeignKey("action.id"), nullable=False, index=True)
    quarter = db.Column(db.String(10), nullable=False)
    percent = db.Column(db.Float, nullable=False)
    narrative = db.Column(db.Text, nullable=False)
    evidence_path = db.Column(db.String(255))
    evidence_name = db.Column(db.String(255))
    evidence_mime = db.Column(db.String(100))
    evidence_link = db.Column(db.String(1000))
    status = db.Column(db.String(10), nullable=False, default="submitted")
    submitted_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    submitted_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    reviewed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    reviewed_at = db.Column(db.DateTime)
    review_comment = db.Column(db.Text)
    supersedes_id = db.Column(db.Integer, db.ForeignKey("progress_entry.id"))
    source = db.Column(db.String(10), nullable=False, default="web", server_default="web")  # web | import
    version = db.Column(db.Integer, nullable=False, default=1)

    action = db.relationship("Action", back_populates="entries")
    submitted_by = db.relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = db.relationship("User", foreign_keys=[reviewed_by_id])

    __table_args__ = (
        db.Index("ix_progress_entry_status", "status"),
        # The verification queue's oldest report (the inspector's home) without reading the queue.
        db.Index("ix_progress_entry_status_submitted_at", "status", "submitted_at"),
        # One report waiting for the inspector per action and quarter, even under concurrency.
        db.Index("uq_progress_entry_pending", "action_id", "quarter", unique=True,
                 sqlite_where=db.text("status = 'submitted'"),
                 postgresql_where=db.text("status = 'submitted'")),
    )
    __mapper_args__ = {"version_id_col": version}


class CatalogueAction(db.Model):
    """A common action for an element: seeded, and grown from the actions of accepted plans
    (never from drafts). ``uses`` counts accepted actions with this text; the admin may reword
    an entry or hide it from the suggestions."""
    id = db.Column(db.Integer, primary_key=True)
    element = db.Column(db.String(20), nullable=False)
    text = db.Column(db.Text, nullable=False)
    text_key = db.Column(db.String(255), nullable=False)
    uses = db.Column(db.Integer, nullable=False, default=0)
    seeded = db.Column(db.Boolean, nullable=False, default=False)
    hidden = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())

    __table_args__ = (db.UniqueConstraint("element", "text_key", name="uq_catalogue_element_text"),)
