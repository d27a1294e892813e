"""Each home page's tasks, kept as JSON per role and scope (the manager's units) and day, under
the city's change count (``tracker.changes``): used while nothing has changed in the city since
they were computed, on the same day (deadlines are judged by it). The first request after a
change, or on a new day, computes them again."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from .. import jsontext
from ..changes import city_count, keep as keep_row
from ..extensions import db
from ..models import HomePage

FORMAT = 1  # the document's layout; tasks kept in another are computed again


def key(role: str, unit_ids, script_root: str) -> str:
    """The page's key: the role, the units it is scoped to (a manager's), and the path the
    application is served under (the tasks carry links)."""
    scope = ",".join(str(u) for u in sorted(unit_ids)) if unit_ids is not None else "*"
    return hashlib.sha256(f"{FORMAT}|{role}|{scope}|{script_root}".encode()).hexdigest()


class State(NamedTuple):
    count: int  # the city's change count now
    tasks: list | None  # the kept tasks, when computed under this count on this day


def read(page_key: str, day: date) -> State:
    """One query: the count, and the tasks kept under it for the day."""
    h = HomePage.__table__
    kept = (select(h.c.body).where(h.c.key == page_key, h.c.day == day, h.c.count == city_count())
            .scalar_subquery())
    count, body = db.session.execute(select(city_count(), kept)).one()
    return State(int(count), None if body is None else [_task(t) for t in jsontext.loads(body)])


def keep(page_key: str, day: date, count: int, tasks: list) -> None:
    body = json.dumps([[t.key, t.title, t.count, t.link, [list(i) for i in t.items], t.hint] for t in tasks],
                      separators=(",", ":"))
    keep_row(HomePage.__table__, {"key": page_key}, {"count": count, "day": day, "body": body},
             newer=lambda t, new: (t.c.count < new.count) | ((t.c.count == new.count) & (t.c.day <= new.day)))


def _task(row):
    from .queries import Task
    key_, title, count, link, items, hint = row
    return Task(key_, title, count, link, items, hint)
