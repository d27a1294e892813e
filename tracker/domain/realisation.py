"""Realisation of follow-up (RTL) actions: one definition, used by every screen, export and
command.

Definitions (the inspectorate's SIPTL rule: unverified progress is shown, never counted):
- Action realisation: the percentage of the action's most recent *verified* progress entry
  (by time of submission); 0 when none is verified.
- Claimed progress: the most recent entry that is not rejected, verified or not (shown only).
- Action outcome (SIPTL vocabulary): ``sesuai`` when verified realisation is 100;
  ``tidak_dapat`` when the admin marked the action as impossible; ``dalam_proses`` when any
  entry that was not rejected exists; ``belum`` otherwise (rejected entries are ignored).
- Unit realisation for a period: the plain mean of its actions' realisation (actions marked
  ``tidak_dapat`` are left out); the completion rate beside it is the share of those actions
  whose outcome is ``sesuai``.
- Group and city realisation: the plain mean of the unit realisations of units that have an
  accepted plan (a draft, submitted or returned plan has no realisation yet).
- Overdue: a planned quarter whose reporting deadline (quarter end + grace days) has passed
  without a verified entry for that quarter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Sequence

from .periods import Quarter, parse_quarter

SUBMITTED, VERIFIED, REJECTED = "submitted", "verified", "rejected"

OUTCOMES = {
    "sesuai": "Sesuai (selesai 100%)",
    "dalam_proses": "Belum sesuai, dalam proses",
    "belum": "Belum ditindaklanjuti",
    "tidak_dapat": "Tidak dapat ditindaklanjuti",
}

ENTRY_STATUS_LABELS = {SUBMITTED: "Menunggu verifikasi", VERIFIED: "Terverifikasi",
                       REJECTED: "Ditolak"}


@dataclass(frozen=True)
class Entry:
    quarter: str
    percent: float
    status: str
    submitted_at: datetime
    id: int = 0


def _latest(entries: Iterable[Entry]) -> Entry | None:
    return max(entries, key=_order, default=None)


def _order(entry: Entry):
    return (entry.submitted_at, entry.id)


def latest_verified_percent(entries: Iterable[Entry]) -> float | None:
    """The percentage of the most recent verified entry; None when none is verified."""
    latest = _latest(e for e in entries if e.status == VERIFIED)
    return float(latest.percent) if latest else None


def action_realisation(entries: Sequence[Entry]) -> float:
    latest = latest_verified_percent(entries)
    return latest if latest is not None else 0.0


def claimed_progress(entries: Sequence[Entry]) -> float | None:
    latest = _latest(e for e in entries if e.status != REJECTED)
    return float(latest.percent) if latest else None


def action_outcome(entries: Sequence[Entry], not_actionable: bool = False) -> str:
    return _outcome(entries, action_realisation(entries), not_actionable)


def _outcome(entries: Sequence[Entry], realisation: float, not_actionable: bool) -> str:
    if not_actionable:
        return "tidak_dapat"
    if realisation >= 100:
        return "sesuai"
    if any(e.status != REJECTED for e in entries):
        return "dalam_proses"
    return "belum"


@dataclass(frozen=True)
class ActionState:
    realisation: float
    outcome: str


def action_state(entries: Sequence[Entry], not_actionable: bool = False) -> ActionState:
    realisation = action_realisation(entries)
    return ActionState(realisation, _outcome(entries, realisation, not_actionable))


def unit_realisation(actions: Sequence[ActionState]) -> float | None:
    counted = [a.realisation for a in actions if a.outcome != "tidak_dapat"]
    if not counted:
        return None
    return sum(counted) / len(counted)


def completion_rate(actions: Sequence[ActionState]) -> float | None:
    counted = [a for a in actions if a.outcome != "tidak_dapat"]
    if not counted:
        return None
    return 100.0 * sum(1 for a in counted if a.outcome == "sesuai") / len(counted)


def rates_from_latest(actions: Iterable[tuple[float | None, bool]]) -> tuple[float | None, float | None, int]:
    """(unit realisation, completion rate, number of actions) from each action's latest
    verified percentage (None when nothing is verified) and its not-actionable mark.

    The same numbers as ``unit_realisation`` and ``completion_rate`` over ``action_state`` of
    the full entry lists (tested equal): both depend only on the latest verified entry and the
    mark, so bulk readers need one value per action instead of every entry. (The states built
    here do not tell ``dalam_proses`` from ``belum``, which neither rate looks at; they are not
    returned.)
    """
    states = []
    for latest, not_actionable in actions:
        realisation = latest if latest is not None else 0.0
        states.append(ActionState(realisation, _outcome((), realisation, not_actionable)))
    return unit_realisation(states), completion_rate(states), len(states)


def mean_rate(rates: Iterable[float | None]) -> float | None:
    values = [r for r in rates if r is not None]
    if not values:
        return None
    return sum(values) / len(values)


def deadline(quarter: Quarter, grace_days: int) -> date:
    from datetime import timedelta
    return quarter.end + timedelta(days=grace_days)


def overdue_quarters(planned: Sequence[str], entries: Sequence[Entry], today: date,
                     grace_days: int = 15) -> list[str]:
    """Planned quarter codes whose deadline passed with no verified entry for that quarter."""
    return overdue_given_verified(planned, verified_quarters(entries), today, grace_days)


def verified_quarters(entries: Iterable[Entry]) -> list[str]:
    """Codes of the quarters that have a verified entry, in order (all that overdue needs)."""
    return [q.code for q in sorted({parse_quarter(e.quarter) for e in entries if e.status == VERIFIED})]


def overdue_given_verified(planned: Sequence[str], verified: Iterable[str], today: date,
                           grace_days: int = 15) -> list[str]:
    """``overdue_quarters`` for a reader that keeps only the verified quarters' codes."""
    done = {parse_quarter(code) for code in verified}
    out = []
    for code in planned:
        q = parse_quarter(code)
        if deadline(q, grace_days) < today and q not in done:
            out.append(q.code)
    return out


def due_quarters(planned: Sequence[str], entries: Sequence[Entry], today: date,
                 grace_days: int = 15, window_days: int = 7) -> list[str]:
    """Planned quarters whose deadline falls within the next ``window_days`` and that have no
    entry yet (reminder before the deadline)."""
    from datetime import timedelta
    reported = {parse_quarter(e.quarter) for e in entries if e.status != REJECTED}
    out = []
    for code in planned:
        q = parse_quarter(code)
        d = deadline(q, grace_days)
        if today <= d <= today + timedelta(days=window_days) and q not in reported:
            out.append(q.code)
    return out
