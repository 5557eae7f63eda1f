"""Reporting periods as the province's reports name them: `2026` (year), `2026-Q3` (quarter),
`2026-6M` / `2026-9M` (six and nine months, cumulative from January; `2026-3M` too), `2026-10`
(month). Each period knows its first and last month, the same period a year earlier and the
periods of the same frequency that came before it in its year (for the cumulative of flows)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

FREQUENCIES = ("month", "quarter", "6_9_months", "year")
FREQUENCY_LABELS = {"month": "Tháng", "quarter": "Quý", "6_9_months": "3, 6, 9 tháng và năm", "year": "Năm"}
_PATTERN = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|Q([1-4])|([369])M))?$")


class BadPeriod(ValueError):
    """A period text that does not parse; the message is Vietnamese, for people."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    last_month: int

    @property
    def frequency(self) -> str:
        months = self.last_month - self.first_month + 1
        if months == 1:
            return "month"
        if months == 12:
            return "year"
        if self.first_month == 1 and months in (3, 6, 9):
            # 2026-Q1 and 2026-3M cover the same months; a 6_9_months indicator calls it 3M
            return "quarter" if months == 3 else "6_9_months"
        return "quarter"

    @property
    def code(self) -> str:
        months = self.last_month - self.first_month + 1
        if months == 1:
            return f"{self.year}-{self.first_month:02d}"
        if months == 12:
            return str(self.year)
        if self.first_month == 1 and months in (6, 9):
            return f"{self.year}-{months}M"
        return f"{self.year}-Q{self.last_month // 3}"

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        return date(self.year + 1, 1, 1) if self.last_month == 12 else date(self.year, self.last_month + 1, 1)

    def year_before(self) -> Period:
        return Period(self.year - 1, self.first_month, self.last_month)

    def label(self) -> str:
        months = self.last_month - self.first_month + 1
        if months == 1:
            return f"Tháng {self.first_month}/{self.year}"
        if months == 12:
            return f"Năm {self.year}"
        if self.first_month == 1 and months in (6, 9):
            return f"{months} tháng {self.year}"
        return f"Quý {self.last_month // 3}/{self.year}"


def parse(text: object, frequency: str | None = None) -> Period:
    """A period from its text (an XLSX date cell for a month too); `frequency`, when given, must
    match: a monthly indicator takes `2026-10`, not `2026-Q3`."""
    if isinstance(text, date):
        period = Period(text.year, text.month, text.month)
    else:
        raw = str(text if text is not None else "").strip().upper().replace("/", "-")
        if re.fullmatch(r"\d{1,2}-\d{4}", raw):  # 10-2026, as Vietnamese tables write months
            month, year = raw.split("-")
            raw = f"{year}-{month}"
        if raw.endswith(".0") and raw[:-2].isdigit():  # a year read from a number cell
            raw = raw[:-2]
        found = _PATTERN.match(raw)
        if not found:
            raise BadPeriod(f"kỳ «{text}» không hợp lệ: viết 2026, 2026-Q3, 2026-6M, 2026-9M hoặc 2026-10")
        year = int(found.group(1))
        month, quarter, cumulative = found.group(2), found.group(3), found.group(4)
        if not 2000 <= year <= 2100:
            raise BadPeriod(f"năm {year} ngoài khoảng 2000-2100")
        if month:
            if not 1 <= int(month) <= 12:
                raise BadPeriod(f"tháng {month} không có: tháng từ 01 đến 12")
            period = Period(year, int(month), int(month))
        elif quarter:
            period = Period(year, 3 * int(quarter) - 2, 3 * int(quarter))
        elif cumulative:
            period = Period(year, 1, int(cumulative))
        else:
            period = Period(year, 1, 12)
    if frequency is not None and not fits(period, frequency):
        raise BadPeriod(f"kỳ {period.code} không đúng tần suất của chỉ tiêu ({FREQUENCY_LABELS[frequency].lower()})")
    return period


def fits(period: Period, frequency: str) -> bool:
    months = period.last_month - period.first_month + 1
    if frequency == "month":
        return months == 1
    if frequency == "quarter":
        return months == 3 and period.first_month in (1, 4, 7, 10)
    if frequency == "6_9_months":
        return period.first_month == 1 and months in (3, 6, 9, 12)
    return months == 12


def earlier_in_year(period: Period, frequency: str) -> list[Period]:
    """Periods of this frequency from January up to and including `period` (the cumulative of a
    flow adds them up); empty for frequencies whose periods are already cumulative."""
    if frequency == "month":
        return [Period(period.year, m, m) for m in range(1, period.last_month + 1)]
    if frequency == "quarter":
        return [Period(period.year, m, m + 2) for m in range(1, period.last_month, 3)]
    return []


def latest_closed(frequency: str, today: date) -> Period:
    """The most recent period of this frequency that has ended by `today`."""
    year, month = today.year, today.month - 1
    if month == 0:
        year, month = year - 1, 12
    if frequency == "month":
        return Period(year, month, month)
    if frequency == "quarter":
        last = month - month % 3 if month % 3 else month
        if last == 0:
            return Period(year - 1, 10, 12)
        return Period(year, last - 2, last)
    if frequency == "6_9_months":
        last = month - month % 3 if month % 3 else month
        if last == 0:
            return Period(year - 1, 1, 12)
        return Period(year, 1, last)
    return Period(today.year - 1, 1, 12)


def due_date(period: Period, day: int, month_offset: int) -> date:
    """`day` of the `month_offset`-th month after the period (1 = the month right after it)."""
    month_index = period.end.year * 12 + period.end.month - 1 + month_offset - 1
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day, 28))
