"""What changed, counted in the same transaction as the change: the figures pages keep as data
(a unit's results page, each role's home) are used only while nothing they were computed from
has changed since.

Two counts are advanced by every ORM flush and every bulk statement sent through the session
that touches what those pages show:

- ``unit.page_version``, per unit: the unit's results page (``results.unit_page``). A change of
  one unit's results, plans, actions, reports or details advances that unit's version only; a
  change that can touch any unit's page (a period, an import batch: imports, an accepted
  submission, a closed questionnaire) advances every unit's. Those are the admin's rare
  operations; the others lock only the rows of the units they touch.
- ``change_count``, for the whole city: ``city`` counts every such change (the home pages,
  ``home.kept``), ``results`` only those of what the period recap shows (results, respondents,
  units, periods, the order of unit groups: ``results.recap_kept``), so reports and plans do not
  touch the recap. Each is a sum over a few rows (shards), each change adding one to a shard
  picked at random, so concurrent writers rarely wait for each other on one hot row. Rows are
  never removed, so the sums only grow: figures kept under an older sum are never used again.

A reader reads the count first, computes, and keeps its figures under the count it read: if a
change was committed meanwhile, those figures carry the older count and are not used.
Writers that go around the session (``rtl refresh-state``) call ``web.cache.bump(connection)``,
which calls ``advance`` in their transaction.
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
from itertools import chain

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from .extensions import db
from .models import (Action, ChangeCount, ElementScore, GroupOrder, ImportBatch, Period, Plan, ProgressEntry,
                     ResponseBlock, SurveyCollection, Unit, UnitResult)
from .models.reporting import ReportingRound, ResultSubmission

SHARDS = 16
log = logging.getLogger(__name__)

_BY_UNIT_ID = (UnitResult, ResponseBlock, Plan, SurveyCollection)
_EVERY = (Period, ImportBatch, ElementScore)
# Shown on the home pages, on no unit's results page (an accepted submission becomes a result
# through an import batch).
_CITY_ONLY = (ReportingRound, ResultSubmission, GroupOrder)
# What the period recap shows (counted as ``results`` too).
_RESULTS = (Period, ImportBatch, ElementScore, UnitResult, ResponseBlock, Unit, GroupOrder)
# Tables whose rows a bulk statement (an import's INSERT, a merge's UPDATE) may change.
WATCHED = frozenset(m.__table__.name for m in (Unit, *_BY_UNIT_ID, *_EVERY, *_CITY_ONLY, Action, ProgressEntry))
RESULTS_TABLES = frozenset(m.__table__.name for m in _RESULTS)
CITY, RESULTS = "city", "results"


class Touched:
    """What a flush's pending changes touch."""
    __slots__ = ("every", "units", "plans", "actions", "city", "results")

    def __init__(self):
        self.every, self.city, self.results = False, False, False
        self.units, self.plans, self.actions = set(), set(), set()

    def __bool__(self):
        return self.every or self.city or bool(self.units or self.plans or self.actions)


def touched(session: Session) -> Touched:
    """The units (by id, or through plans and actions), or every unit, whose pages the
    session's pending changes touch (the flush's own lists; a dirty object with no changed
    column counts for nothing)."""
    out = Touched()
    dirty = session.dirty
    for obj in chain(session.new, dirty, session.deleted):
        if obj in dirty and not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, _RESULTS):
            out.results = True
        if isinstance(obj, _EVERY):
            out.every = True
        elif isinstance(obj, _CITY_ONLY):
            out.city = True
        elif isinstance(obj, Unit):
            out.units.add(obj.id)
        elif isinstance(obj, _BY_UNIT_ID):
            out.units.add(obj.unit_id)
        elif isinstance(obj, Action):
            out.plans.add(obj.plan_id)
        elif isinstance(obj, ProgressEntry):
            out.actions.add(obj.action_id)
    out.units.discard(None)
    out.plans.discard(None)
    out.actions.discard(None)
    return out


