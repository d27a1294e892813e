"""A plan's follow-up status kept as a digest: everything ``realisation.plan_status`` and the
monitoring grid need from the plan's actions, with each deadline already worked out, so that a
reader judges any day from one small document per plan instead of every action.

``plan_digest`` is written beside the plan in the same flush as any change to its actions,
their reports or its period's grace days (tracker.followup.state); ``status_from_digest`` gives,
for any day, exactly what ``plan_status`` gives from the actions themselves, and
``quarter_states_from_digest`` the monitoring grid's cells (property tests hold them equal to
the rules). A digest of another ``VERSION`` is not read: the status is then computed from the
actions.

The digest is plain JSON: lists, numbers and ISO dates (which order as text as they do as
dates). Its realisation figures are computed here by the same expressions as ``plan_status``,
so a reader gets the very same floats.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Sequence

from .periods import parse_quarter
from .realisation import LONG_LATE_DAYS, ActionFacts, Status, deadline

VERSION = 1

# A planned quarter's state in the monitoring grid, worst first.
LATE, PENDING, DUE, VERIFIED = "late", "pending", "due", "verified"


def plan_digest(actions: Sequence[ActionFacts], grace_days: int = 15) -> dict:
    """The day-independent part of a plan's status, with the deadlines it is judged by."""
    counted = [a for a in actions if not a.not_actionable]
    elements: dict[str, list] = {}
    for a in actions:
        own = elements.setdefault(a.element, [0, []])
        own[0] += 1
        if not a.not_actionable:
            own[1].append(a.realisation)
    d: dict = {
        "v": VERSION,
        "n": len(actions),
        "no_owner": sum(1 for a in actions if not a.has_owner),
        "unscheduled": [a.id for a in actions if not a.quarters],
        # key, actions, sum and count of the realisations the element's figure is the mean of
        "el": [[key, n, sum(values), len(values)] for key, (n, values) in elements.items()],
        "r": None, "c": None, "done": None,
        "pending": [a.id for a in counted if a.pending],
        "late": [], "unf": [], "cells": {},
    }
    if counted:
        d["r"] = sum(a.realisation for a in counted) / len(counted)
        d["c"] = sum(a.claimed_value for a in counted) / len(counted)
        d["done"] = 100.0 * sum(1 for a in counted if a.realisation >= 100) / len(counted)
    cells: dict[str, list] = d["cells"]
    for a in counted:
        planned = sorted({parse_quarter(c) for c in a.quarters})
        done = {parse_quarter(c) for c in a.reported}
        open_quarters = [q for q in planned if q not in done]
        if open_quarters:
            d["late"].append([a.id, [q.code for q in open_quarters],
                              [deadline(q, grace_days).isoformat() for q in open_quarters]])
        if planned and a.realisation < 100:
            d["unf"].append([a.id, deadline(planned[-1], grace_days).isoformat()])
        for code in a.quarters:
            cell = cells.get(code)
            if cell is None:
                cell = cells[code] = [deadline(parse_quarter(code), grace_days).isoformat(), 0, 0, 0]
            if code in a.verified:
                cell[1] += 1
            elif code in a.reported:
                cell[2] += 1
            else:
                cell[3] += 1
    return d


def status_from_digest(d: dict, as_of: date, accepted: bool = True) -> Status:
    """``realisation.plan_status`` of the plan on ``as_of``, from its digest."""
    st = Status(actions=d["n"])
    st.no_owner = d["no_owner"]
    st.unscheduled_ids = list(d["unscheduled"])
    st.unscheduled = len(st.unscheduled_ids)
    st.elements = {key: {"actions": n, "realisation": (total / count) if count and accepted else None}
                   for key, n, total, count in d["el"]}
    if not accepted:
        return st
    st.realisation, st.claimed, st.completion = d["r"], d["c"], d["done"]
    day = as_of.isoformat()
    long_ago = (as_of - timedelta(days=LONG_LATE_DAYS)).isoformat()
    for action_id, quarters, deadlines in d["late"]:
        late = [q for q, due in zip(quarters, deadlines) if due < day]
        if late:
            st.late_reports += 1
            st.late[action_id] = late
            if deadlines[quarters.index(late[0])] < long_ago:
                st.late_long += 1
    for action_id, due in d["unf"]:
        if due < day:
            st.unfinished_after_schedule += 1
            st.unfinished.append(action_id)
    st.pending_ids = list(d["pending"])
    st.awaiting_verification = len(st.pending_ids)
    return st


def quarter_states_from_digest(d: dict, as_of: date) -> dict[str, dict[str, int]]:
    """{quarter: {state: actions}} of a plan's counted actions on ``as_of``, from its digest:
    verified when the quarter has a verified report, pending when it has a report not
    rejected, else late once its deadline passed, else due (the monitoring grid's cells)."""
    day = as_of.isoformat()
    out: dict[str, dict[str, int]] = {}
    for code, (due, verified, pending, open_) in d["cells"].items():
        own = {}
        if verified:
            own[VERIFIED] = verified
        if pending:
            own[PENDING] = pending
        if open_:
            own[LATE if due < day else DUE] = open_
        out[code] = own
    return out
