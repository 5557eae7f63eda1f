"""Daily per-agency statistics (rollup) and the portal's agency scorecards read from them."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency
from backend.core.config import get_settings
from backend.dashboard.models import AgencyDailyStats, ReportDailyStats
from backend.reports.models import Rating, Report, ReportEvent


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def local_day(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


def local_time(moment: datetime) -> str:
    return moment.astimezone(_zone()).strftime("%H:%M")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=_zone()).astimezone(UTC)
    return start, start + timedelta(days=1)


async def rollup_day(*, session: AsyncSession, day: date) -> int:
    """Recompute one local day for every agency (delete + insert: idempotent). Returns rows written."""
    start, end = day_bounds(day)
    rows: dict[int, dict[str, Any]] = defaultdict(lambda: {"received": 0, "resolved": 0, "resolved_on_time": 0,
                                                           "hours": [], "ratings": 0, "rating_sum": 0,
                                                           "reopened": 0})
    received = await session.execute(
        select(Report.agency_id, func.count(Report.id))
        .where(Report.created_at >= start, Report.created_at < end, Report.agency_id.is_not(None))
        .group_by(Report.agency_id))
    for agency_id, n in received:
        rows[agency_id]["received"] = n
    resolved = await session.execute(
        select(Report.agency_id, Report.created_at, Report.resolved_at, Report.due_at)
        .where(Report.resolved_at >= start, Report.resolved_at < end, Report.agency_id.is_not(None)))
    for agency_id, created_at, resolved_at, due_at in resolved:
        row = rows[agency_id]
        row["resolved"] += 1
        row["resolved_on_time"] += int(due_at is None or resolved_at <= due_at)
        row["hours"].append((resolved_at - created_at).total_seconds() / 3600)
    ratings = await session.execute(
        select(Report.agency_id, func.count(Rating.id), func.coalesce(func.sum(Rating.stars), 0))
        .join(Report, Report.id == Rating.report_id)
        .where(Rating.created_at >= start, Rating.created_at < end, Report.agency_id.is_not(None))
        .group_by(Report.agency_id))
    for agency_id, n, total in ratings:
        rows[agency_id]["ratings"], rows[agency_id]["rating_sum"] = n, int(total)
    reopened = await session.execute(
        select(Report.agency_id, func.count(ReportEvent.id))
        .join(Report, Report.id == ReportEvent.report_id)
        .where(ReportEvent.action == "reopen", ReportEvent.at >= start, ReportEvent.at < end,
               Report.agency_id.is_not(None))
        .group_by(Report.agency_id))
    for agency_id, n in reopened:
        rows[agency_id]["reopened"] = n

    await session.execute(delete(AgencyDailyStats).where(AgencyDailyStats.day == day))
    for agency_id, row in rows.items():
        hours = row.pop("hours")
        session.add(AgencyDailyStats(day=day, agency_id=agency_id,
                                     median_resolve_hours=statistics.median(hours) if hours else None, **row))
    await session.flush()
    await rollup_detail_day(session=session, day=day)
    return len(rows)


_Key = tuple[int | None, int, int | None]
_DETAIL_FIELDS = ("received", "resolved", "resolved_on_time", "ratings", "rating_sum", "reopened")


async def rollup_detail_day(*, session: AsyncSession, day: date) -> int:
    """Recompute one local day per agency × category × ward (delete + insert: idempotent)."""
    start, end = day_bounds(day)
    rows: dict[_Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_DETAIL_FIELDS, 0))
    keys = (Report.agency_id, Report.category_id, Report.area_id)
    for agency_id, category_id, area_id, n in await session.execute(
        select(*keys, func.count(Report.id))
        .where(Report.created_at >= start, Report.created_at < end).group_by(*keys)):
        rows[(agency_id, category_id, area_id)]["received"] = n
    on_time = case((or_(Report.due_at.is_(None), Report.resolved_at <= Report.due_at), 1), else_=0)
    for agency_id, category_id, area_id, n, good in await session.execute(
        select(*keys, func.count(Report.id), func.coalesce(func.sum(on_time), 0))
        .where(Report.resolved_at >= start, Report.resolved_at < end).group_by(*keys)):
        rows[(agency_id, category_id, area_id)].update(resolved=n, resolved_on_time=int(good))
    for agency_id, category_id, area_id, n, total in await session.execute(
        select(*keys, func.count(Rating.id), func.coalesce(func.sum(Rating.stars), 0))
        .join(Report, Report.id == Rating.report_id)
        .where(Rating.created_at >= start, Rating.created_at < end).group_by(*keys)):
        rows[(agency_id, category_id, area_id)].update(ratings=n, rating_sum=int(total))
    for agency_id, category_id, area_id, n in await session.execute(
        select(*keys, func.count(ReportEvent.id))
        .join(Report, Report.id == ReportEvent.report_id)
        .where(ReportEvent.action == "reopen", ReportEvent.at >= start, ReportEvent.at < end).group_by(*keys)):
        rows[(agency_id, category_id, area_id)]["reopened"] = n
    await session.execute(delete(ReportDailyStats).where(ReportDailyStats.day == day))
    session.add_all(ReportDailyStats(day=day, agency_id=a, category_id=c, area_id=w, **row)
                    for (a, c, w), row in rows.items())
    await session.flush()
    return len(rows)


async def first_report_day(*, session: AsyncSession) -> date | None:
    first = await session.scalar(select(func.min(Report.created_at)))
    if first is None:
        return None
    if first.tzinfo is None:  # SQLite aggregate results skip the column type
        first = first.replace(tzinfo=UTC)
    return local_day(first)


async def last_rolled_day(*, session: AsyncSession) -> date | None:
    """The day both rollups have reached (None while the detailed one is empty: it starts over)."""
    agency_day = await session.scalar(select(func.max(AgencyDailyStats.day)))
    detail_day = await session.scalar(select(func.max(ReportDailyStats.day)))
    if agency_day is None or detail_day is None:
        return None
    return min(agency_day, detail_day)


@dataclass
class Scorecard:
    agency_code: str
    agency_name: str
    received: int
    resolved: int
    on_time_pct: float | None
    median_hours: float | None
    avg_rating: float | None
    ratings: int
    reopen_pct: float | None


def _weighted_median(pairs: list[tuple[float, int]]) -> float | None:
    """Median over days, each day's median weighted by its resolved count (an approximation of
    the median over reports that needs no per-report data)."""
    pairs = sorted((m, w) for m, w in pairs if w > 0)
    total = sum(w for _, w in pairs)
    if not total:
        return None
    seen = 0
    for value, weight in pairs:
        seen += weight
        if seen * 2 >= total:
            return value
    return pairs[-1][0]


async def scorecards(*, session: AsyncSession, today: date, days: int = 90) -> list[Scorecard]:
    since = today - timedelta(days=days)
    sums = await session.execute(
        select(AgencyDailyStats.agency_id, func.sum(AgencyDailyStats.received), func.sum(AgencyDailyStats.resolved),
               func.sum(AgencyDailyStats.resolved_on_time), func.sum(AgencyDailyStats.ratings),
               func.sum(AgencyDailyStats.rating_sum), func.sum(AgencyDailyStats.reopened))
        .where(AgencyDailyStats.day >= since).group_by(AgencyDailyStats.agency_id))
    medians: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for agency_id, median, weight in await session.execute(
        select(AgencyDailyStats.agency_id, AgencyDailyStats.median_resolve_hours, AgencyDailyStats.resolved)
        .where(AgencyDailyStats.day >= since, AgencyDailyStats.median_resolve_hours.is_not(None))
    ):
        medians[agency_id].append((median, weight))
    agencies = {a.id: a for a in (await session.scalars(select(Agency))).all()}
    cards = []
    for agency_id, received, resolved, on_time, ratings, rating_sum, reopened in sums:
        agency = agencies.get(agency_id)
        if agency is None or not (received or resolved):
            continue
        cards.append(Scorecard(
            agency_code=agency.code, agency_name=agency.name, received=int(received or 0),
            resolved=int(resolved or 0),
            on_time_pct=round(100 * on_time / resolved, 1) if resolved else None,
            median_hours=_weighted_median(medians.get(agency_id, [])),
            avg_rating=round(rating_sum / ratings, 2) if ratings else None, ratings=int(ratings or 0),
            reopen_pct=round(100 * reopened / resolved, 1) if resolved else None,
        ))
    return sorted(cards, key=lambda c: (-c.received, c.agency_name))
