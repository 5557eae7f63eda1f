from datetime import date, datetime
from zoneinfo import ZoneInfo

from backend.catalog.calendar import WorkCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def cal(*holidays: date) -> WorkCalendar:
    return WorkCalendar.build(holidays, [["07:30", "11:30"], ["13:30", "17:00"]], "Asia/Ho_Chi_Minh")


def test_three_working_days_from_friday_skip_the_weekend() -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    assert cal().add(friday, 3, "working_days") == datetime(2026, 11, 25, 10, 0, tzinfo=TZ)


def test_working_days_skip_a_public_holiday() -> None:
    # Thursday 30/4 and Friday 1/5/2026 are holidays: from Wednesday 29/4 10:00, 2 working days
    start = datetime(2026, 4, 29, 10, 0, tzinfo=TZ)
    due = cal(date(2026, 4, 30), date(2026, 5, 1)).add(start, 2, "working_days")
    assert due == datetime(2026, 5, 5, 10, 0, tzinfo=TZ)


def test_report_arriving_on_saturday_starts_counting_monday_morning() -> None:
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=TZ)
    assert cal().add(saturday, 1, "working_days") == datetime(2026, 11, 23, 17, 0, tzinfo=TZ)


def test_working_hours_skip_lunch_break() -> None:
    start = datetime(2026, 11, 24, 10, 30, tzinfo=TZ)
    assert cal().add(start, 4, "working_hours") == datetime(2026, 11, 24, 16, 30, tzinfo=TZ)


def test_working_hours_after_closing_roll_to_next_working_day() -> None:
    evening = datetime(2026, 11, 27, 20, 0, tzinfo=TZ)  # Friday evening
    assert cal().add(evening, 2, "working_hours") == datetime(2026, 11, 30, 9, 30, tzinfo=TZ)


def test_calendar_units_ignore_weekends() -> None:
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    assert cal().add(friday, 2, "days") == datetime(2026, 11, 22, 10, 0, tzinfo=TZ)
    assert cal().add(friday, 5, "hours") == datetime(2026, 11, 20, 15, 0, tzinfo=TZ)
