"""Each home page's tasks, kept as JSON per role and scope (the manager's units) and day, under
the city's change count (``tracker.changes``): used while nothing has changed in the city since
they were computed, on the same day (deadlines are judged by it). The first request after a
change, or on a new day, computes them again."""
from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from .. import jsontext
from ..changes import city_count, keep as keep_row, page_key
from ..extensions import db
from ..models import HomePage

FORMAT = 1  # the document's layout; tasks kept in another are computed again


def key(role: str, unit_ids, script_root: str) -> str:
    return page_key(FORMAT, role, unit_ids=unit_ids, script_root=script_root)


class State(NamedTuple):
    count: int  # the city's change count now
    tasks: list | None  # the kept tasks, when computed under this count on this day


def read(key_: str, day: date) -> State:
    """One query: the count, and the tasks kept under it for the day."""
    h = HomePage.__table__
    kept = (select(h.c.body).where(h.c.key == key_, h.c.day == day, h.c.count == city_count())
            .scalar_subquery())
    count, body = db.session.execute(select(city_count(), kept)).one()
    return State(int(count), None if body is None else [_task(t) for t in jsontext.loads(body)])


def keep(key_: str, day: date, count: int, tasks: list) -> None:
    doc = [[t.key, t.title, t.count, t.link, [list(i) for i in t.items], t.hint] for t in tasks]
    keep_row(HomePage.__table__, {"key": key_}, {"count": count, "day": day}, doc,
             newer=lambda t, new: (t.c.count < new.count) | ((t.c.count == new.count) & (t.c.day <= new.day)))


def _task(row):
    from .queries import Task
    key_, title, count, link, items, hint = row
    return Task(key_, title, count, link, items, hint)
