"""Which units and rows the current user may see or change. Every view goes through here."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from .extensions import db
from .models import Unit


def sees_all(user=None) -> bool:
    user = user or current_user
    return user.role in ("admin", "inspector")


def visible_unit_ids(user=None) -> set[int] | None:
    """None means every unit."""
    user = user or current_user
    return None if sees_all(user) else user.unit_ids


def scope_units(query, column=Unit.id, user=None):
    """Restrict a query on ``column`` (a unit id column) to the user's units."""
    ids = visible_unit_ids(user)
    if ids is None:
        return query
    return query.filter(column.in_(ids or {-1}))


def get_unit_or_404(unit_id: int, user=None) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_see_unit(unit.id, user):
        abort(404)
    return unit


def can_see_unit(unit_id: int, user=None) -> bool:
    ids = visible_unit_ids(user)
    return ids is None or unit_id in ids


def can_edit_unit(unit_id: int, user=None) -> bool:
    """Managers change their own units' plans and progress; nobody else writes them."""
    user = user or current_user
    return user.role == "manager" and unit_id in user.unit_ids
