"""The operations screen's charts (from the `report_daily_stats` rollup; the map is map.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency, Area, Category
from backend.core.db import utcnow
from backend.dashboard import cache, modules
from backend.dashboard.models import ReportDailyStats as S
from backend.dashboard.service import local_day
from backend.dashboard.summary import Scope, stats_query

CACHE_SECONDS = 60.0  # capped by DASHBOARD_CACHE_SECONDS; a new report or a rollup run refreshes at once


def _today() -> date:
    return local_day(utcnow())


async def daily(*, session: AsyncSession, scope: Scope, days: int = 90) -> list[dict[str, Any]]:
    """Received and resolved per local day, the last `days` days, days without any as zeros."""
    first = _today() - timedelta(days=days - 1)
    rows = {d: (int(r), int(v)) for d, r, v in await session.execute(
        stats_query(scope, S.day, func.sum(S.received), func.sum(S.resolved)).where(S.day >= first).group_by(S.day))}
    return [{"day": (first + timedelta(days=i)).isoformat(),
             "received": rows.get(first + timedelta(days=i), (0, 0))[0],
             "resolved": rows.get(first + timedelta(days=i), (0, 0))[1]} for i in range(days)]


async def by_category(*, session: AsyncSession, scope: Scope, days: int = 90) -> list[dict[str, Any]]:
    first = _today() - timedelta(days=days - 1)
    rows = await session.execute(
        stats_query(scope, Category.code, Category.name, func.sum(S.received), func.sum(S.resolved))
        .join(Category, Category.id == S.category_id).where(S.day >= first)
        .group_by(Category.code, Category.name))
    return sorted(({"code": c, "name": n, "received": int(r), "resolved": int(v)} for c, n, r, v in rows),
                  key=lambda r: -r["received"])


async def by_ward(*, session: AsyncSession, scope: Scope, days: int = 90, top: int = 15) -> list[dict[str, Any]]:
    first = _today() - timedelta(days=days - 1)
    rows = await session.execute(
        stats_query(scope, Area.code, Area.name, func.sum(S.received), func.sum(S.resolved))
        .join(Area, Area.id == S.area_id).where(S.day >= first).group_by(Area.code, Area.name))
    ranked = sorted(({"code": c, "name": n, "received": int(r), "resolved": int(v)} for c, n, r, v in rows),
                    key=lambda r: -r["received"])
    return ranked[:top]


async def on_time_by_agency(*, session: AsyncSession, scope: Scope, days: int = 30) -> list[dict[str, Any]]:
    first = _today() - timedelta(days=days - 1)
    rows = await session.execute(
        stats_query(scope, Agency.code, Agency.name, func.sum(S.resolved), func.sum(S.resolved_on_time),
               func.sum(S.ratings), func.sum(S.rating_sum))
        .join(Agency, Agency.id == S.agency_id).where(S.day >= first).group_by(Agency.code, Agency.name))
    out = []
    for code, name, resolved, on_time, ratings, stars in rows:
        if not resolved:
            continue
        out.append({"code": code, "name": name, "resolved": int(resolved), "on_time": int(on_time),
                    "on_time_pct": round(100 * int(on_time) / int(resolved), 1),
                    "satisfaction": round(int(stars) / int(ratings), 2) if ratings else None})
    return sorted(out, key=lambda r: (r["on_time_pct"], -r["resolved"]))


async def satisfaction_trend(*, session: AsyncSession, scope: Scope, weeks: int = 26) -> list[dict[str, Any]]:
    """Average stars per week (weeks starting Monday), the last `weeks` weeks."""
    today = _today()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    sums: dict[date, list[int]] = {first + timedelta(weeks=i): [0, 0] for i in range(weeks)}
    for day, n, stars in await session.execute(
        stats_query(scope, S.day, func.sum(S.ratings), func.sum(S.rating_sum)).where(S.day >= first).group_by(S.day)):
        week = day - timedelta(days=day.weekday())
        if week in sums:
            sums[week][0] += int(n)
            sums[week][1] += int(stars)
    return [{"week": w.isoformat(), "ratings": n, "satisfaction": round(s / n, 2) if n else None}
            for w, (n, s) in sorted(sums.items())]


async def rollup_charts(*, session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """The charts read from `report_daily_stats` (reused while no rollup ran: cache.py)."""
    async def compute() -> dict[str, Any]:
        return {
            "daily": await daily(session=session, scope=scope),
            "by_category": await by_category(session=session, scope=scope),
            "by_ward": await by_ward(session=session, scope=scope),
            "on_time_by_agency": await on_time_by_agency(session=session, scope=scope),
            "satisfaction": await satisfaction_trend(session=session, scope=scope),
        }

    return dict(await cache.cached(session, ("charts", scope.agency_id, _today()), CACHE_SECONDS, compute))


async def charts(*, session: AsyncSession, scope: Scope) -> dict[str, Any]:
    return {
        **await rollup_charts(session=session, scope=scope),
        "traffic": await modules.traffic_today(session=session),
        "indicators": await modules.indicators_vs_target(session=session),
    }
