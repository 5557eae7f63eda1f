"""Reporting periods: parsing the ways tables write them, frequencies, deadlines."""

from datetime import date

import pytest

from backend.monitoring.indicators import periods
from backend.monitoring.indicators.periods import BadPeriod, Period


@pytest.mark.parametrize(("text", "code"), [
    ("2026", "2026"), ("2026-Q3", "2026-Q3"), ("2026-q3", "2026-Q3"), ("2026-6M", "2026-6M"), ("2026-9M", "2026-9M"),
    ("2026-10", "2026-10"), ("2026-1", "2026-01"), ("10/2026", "2026-10"), ("2026/10", "2026-10"),
    (date(2026, 10, 1), "2026-10"), ("2026.0", "2026"),
])
def test_a_period_is_read_the_ways_tables_write_it(text, code):
    assert periods.parse(text).code == code


@pytest.mark.parametrize("text", ["", "2026-13", "2026-Q5", "26-10", "tháng 10", "2026-7M", "1999"])
def test_a_bad_period_is_refused_with_the_ways_to_write_it(text):
    with pytest.raises(BadPeriod):
        periods.parse(text)


def test_a_period_must_match_the_indicators_frequency():
    with pytest.raises(BadPeriod, match="tần suất"):
        periods.parse("2026-Q3", "month")
    assert periods.parse("2026-9M", "6_9_months").code == "2026-9M"
    assert periods.parse("2026", "6_9_months").code == "2026"


def test_the_months_before_a_period_make_its_cumulative():
    assert [p.code for p in periods.earlier_in_year(Period(2026, 3, 3), "month")] == ["2026-01", "2026-02", "2026-03"]
    assert [p.code for p in periods.earlier_in_year(Period(2026, 7, 9), "quarter")] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert periods.earlier_in_year(Period(2026, 1, 9), "6_9_months") == []


def test_the_latest_closed_period_of_each_frequency():
    today = date(2026, 12, 1)
    assert periods.latest_closed("month", today).code == "2026-11"
    assert periods.latest_closed("quarter", today).code == "2026-Q3"
    assert periods.latest_closed("6_9_months", today).code == "2026-9M"
    assert periods.latest_closed("year", today).code == "2025"
    assert periods.latest_closed("month", date(2027, 1, 3)).code == "2026-12"
    assert periods.latest_closed("quarter", date(2027, 2, 3)).code == "2026-Q4"


def test_figures_are_due_on_the_day_of_the_next_month():
    assert periods.due_date(Period(2026, 11, 11), 5, 1) == date(2026, 12, 5)
    assert periods.due_date(Period(2026, 12, 12), 5, 1) == date(2027, 1, 5)
    assert periods.due_date(Period(2026, 7, 9), 6, 1) == date(2026, 10, 6)
