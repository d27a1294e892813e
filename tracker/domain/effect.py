"""The effect of follow-up: for each prioritised element with actions, the NRR in the period the
plan answers (before) against the next period of the same kind (after), beside the element's
realisation. A unit claiming 100% whose element got worse is what an inspector wants to see.

City table: the mean NRR change of elements that had follow-up actions, against the mean change
of the unit's other elements, over units with results in both periods (plain means over
unit-element pairs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

BETTER, WORSE, SAME = "naik", "turun", "tetap"
# NRR changes smaller than this (after rounding to 3 decimals, as reports print NRR) are "tetap".
EPSILON = 0.0005


@dataclass(frozen=True)
class ElementEffect:
    element: str
    actions: int
    realisation: float | None
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def direction(self) -> str | None:
        c = self.change
        if c is None:
            return None
        return SAME if abs(c) < EPSILON else (BETTER if c > 0 else WORSE)

    @property
    def contradiction(self) -> bool:
        """Realisation at 100% while the element got worse."""
        return self.realisation is not None and self.realisation >= 100 and self.direction == WORSE


def unit_effects(elements: Mapping[str, dict], before: Mapping[str, float],
                 after: Mapping[str, float]) -> list[ElementEffect]:
    """``elements``: element key -> {"actions": n, "realisation": x} (the plan's status)."""
    return [ElementEffect(key, e["actions"], e.get("realisation"), before.get(key), after.get(key))
            for key, e in elements.items()]


@dataclass(frozen=True)
class CityEffect:
    followed_mean_change: float | None
    followed_pairs: int
    other_mean_change: float | None
    other_pairs: int
    followed_better: int
    followed_worse: int
    contradictions: int

    @property
    def difference(self) -> float | None:
        if self.followed_mean_change is None or self.other_mean_change is None:
            return None
        return self.followed_mean_change - self.other_mean_change


def city_effect(units: Iterable[tuple[Iterable[str], Mapping[str, float], Mapping[str, float],
                                      Mapping[str, float | None]]]) -> CityEffect:
    """``units``: (elements with actions, NRR before, NRR after, realisation per element) per unit.
    Only elements with a value in both periods count."""
    followed, other = [], []
    better = worse = contradictions = 0
    for with_actions, before, after, realisation in units:
        with_actions = set(with_actions)
        for key, b in before.items():
            a = after.get(key)
            if a is None:
                continue
            change = a - b
            if key in with_actions:
                followed.append(change)
                if abs(change) >= EPSILON:
                    better += change > 0
                    worse += change < 0
                r = realisation.get(key)
                if r is not None and r >= 100 and change <= -EPSILON:
                    contradictions += 1
            else:
                other.append(change)
    mean = (lambda xs: sum(xs) / len(xs) if xs else None)
    return CityEffect(mean(followed), len(followed), mean(other), len(other), better, worse,
                      contradictions)
