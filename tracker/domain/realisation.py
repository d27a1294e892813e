"""Realisation of follow-up (RTL) actions: one definition, used by every screen, export and
command.

Definitions (the inspectorate's SIPTL rule: unverified progress is shown, never counted):
- Action realisation: the percentage of the action's latest *verified* progress entry, latest
  meaning the latest quarter and, within a quarter, the one entered last; 0 when none is
  verified.
- Claimed progress: the latest entry that is not rejected, verified or not (shown beside it).
- Action outcome (SIPTL vocabulary): ``sesuai`` when verified realisation is 100;
  ``tidak_dapat`` when the admin marked the action as impossible; ``dalam_proses`` when any
  entry that was not rejected exists; ``belum`` otherwise (rejected entries are ignored).
- Unit realisation for a period: the plain mean of its actions' realisation (actions marked
  ``tidak_dapat`` are left out); the completion rate beside it is the share of those actions
  whose outcome is ``sesuai``.
- Group and city realisation: the plain mean of the unit realisations of units that have an
  accepted plan (a draft, submitted or returned plan has no realisation yet).
- Late reporting (CONTRACT ``rtl status``): a planned quarter whose deadline passed with no report
  for it other than rejected ones; a report waiting for the inspector is not late reporting.
- Unfinished after schedule: the last planned quarter's deadline passed and the verified
  realisation is below 100.
- Unscheduled: no planned quarter at all (it can never be late, so it is a finding of its own).
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
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
    """Latest = the latest quarter; within a quarter, the one entered last."""
    return (parse_quarter(entry.quarter), entry.submitted_at, entry.id)


def latest_verified_percent(entries: Iterable[Entry]) -> float | None:
    """The percentage of the most recent verified entry; None when none is verified."""
    latest = _latest(e for e in entries if e.status == VERIFIED)
    return float(latest.percent) if latest else None


def action_realisation(entries: Sequence[Entry]) -> float:
    latest = latest_verified_percent(entries)
    return latest if latest is not None else 0.0


def claimed_progress(entries: Iterable[Entry]) -> float | None:
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
    return quarter.end + timedelta(days=grace_days)


def overdue_quarters(planned: Sequence[str], entries: Sequence[Entry], today: date,
                     grace_days: int = 15) -> list[str]:
    """Planned quarter codes the unit is late reporting on: the deadline passed with no report
    for the quarter other than rejected ones (``late_reporting_quarters``; a report waiting
    for the inspector is not late)."""
    return late_reporting_quarters(planned, reported_quarters(entries), today, grace_days)


def verified_quarters(entries: Iterable[Entry]) -> list[str]:
    """Codes of the quarters that have a verified entry, in order."""
    return [q.code for q in sorted({parse_quarter(e.quarter) for e in entries if e.status == VERIFIED})]


def due_quarters(planned: Sequence[str], entries: Sequence[Entry], today: date,
                 grace_days: int = 15, window_days: int = 7) -> list[str]:
    """Planned quarters whose deadline falls within the next ``window_days`` and that have no
    entry yet (reminder before the deadline)."""
    reported = {parse_quarter(e.quarter) for e in entries if e.status != REJECTED}
    out = []
    for code in planned:
        q = parse_quarter(code)
        d = deadline(q, grace_days)
        if today <= d <= today + timedelta(days=window_days) and q not in reported:
            out.append(q.code)
    return out


# --- the state each action keeps on its row, and the follow-up status built from it ---------

def reported_quarters(entries: Iterable[Entry]) -> list[str]:
    """Codes of the quarters with a report that was not rejected, in order."""
    return [q.code for q in sorted({parse_quarter(e.quarter) for e in entries if e.status != REJECTED})]


def stored_state(entries: Sequence[Entry], not_actionable: bool = False) -> dict:
    """Everything the status rules need from an action's entries, as the action row keeps it
    (tracker.followup.state): one value per column, never the entries themselves."""
    entries = list(entries)
    return {"state_percent": latest_verified_percent(entries),
            "state_outcome": action_outcome(entries, not_actionable),
            "state_verified": verified_quarters(entries),
            "state_claimed": claimed_progress(entries),
            "state_reported": reported_quarters(entries),
            "state_pending": any(e.status == SUBMITTED for e in entries)}


@dataclass(frozen=True)
class ActionFacts:
    """One action as the status rules see it (built from its row's state or from its entries)."""
    element: str
    quarters: tuple[str, ...]
    percent: float | None  # latest verified percentage, None when nothing is verified
    claimed: float | None  # latest percentage not rejected, None when none
    reported: tuple[str, ...] = ()  # quarters with a report not rejected
    pending: bool = False  # a report waits for the inspector
    not_actionable: bool = False
    id: int = 0  # the action's id, for readers that list findings (not used by the rules)
    verified: tuple[str, ...] = ()  # quarters with a verified report (the monitoring grid)
    has_owner: bool = True  # a penanggung jawab is named

    @classmethod
    def from_entries(cls, element: str, quarters: Sequence[str], entries: Sequence[Entry],
                     not_actionable: bool = False) -> "ActionFacts":
        s = stored_state(entries, not_actionable)
        return cls(element, tuple(quarters or ()), s["state_percent"], s["state_claimed"],
                   tuple(s["state_reported"]), s["state_pending"], not_actionable)

    @property
    def realisation(self) -> float:
        return float(self.percent) if self.percent is not None else 0.0

    @property
    def claimed_value(self) -> float:
        return float(self.claimed) if self.claimed is not None else 0.0


def late_reporting_quarters(planned: Sequence[str], reported: Iterable[str], as_of: date,
                            grace_days: int = 15) -> list[str]:
    """Planned quarters whose deadline passed before ``as_of`` with no report for them other
    than rejected ones (a report waiting for verification is not late)."""
    return list(_late(tuple(planned), frozenset(reported), as_of, grace_days))


@lru_cache(maxsize=8192)
def _late(planned: tuple, reported: frozenset, as_of: date, grace_days: int) -> tuple:
    # Cached: a city's actions share a handful of schedules and reporting states, and
    # monitoring judges thousands of them on one day.
    done = {parse_quarter(code) for code in reported}
    return tuple(q.code for q in sorted({parse_quarter(c) for c in planned})
                 if deadline(q, grace_days) < as_of and q not in done)


def unfinished_after_schedule(planned: Sequence[str], realisation: float, as_of: date,
                              grace_days: int = 15) -> bool:
    """The last planned quarter's deadline passed before ``as_of`` and the verified
    realisation is below 100."""
    if not planned:
        return False
    return realisation < 100 and _schedule_over(tuple(planned), as_of, grace_days)


@lru_cache(maxsize=8192)
def _schedule_over(planned: tuple, as_of: date, grace_days: int) -> bool:
    return deadline(max(parse_quarter(c) for c in planned), grace_days) < as_of


LONG_LATE_DAYS = 30

# Realisation bands of Indonesian monitoring reports, with the colour they are printed in.
BANDS = ((90, "Sangat Baik", "hijau"), (75, "Baik", "hijau"), (65, "Cukup", "kuning"),
         (50, "Kurang", "merah"), (None, "Sangat Kurang", "merah"))


def band(value: float | None) -> tuple[str, str] | None:
    """(word, colour) of a realisation percentage: 91-100 Sangat Baik, 76-90 Baik, 66-75 Cukup,
    51-65 Kurang, up to 50 Sangat Kurang; a value between two bands (90,5) belongs to the upper
    one, because each band starts just above the previous one's top."""
    if value is None:
        return None
    for floor, word, colour in BANDS:
        if floor is None or value > floor:
            return word, colour
    return None


@dataclass
class Status:
    """Follow-up status of one plan (or, for a year, of the plans answering its parts)."""
    actions: int = 0
    realisation: float | None = None
    claimed: float | None = None
    completion: float | None = None
    late_reports: int = 0
    unfinished_after_schedule: int = 0
    unscheduled: int = 0
    awaiting_verification: int = 0
    elements: dict = field(default_factory=dict)  # element key -> {"actions": n, "realisation": x}
    parts: int = 1  # how many plans' figures are averaged here
    late_long: int = 0  # actions late reporting by more than LONG_LATE_DAYS after the deadline
    no_owner: int = 0  # actions without a penanggung jawab
    late: dict = field(default_factory=dict)  # action id -> late reporting quarters
    unfinished: list = field(default_factory=list)  # ids of actions unfinished after schedule
    unscheduled_ids: list = field(default_factory=list)
    pending_ids: list = field(default_factory=list)


def plan_status(actions: Sequence[ActionFacts], as_of: date, grace_days: int = 15,
                accepted: bool = True) -> Status:
    """Status of one plan's actions on ``as_of``. Realisation, claimed and completion leave out
    actions marked not actionable and exist only for an accepted plan; lateness is judged only
    for an accepted plan (no report can be logged on any other)."""
    counted = [a for a in actions if not a.not_actionable]
    st = Status(actions=len(actions))
    st.no_owner = sum(1 for a in actions if not a.has_owner)
    st.unscheduled_ids = [a.id for a in actions if not a.quarters]
    st.unscheduled = len(st.unscheduled_ids)
    by_element: dict[str, list[ActionFacts]] = {}
    for a in actions:
        by_element.setdefault(a.element, []).append(a)
    for key, own in by_element.items():
        values = [a.realisation for a in own if not a.not_actionable]
        st.elements[key] = {"actions": len(own),
                            "realisation": (sum(values) / len(values)) if values and accepted else None}
    if not accepted:
        return st
    if counted:
        st.realisation = sum(a.realisation for a in counted) / len(counted)
        st.claimed = sum(a.claimed_value for a in counted) / len(counted)
        st.completion = 100.0 * sum(1 for a in counted if a.realisation >= 100) / len(counted)
    for a in counted:
        late = late_reporting_quarters(a.quarters, a.reported, as_of, grace_days)
        if late:
            st.late_reports += 1
            st.late[a.id] = late
            # The first late quarter is the longest late: its deadline decides "over 30 days".
            if deadline(parse_quarter(late[0]), grace_days) < as_of - timedelta(days=LONG_LATE_DAYS):
                st.late_long += 1
        if unfinished_after_schedule(a.quarters, a.realisation, as_of, grace_days):
            st.unfinished_after_schedule += 1
            st.unfinished.append(a.id)
        if a.pending:
            st.awaiting_verification += 1
            st.pending_ids.append(a.id)
    return st


@dataclass(frozen=True)
class LatenessDates:
    """A plan's lateness on any day, kept as dates (ISO text, sorted) so that a reader judges a
    day by counting instead of looking at every action. One entry per action counted (not
    marked not actionable):

    - ``late_from``: for each action with a planned quarter that has no report (other than
      rejected ones), the deadline of the first such quarter. The action is late reporting on
      every day after it, and late by more than LONG_LATE_DAYS when that many days more have
      passed: ``plan_status`` judges "over 30 days" by the first late quarter, which is this one.
    - ``unfinished_from``: for each scheduled action whose verified realisation is below 100,
      the deadline of its last planned quarter (unfinished after schedule on every day after).
    """
    late_from: tuple[str, ...] = ()
    unfinished_from: tuple[str, ...] = ()

    def late_reports(self, as_of: date) -> int:
        return count_before(self.late_from, as_of)

    def late_long(self, as_of: date) -> int:
        return count_before(self.late_from, as_of - timedelta(days=LONG_LATE_DAYS))

    def unfinished_after_schedule(self, as_of: date) -> int:
        return count_before(self.unfinished_from, as_of)


class LatenessOn:
    """The three counts of ``LatenessDates`` on one day, for many plans: the day is written as
    ISO text once, and each plan's counts are three bisections of its kept lists."""
    __slots__ = ("day", "long_day")

    def __init__(self, as_of: date):
        self.day = as_of.isoformat()
        self.long_day = (as_of - timedelta(days=LONG_LATE_DAYS)).isoformat()

    def __call__(self, late_from: Sequence[str], unfinished_from: Sequence[str]) -> tuple[int, int, int]:
        """(late reporting, late by more than LONG_LATE_DAYS, unfinished after schedule)."""
        return (bisect_left(late_from, self.day), bisect_left(late_from, self.long_day),
                bisect_left(unfinished_from, self.day))


def lateness_dates(actions: Sequence[ActionFacts], grace_days: int = 15) -> LatenessDates:
    """The dates from which each of a plan's actions is late or unfinished (see LatenessDates);
    they change only when a report, a review, the schedule or the grace days change."""
    late, unfinished = [], []
    for a in actions:
        if a.not_actionable:
            continue
        planned = sorted({parse_quarter(c) for c in a.quarters})
        done = {parse_quarter(c) for c in a.reported}
        open_quarters = [q for q in planned if q not in done]
        if open_quarters:
            late.append(deadline(open_quarters[0], grace_days).isoformat())
        if planned and a.realisation < 100:
            unfinished.append(deadline(planned[-1], grace_days).isoformat())
    return LatenessDates(tuple(sorted(late)), tuple(sorted(unfinished)))


def count_before(dates: Sequence[str], as_of: date) -> int:
    """How many of the sorted ISO dates fall before ``as_of``."""
    return bisect_left(dates, as_of.isoformat())


def gather_statuses(parts: Sequence[tuple[Status, bool]]) -> Status:
    """A year with no plan of its own, from the plans answering its semesters or quarters
    (``(status, accepted)`` pairs): realisation, claimed and completion are the means of the
    accepted plans' figures (Pontianak: 80% and 67% give 73,5%), counts are sums."""
    out = Status(parts=len(parts))
    for st, _ in parts:
        out.late_long += st.late_long
        out.no_owner += st.no_owner
        out.late.update(st.late or {})
        out.unfinished += st.unfinished or []
        out.unscheduled_ids += st.unscheduled_ids or []
        out.pending_ids += st.pending_ids or []
        out.actions += st.actions
        out.late_reports += st.late_reports
        out.unfinished_after_schedule += st.unfinished_after_schedule
        out.unscheduled += st.unscheduled
        out.awaiting_verification += st.awaiting_verification
    accepted = [st for st, ok in parts if ok]
    out.realisation = mean_rate(st.realisation for st in accepted)
    out.claimed = mean_rate(st.claimed for st in accepted)
    out.completion = mean_rate(st.completion for st in accepted)
    keys: list[str] = []
    for st, _ in parts:
        keys += [k for k in st.elements if k not in keys]
    for key in keys:
        own = [st.elements[key] for st, _ in parts if key in st.elements]
        out.elements[key] = {"actions": sum(e["actions"] for e in own),
                             "realisation": mean_rate(e["realisation"] for e in own)}
    return out


def city_status(units: Iterable[Status | None]) -> tuple[float | None, float | None]:
    """City realisation and completion: plain means over units with an accepted plan."""
    units = [u for u in units if u is not None]
    return mean_rate(u.realisation for u in units), mean_rate(u.completion for u in units)
