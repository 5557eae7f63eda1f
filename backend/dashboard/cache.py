"""A few seconds of memory for what the video walls poll (the summary, charts, map, SLA view).

Each entry is kept for its time to live AND only while the data it was computed from is
unchanged: the version is the newest report, timeline event and rollup row (three primary-key
look-ups in one round trip); a new report, any status change (each writes a timeline event) or
a rollup run makes the next request compute afresh. One computation per key at a time: screens
asking together wait for the same result instead of each running the queries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.dashboard.models import ReportDailyStats
from backend.reports.models import Report, ReportEvent

_entries: dict[tuple[Any, ...], tuple[float, tuple[int, int, int], Any]] = {}
_locks: dict[tuple[Any, ...], asyncio.Lock] = {}
# The report list's count of the closed days (reports.queries.count_all), per database and rollup state.
rolled_totals: dict[tuple[Any, ...], int] = {}


def clear() -> None:
    """Forget everything (tests empty the tables between cases)."""
    _entries.clear()
    _locks.clear()
    rolled_totals.clear()


async def version(session: AsyncSession) -> tuple[int, int, int]:
    row = (await session.execute(select(
        select(func.max(Report.id)).scalar_subquery(), select(func.max(ReportEvent.id)).scalar_subquery(),
        select(func.max(ReportDailyStats.id)).scalar_subquery()))).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def cached(session: AsyncSession, key: tuple[Any, ...], ttl: float,
                 compute: Callable[[], Awaitable[Any]]) -> Any:
    """`compute()`'s result for `key`, reused for `ttl` seconds (at most DASHBOARD_CACHE_SECONDS)
    while the version holds."""
    settings = get_settings()
    ttl = min(ttl, settings.dashboard_cache_seconds)
    if ttl <= 0:
        return await compute()
    full = (settings.database_url, *key)
    current = await version(session)
    hit = _entries.get(full)
    if hit is not None and hit[1] == current and time.monotonic() - hit[0] < ttl:
        return hit[2]
    lock = _locks.setdefault(full, asyncio.Lock())
    async with lock:
        hit = _entries.get(full)
        if hit is not None and hit[1] == current and time.monotonic() - hit[0] < ttl:
            return hit[2]  # computed meanwhile by another request
        value = await compute()
        _entries[full] = (time.monotonic(), current, value)
        return value
