"""Period codes (YYYY, YYYY-S1/S2, YYYY-Q1..Q4) and the quarters (TW I-IV) plans use."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


# Survey years the tracker accepts (the SKM regulation dates from 2017; older reports go back a
# few years). Outside this range a "period" is a typo, and year 0 is not even a date.
MIN_YEAR, MAX_YEAR = 1990, 2100


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True, order=True)
class PeriodRef:
    year: int
    kind: str  # "year" | "semester" | "quarter"
    number: int  # 0 for a year

    @property
    def code(self) -> str:
        if self.kind == "year":
            return str(self.year)
        return f"{self.year}-{'S' if self.kind == 'semester' else 'Q'}{self.number}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"Tahun {self.year}"
        if self.kind == "semester":
            return f"Semester {ROMAN[self.number]} {self.year}"
        return f"Triwulan {ROMAN[self.number]} {self.year}"

    @property
    def start(self) -> date:
        months = {"year": 12, "semester": 6, "quarter": 3}[self.kind]
        first_month = 1 if self.kind == "year" else (self.number - 1) * months + 1
        return date(self.year, first_month, 1)

    @property
    def end(self) -> date:
        months = {"year": 12, "semester": 6, "quarter": 3}[self.kind]
        last_month = self.start.month + months - 1
        if last_month == 12:
            return date(self.year, 12, 31)
        return date(self.year, last_month + 1, 1) - timedelta(days=1)

    def previous(self) -> "PeriodRef":
        if self.kind == "year":
            return PeriodRef(self.year - 1, "year", 0)
        per_year = 2 if self.kind == "semester" else 4
        if self.number == 1:
            return PeriodRef(self.year - 1, self.kind, per_year)
        return PeriodRef(self.year, self.kind, self.number - 1)

    def next(self) -> "PeriodRef":
        if self.kind == "year":
            return PeriodRef(self.year + 1, "year", 0)
        per_year = 2 if self.kind == "semester" else 4
        if self.number == per_year:
            return PeriodRef(self.year + 1, self.kind, 1)
        return PeriodRef(self.year, self.kind, self.number + 1)

    def semesters(self) -> list["PeriodRef"]:
        if self.kind != "year":
            return []
        return [PeriodRef(self.year, "semester", 1), PeriodRef(self.year, "semester", 2)]

    def plan_quarters(self) -> list["Quarter"]:
        """Quarters an RTL answering this period normally spans: the quarter in which the
        period ends and the four after it (Surakarta 2021: 2021 TW IV .. 2022 TW IV)."""
        first = Quarter(self.end.year, (self.end.month - 1) // 3 + 1)
        out = [first]
        for _ in range(4):
            out.append(out[-1].next())
        return out


_PERIOD = re.compile(r"^\s*(\d{4})(?:-(S[12]|Q[1-4]))?\s*$", re.I)


def parse_period(code: str) -> PeriodRef:
    m = _PERIOD.match(code or "")
    if not m:
        raise BadPeriod(f"Kode periode '{code}' tidak valid; gunakan YYYY, YYYY-S1/S2 atau YYYY-Q1..Q4.")
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadPeriod(f"Tahun periode '{code}' di luar {MIN_YEAR}-{MAX_YEAR}.")
    part = (m.group(2) or "").upper()
    if not part:
        return PeriodRef(year, "year", 0)
    return PeriodRef(year, "semester" if part[0] == "S" else "quarter", int(part[1]))


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def code(self) -> str:
        return f"{self.year}-TW{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year} TW {ROMAN[self.number]}"

    @property
    def end(self) -> date:
        return _quarter_end(self.year, self.number)

    @property
    def start(self) -> date:
        return PeriodRef(self.year, "quarter", self.number).start

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)


@lru_cache(maxsize=1024)
def _quarter_end(year: int, number: int) -> date:
    return PeriodRef(year, "quarter", number).end


_QUARTER = re.compile(r"^\s*(\d{4})\s*[- ]?\s*(?:TW|Q)\s*([1-4]|IV|III|II|I)\s*$", re.I)
_ROMAN_NUM = {"I": 1, "II": 2, "III": 3, "IV": 4}


@lru_cache(maxsize=4096)
def parse_quarter(code: str) -> Quarter:
    """Parse '2022-TW1', '2022 Q1', '2022-TW IV'... Cached: monitoring pages parse the same few
    codes for thousands of actions (a bad code raises every time; exceptions are not cached)."""
    m = _QUARTER.match(code or "")
    if not m or not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        raise BadPeriod(f"Triwulan '{code}' tidak valid; gunakan misalnya 2022-TW1.")
    part = m.group(2).upper()
    number = int(part) if part.isdigit() else _ROMAN_NUM[part]
    return Quarter(int(m.group(1)), number)


def parse_quarters(text: str) -> list[Quarter]:
    """Parse '2021-TW4;2022-TW1'; an empty text is an unscheduled plan."""
    parts = [p for p in re.split(r"[;,]", text or "") if p.strip()]
    return sorted({parse_quarter(p) for p in parts})


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)
