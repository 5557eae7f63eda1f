"""Maintenance windows: is this instant inside one? One-off windows (UTC instants) and recurring
ones (local times on weekdays and/or on the public holidays of the catalog's calendar)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from backend.catalog.calendar import WorkCalendar
from backend.core.errors import ValidationFailed
from backend.monitoring.sites.models import Site, SiteMaintenance


def _clock(value: str | None, what: str) -> time:
    try:
        return time.fromisoformat(value or "")
    except ValueError:
        raise ValidationFailed(f"Giờ {what} không hợp lệ «{value}»: dùng dạng 22:00", field=what) from None


def validate(window: SiteMaintenance) -> None:
    one_off = window.starts_at is not None or window.ends_at is not None
    recurring = window.start_time is not None or window.end_time is not None
    if one_off == recurring:
        raise ValidationFailed("Khung bảo trì cần hoặc thời điểm bắt đầu/kết thúc, hoặc giờ lặp lại hằng tuần")
    if one_off:
        if window.starts_at is None or window.ends_at is None or window.ends_at <= window.starts_at:
            raise ValidationFailed("Khung bảo trì: thời điểm kết thúc phải sau thời điểm bắt đầu")
        return
    _clock(window.start_time, "start_time")
    _clock(window.end_time, "end_time")
    if not window.weekdays and not window.on_holidays:
        raise ValidationFailed("Khung bảo trì lặp lại cần ít nhất một thứ trong tuần hoặc ngày nghỉ lễ")
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in window.weekdays):
        raise ValidationFailed("Thứ trong tuần là số 0 (thứ Hai) đến 6 (Chủ nhật)")


def applies_to(window: SiteMaintenance, site: Site) -> bool:
    if not window.active:
        return False
    if window.site_id is not None:
        return window.site_id == site.id
    if window.agency_id is not None:
        return window.agency_id == site.agency_id
    return True  # every site


def active_at(window: SiteMaintenance, now: datetime, calendar: WorkCalendar) -> bool:
    if window.starts_at is not None and window.ends_at is not None:
        return window.starts_at <= now < window.ends_at
    begin, end = _clock(window.start_time, "start_time"), _clock(window.end_time, "end_time")
    local = now.astimezone(calendar.tz)
    # a window that crosses midnight belongs to the day it starts on
    for day in (local.date(), local.date() - timedelta(days=1)):
        if not (day.weekday() in window.weekdays or (window.on_holidays and day in calendar.holidays)):
            continue
        start = datetime.combine(day, begin, calendar.tz)
        stop = datetime.combine(day if end > begin else day + timedelta(days=1), end, calendar.tz)
        if start <= local < stop:
            return True
    return False


def in_maintenance(site: Site, windows: Iterable[SiteMaintenance], now: datetime, calendar: WorkCalendar) -> bool:
    return any(applies_to(w, site) and active_at(w, now, calendar) for w in windows)
