"""Each action's derived state, kept on its row for city-wide readers.

``action.state_percent`` (latest verified percentage), ``state_outcome``, ``state_verified``
(quarters with a verified entry), ``state_claimed`` (latest percentage not rejected),
``state_reported`` (quarters with a report not rejected) and ``state_pending`` (a report waits
for the inspector) are what realisation, claimed progress, completion, outcome counts, overdue
and the two lateness measures need (``realisation.stored_state``). The monitoring page and the trends read them as three
columns per action instead of every progress entry of every period.

They are refreshed after every ORM flush that adds, changes or deletes an action or a
progress entry, in the same transaction, from the rows as flushed and through the domain
rules, so they cannot drift from what the per-plan readers compute (tests hold the two equal).
Writers that bypass the ORM (bulk Core inserts: the bench's synthetic city) call
``refresh_action_states`` themselves; ``rtl refresh-state`` rebuilds every row.
"""
from __future__ import annotations

from sqlalchemy import bindparam, case, event, func, select, update
from sqlalchemy.orm import Session

from ..domain import digest
from ..domain import realisation as R
from ..models import Action, Period, Plan, ProgressEntry
from ..models.followup import STATE_COLUMNS

_CHUNK = 500


def _states(connection, ids: list[int]) -> list[dict]:
    a, e = Action.__table__, ProgressEntry.__table__
    marks = dict(connection.execute(select(a.c.id, a.c.not_actionable).where(a.c.id.in_(ids))).all())
    entries: dict[int, list[R.Entry]] = {i: [] for i in marks}
    for action_id, quarter, percent, status, at, entry_id in connection.execute(
            select(e.c.action_id, e.c.quarter, e.c.percent, e.c.status, e.c.submitted_at, e.c.id)
            .where(e.c.action_id.in_(list(marks)))):
        entries[action_id].append(R.Entry(quarter, percent, status, at, entry_id))
    return [dict(R.stored_state(own, bool(marks[action_id])), aid=action_id)
            for action_id, own in entries.items()]


def refresh_action_states(connection, action_ids) -> int:
    """Recompute the derived state of the given actions (ids of deleted actions are skipped)
    on ``connection``; returns how many rows were written."""
    ids = sorted({i for i in action_ids if i is not None})
    a = Action.__table__
    stmt = (update(a).where(a.c.id == bindparam("aid"))
            .values(**{name: bindparam(name) for name in STATE_COLUMNS}))
    written = 0
    for i in range(0, len(ids), _CHUNK):
        rows = _states(connection, ids[i:i + _CHUNK])
        if rows:
            connection.execute(stmt, rows)
            written += len(rows)
    return written


def refresh_plan_states(connection, plan_ids) -> int:
    """Recompute each plan's realisation, completion and action count from its actions'
    stored state (``realisation.rates_from_latest``, the same rule as every reader), and its
    lateness dates (``realisation.lateness_dates``, with its period's grace days), its reports
    at a glance and its status digest (``domain.digest``)."""
    ids = sorted({i for i in plan_ids if i is not None})
    p, period = Plan.__table__, Period.__table__
    stmt = (update(p).where(p.c.id == bindparam("pid"))
            .values(state_realisation=bindparam("r"), state_completion=bindparam("c"),
                    state_actions=bindparam("n"), state_late_from=bindparam("late"),
                    state_unfinished_from=bindparam("unfinished"), state_updated_at=bindparam("upd"),
                    state_pending_count=bindparam("pending"), state_pending_since=bindparam("since"),
                    state_digest=bindparam("digest")))
    written = 0
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        grace = dict(connection.execute(select(p.c.id, period.c.progress_grace_days)
                                        .join(period, period.c.id == p.c.period_id).where(p.c.id.in_(chunk))).all())
        per_plan: dict[int, list] = {pid: [] for pid in grace}
        for pid, facts in action_facts(connection, chunk):
            per_plan[pid].append(facts)
        reports = report_summaries(connection, chunk)
        rows = []
        for pid, actions in per_plan.items():
            realisation, completion, n = R.rates_from_latest((f.percent, f.not_actionable) for f in actions)
            dates = R.lateness_dates(actions, grace[pid])
            updated, pending, since = reports.get(pid, (None, 0, None))
            rows.append({"pid": pid, "r": realisation, "c": completion, "n": n,
                         "late": list(dates.late_from), "unfinished": list(dates.unfinished_from),
                         "upd": updated, "pending": pending, "since": since,
                         "digest": digest.plan_digest(actions, grace[pid])})
        if rows:
            connection.execute(stmt, rows)
            written += len(rows)
    return written


