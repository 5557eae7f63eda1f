"""Working-time arithmetic: deadlines count working hours on working days only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_HOURS: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date]
    hours: tuple[tuple[time, time], ...] = DEFAULT_HOURS
    tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")

    @classmethod
    def build(cls, holidays: Iterable[date], hours: Iterable[Iterable[str]] | None, tz: str) -> WorkCalendar:
        spans = DEFAULT_HOURS
        if hours:
            spans = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in hours)
        return cls(frozenset(holidays), spans, ZoneInfo(tz))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: datetime, amount: int, unit: str) -> datetime:
        if unit == "hours":
            return start + timedelta(hours=amount)
        if unit == "days":
            return start + timedelta(days=amount)
        if unit == "working_hours":
            return self.add_working_hours(start, amount)
        if unit == "working_days":
            return self.add_working_days(start, amount)
        raise ValueError(f"unknown deadline unit {unit!r}")

    @property
    def hours_per_day(self) -> float:
        return (
            sum((datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds() for a, b in self.hours)
            / 3600
        )

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """N working days = N full days of working hours, counted from arrival (a report that
        arrives on Friday at 10:00 with 3 working days is due Wednesday at 10:00)."""
        return self.add_working_hours(start, days * self.hours_per_day)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        remaining = timedelta(hours=hours)
        local = start.astimezone(self.tz)
        day = local.date()
        cursor = local
        for _ in range(3660):  # ten years of days: a safe bound
            if self.is_working_day(day):
                for begin, end in self.hours:
                    span_start = max(cursor, datetime.combine(day, begin, self.tz))
                    span_end = datetime.combine(day, end, self.tz)
                    if span_start >= span_end:
                        continue
                    available = span_end - span_start
                    if remaining <= available:
                        return (span_start + remaining).astimezone(start.tzinfo)
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0, 0), self.tz)
        raise ValueError("deadline beyond ten years")
