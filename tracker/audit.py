"""The audit trail: who changed what, when, from what to what."""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from .extensions import db
from .models import AuditLog


def record(entity: str, entity_id: int | None, event: str, *, unit_id: int | None = None,
           before: dict | None = None, after: dict | None = None, user=None) -> AuditLog:
    """Add an audit row to the current transaction (committed with the change it describes)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    row = AuditLog(entity=entity, entity_id=entity_id, event=event, unit_id=unit_id,
                   before=before, after=after,
                   user_id=getattr(user, "id", None),
                   user_label=getattr(user, "email", None) or "sistem")
    db.session.add(row)
    return row