def action_facts(connection, plan_ids) -> list[tuple[int, R.ActionFacts]]:
    """(plan id, the action as the status rules see it) for every action of the plans, in id
    order (the order every reader sums them in), from the state kept on each row."""
    a = Action.__table__
    return [(pid, R.ActionFacts(element, tuple(quarters or ()), percent, claimed, tuple(reported or ()),
                                bool(pending), bool(na), action_id, tuple(verified or ()),
                                bool((owner or "").strip())))
            for action_id, pid, element, quarters, percent, claimed, reported, pending, na, verified, owner
            in connection.execute(
                select(a.c.id, a.c.plan_id, a.c.element, a.c.quarters, a.c.state_percent, a.c.state_claimed,
                       a.c.state_reported, a.c.state_pending, a.c.not_actionable, a.c.state_verified, a.c.owner)
                .where(a.c.plan_id.in_(plan_ids)).order_by(a.c.id)).all()]


def report_summaries(connection, plan_ids) -> dict[int, tuple]:
    """{plan id: (last report sent or reviewed, reports waiting for the inspector, the oldest
    one's sending time)} from the progress entries of the plans' actions."""
    a, e = Action.__table__, ProgressEntry.__table__
    waiting = e.c.status == R.SUBMITTED
    q = (select(a.c.plan_id, func.max(e.c.submitted_at), func.max(e.c.reviewed_at),
                func.coalesce(func.sum(case((waiting, 1), else_=0)), 0),
                func.min(case((waiting, e.c.submitted_at), else_=None)))
         .join(a, a.c.id == e.c.action_id).where(a.c.plan_id.in_(plan_ids)).group_by(a.c.plan_id))
    out = {}
    for pid, sent, reviewed, pending, since in connection.execute(q):
        times = [t for t in (sent, reviewed) if t is not None]
        out[pid] = (max(times) if times else None, int(pending or 0), since)
    return out


def refresh_all(connection) -> int:
    """Rebuild the derived state of every action and plan (after a bulk load or a restore)."""
    a, p = Action.__table__, Plan.__table__
    written = refresh_action_states(connection, [i for (i,) in connection.execute(select(a.c.id))])
    refresh_plan_states(connection, [i for (i,) in connection.execute(select(p.c.id))])
    return written


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """(action ids, plan ids) whose derived state a flush may have changed."""
    ids: set[int] = set()
    plans: set[int] = set()
    periods: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ProgressEntry):
            ids.add(obj.action_id)  # set by the flush (the column is NOT NULL)
        elif isinstance(obj, Action):
            ids.add(obj.id)
            plans.add(obj.plan_id)
        elif isinstance(obj, Plan) and obj not in session.deleted:
            plans.add(obj.id)
        elif isinstance(obj, Period) and obj in session.dirty:
            periods.add(obj.id)  # its grace days decide its plans' deadlines
    if periods:
        p = Plan.__table__
        plans |= {pid for (pid,) in session.connection().execute(
            select(p.c.id).where(p.c.period_id.in_(periods)))}
    ids.discard(None)
    plans.discard(None)
    return ids, plans


def _after_flush(session: Session, flush_context) -> None:
    ids, plans = _touched(session)
    if ids:
        connection = session.connection()
        refresh_action_states(connection, ids)
        a = Action.__table__
        plans |= {pid for (pid,) in connection.execute(select(a.c.plan_id).where(a.c.id.in_(ids)))}
    if plans:
        refresh_plan_states(session.connection(), plans)


def install() -> None:
    """Keep the state current after every ORM flush (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
