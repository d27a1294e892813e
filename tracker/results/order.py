"""Organisational order of units: two queries (the admin's group order, and each unit's name
and group for its parent), whatever the number of units."""
from __future__ import annotations

from ..domain.ordering import org_key
from ..extensions import db
from ..models import GroupOrder, Unit


def group_positions() -> dict[str, int]:
    return {name: pos for name, pos in db.session.query(GroupOrder.name, GroupOrder.position)}


def unit_key(units=()):
    """A key function for Unit objects. ``units``: those about to be sorted; parents among
    them are not read again (one query fewer when every parent is listed)."""
    positions = group_positions()
    known = {u.id: (u.name, u.group) for u in units}
    wanted = {u.parent_id for u in units if u.parent_id is not None}
    if units and wanted <= set(known):
        parents = {uid: known[uid] for uid in wanted}
    else:
        parents = {uid: (name, group) for uid, name, group in
                   db.session.query(Unit.id, Unit.name, Unit.group).filter(
                       Unit.id.in_(db.session.query(Unit.parent_id).filter(Unit.parent_id.isnot(None))))}

    def key(unit):
        parent = parents.get(unit.parent_id) if unit.parent_id else None
        return org_key(unit.name, unit.group, parent[0] if parent else None,
                       parent[1] if parent else None, positions)
    return key


def in_org_order(items, unit_of=lambda item: item) -> list:
    """``items`` sorted by their units' organisational order."""
    items = list(items)
    key = unit_key([unit_of(item) for item in items])
    return sorted(items, key=lambda item: key(unit_of(item)))
