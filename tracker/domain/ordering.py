"""Units in organisational order: groups in the order the admin set (Sekretariat Daerah,
Dinas, Badan, Kecamatan, ...), each Kelurahan right under its Kecamatan, alphabetical only
within that. Groups the admin has not placed follow, alphabetically; units without a group
come last."""
from __future__ import annotations

from typing import Mapping


def org_key(name: str, group: str | None, parent_name: str | None = None,
            parent_group: str | None = None, positions: Mapping[str, int] | None = None) -> tuple:
    """A sort key. A unit with a parent (a Kelurahan) sorts with its parent's group and name,
    after the parent itself."""
    positions = positions or {}
    top_name, top_group = (parent_name, parent_group) if parent_name else (name, group)
    if top_group is None or not str(top_group).strip():
        group_key = (2, 0, "")
    elif top_group in positions:
        group_key = (0, positions[top_group], "")
    else:
        group_key = (1, 0, str(top_group).lower())
    return (*group_key, top_name.lower(), 1 if parent_name else 0, name.lower())