def advance(connection, every: bool = False, units=(), plans=(), actions=(), results: bool = True) -> None:
    """Advance the page versions of the units named (directly, or by their plans and actions)
    or of every unit, and the city's change count (and its ``results`` count, unless
    ``results`` is False: nothing the recap shows changed)."""
    u, p, a = Unit.__table__, Plan.__table__, Action.__table__
    update = u.update().values(page_version=u.c.page_version + 1)
    if every:
        connection.execute(update)
    else:
        which = []
        if units:
            which.append(u.c.id.in_(sorted(units)))
        if plans:
            which.append(u.c.id.in_(select(p.c.unit_id).where(p.c.id.in_(sorted(plans)))))
        if actions:
            which.append(u.c.id.in_(select(p.c.unit_id).join(a, a.c.plan_id == p.c.id)
                                    .where(a.c.id.in_(sorted(actions)))))
        if which:
            connection.execute(update.where(or_(*which)))
    count_change(connection, CITY)
    if results:
        count_change(connection, RESULTS)


def count_change(connection, kind: str = CITY) -> None:
    c = ChangeCount.__table__
    stmt = _insert(connection)(c).values(kind=kind, shard=random.randrange(SHARDS), value=1)
    connection.execute(stmt.on_conflict_do_update(index_elements=[c.c.kind, c.c.shard],
                                                  set_={"value": c.c.value + 1}))


def city_count(kind: str = CITY):
    """The city's change count of ``kind``, as a column expression (read in the same
    statement as what was kept under it)."""
    c = ChangeCount.__table__
    return select(func.coalesce(func.sum(c.c.value), 0)).where(c.c.kind == kind).scalar_subquery()


def _insert(connection):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def page_key(*parts, unit_ids, script_root: str) -> str:
    """The key of figures kept for a page: what names it (``parts``), the units it is scoped to
    (a manager's; None: every unit) and the path the application is served under (the
    figures carry links)."""
    scope = ",".join(str(u) for u in sorted(unit_ids)) if unit_ids is not None else "*"
    return hashlib.sha256("|".join(map(str, (*parts, scope, script_root))).encode()).hexdigest()


def dumps(doc) -> str:
    # Plain numbers only (a value parsed by pandas may be numpy's).
    return json.dumps(doc, default=_plain, separators=(",", ":"))


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not kept in a page document")


def keep(table, keys: dict, values: dict, doc, newer) -> None:
    """Store kept figures ``doc`` (as JSON, in the column ``body``) with ``keys`` and
    ``values`` (column -> value) in a short transaction of its own (the request's stays
    read-only), unless the row holds figures at least as new (``newer``: the condition, on
    ``table`` and the statement's ``excluded``, under which the stored row may be replaced).
    A failure only costs the next request the computation."""
    try:
        values = dict(values, body=dumps(doc))
        with db.engine.begin() as conn:
            stmt = _insert(conn)(table).values(**keys, **values)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys],
                set_={k: stmt.excluded[k] for k in values}, where=newer(table, stmt.excluded)))
    except Exception:  # noqa: BLE001 - a unit removed meanwhile, a locked SQLite file
        log.warning("figures of %s not kept", table.name, exc_info=True)


def _after_flush(session: Session, flush_context) -> None:
    t = touched(session)
    if t:
        advance(session.connection(), t.every, t.units, t.plans, t.actions, t.results)


def _bulk(orm_execute_state) -> None:
    """A bulk INSERT, UPDATE or DELETE sent through the session on a table a page shows:
    every unit's page (such statements are an import's or a merge's). A compare-and-set of a
    row's ``version`` alone (followup.workflow) changes nothing shown."""
    if orm_execute_state.is_select:
        return
    stmt = orm_execute_state.statement
    table = getattr(stmt, "table", None)
    if getattr(table, "name", None) not in WATCHED:
        return
    values = getattr(stmt, "_values", None) or {}
    if orm_execute_state.is_update and values and {getattr(c, "key", c) for c in values} == {"version"}:
        return
    advance(orm_execute_state.session.connection(), every=True, results=table.name in RESULTS_TABLES)


def install() -> None:
    """Count changes after every flush and bulk statement (idempotent)."""
    for name, fn in (("after_flush", _after_flush), ("do_orm_execute", _bulk)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
