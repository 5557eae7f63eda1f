"""The number of every report, for the report list's unfiltered total at a province's scale: the
days the rollup has closed (`report_daily_stats.received`: every report counted once, on its
local day of creation; a day is closed once a later day is rolled) plus the reports created since
(the created_at index). Before the first rollup: a plain count. Registered as the reports'
total counter by backend/main.py (`reports.queries.count_all_with`).

Caveat: reports imported later with an old `created_at` are counted once the rollup redoes their days."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.dashboard import cache
from backend.dashboard.models import ReportDailyStats
from backend.dashboard.service import day_bounds
from backend.reports.models import Report


async def count_all(session: AsyncSession) -> int:
    last, newest = (await session.execute(select(func.max(ReportDailyStats.day), func.max(ReportDailyStats.id)))).one()
    if last is None:
        return await session.scalar(select(func.count()).select_from(Report)) or 0
    key = (get_settings().database_url, last, newest)  # a rollup run rewrites its days: new ids
    rolled = cache.rolled_totals.get(key)
    if rolled is None:
        rolled = int(await session.scalar(select(func.coalesce(func.sum(ReportDailyStats.received), 0))
                                          .where(ReportDailyStats.day < last)) or 0)
        cache.rolled_totals.clear()
        cache.rolled_totals[key] = rolled
    since = await session.scalar(select(func.count()).select_from(Report)
                                 .where(Report.created_at >= day_bounds(last)[0])) or 0
    return int(rolled) + int(since)
