"""The operations screen's charts (from the `report_daily_stats` rollup; the map is map.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, literal, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.catalog.models import Agency, Area, Category
from backend.core.db import utcnow
from backend.dashboard import cache, modules
from backend.dashboard.models import ReportDailyStats as S
from backend.dashboard.service import local_day
from backend.dashboard.summary import Scope, stats_query

CACHE_SECONDS = 60.0  # capped by DASHBOARD_CACHE_SECONDS; a new report or a rollup run refreshes at once


def _today() -> date:
    return local_day(utcnow())


DAYS = 90  # received/resolved per day, by category, by ward
AGENCY_DAYS = 30  # on-time share per agency
WEEKS = 26  # satisfaction trend


def _first_week(today: date, weeks: int) -> date:
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


async def _per_day(session: AsyncSession, scope: Scope, first: date) -> dict[date, tuple[int, int, int, int]]:
    """received, resolved, ratings, rating sum per local day since `first` (one scan of the rollup)."""
    rows = await session.execute(
        stats_query(scope, S.day, func.sum(S.received), func.sum(S.resolved), func.sum(S.ratings),
                    func.sum(S.rating_sum)).where(S.day >= first).group_by(S.day))
    return {d: (int(r), int(v), int(n), int(t)) for d, r, v, n, t in rows}


def _daily(per_day: dict[date, tuple[int, int, int, int]], today: date, days: int) -> list[dict[str, Any]]:
    first = today - timedelta(days=days - 1)
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        received, resolved, _n, _t = per_day.get(day, (0, 0, 0, 0))
        out.append({"day": day.isoformat(), "received": received, "resolved": resolved})
    return out


def _weekly(per_day: dict[date, tuple[int, int, int, int]], today: date, weeks: int) -> list[dict[str, Any]]:
    first = _first_week(today, weeks)
    sums: dict[date, list[int]] = {first + timedelta(weeks=i): [0, 0] for i in range(weeks)}
    for day, (_r, _v, n, stars) in per_day.items():
        week = day - timedelta(days=day.weekday())
        if week in sums:
            sums[week][0] += n
            sums[week][1] += stars
    return [{"week": w.isoformat(), "ratings": n, "satisfaction": round(t / n, 2) if n else None}
            for w, (n, t) in sorted(sums.items())]


_KEYS = {"category": S.category_id, "area": S.area_id, "agency": S.agency_id}


async def _per_key(session: AsyncSession, scope: Scope, today: date, days: int,
                   agency_days: int) -> dict[str, dict[int | None, tuple[int, ...]]]:
    """Per category, per ward (`days` days) and per agency (`agency_days` days) in one round trip:
    received, resolved, resolved on time, ratings, rating sum. PostgreSQL groups the window once
    (GROUPING SETS); SQLite gets the three groupings in a UNION ALL."""
    first, recent = today - timedelta(days=days - 1), today - timedelta(days=agency_days - 1)

    def recent_sum(column: Any) -> Any:
        return func.sum(case((S.day >= recent, column), else_=0))

    sums = (func.sum(S.received), func.sum(S.resolved), recent_sum(S.resolved), recent_sum(S.resolved_on_time),
            recent_sum(S.ratings), recent_sum(S.rating_sum))
    out: dict[str, dict[int | None, tuple[int, ...]]] = {name: {} for name in _KEYS}
    if session.bind.dialect.name == "postgresql":
        which = func.grouping(S.category_id, S.area_id, S.agency_id)  # 3 = category, 5 = area, 6 = agency
        names = {3: "category", 5: "area", 6: "agency"}
        rows = await session.execute(
            stats_query(scope, which, S.category_id, S.area_id, S.agency_id, *sums).where(S.day >= first)
            .group_by(func.grouping_sets(tuple_(S.category_id), tuple_(S.area_id), tuple_(S.agency_id))))
        for grouping, category_id, area_id, agency_id, *values in rows:
            name = names[int(grouping)]
            key = {"category": category_id, "area": area_id, "agency": agency_id}[name]
            out[name][key] = tuple(int(v or 0) for v in values)
        return out
    parts = [stats_query(scope, literal(name), column.label("key"), *sums).where(S.day >= first).group_by(column)
             for name, column in _KEYS.items()]
    for name, key, *values in await session.execute(union_all(*parts)):
        out[str(name)][key] = tuple(int(v or 0) for v in values)
    return out


def _names(ref: Any, model: type, key: int | None) -> tuple[str, str] | None:
    row = ref.rows.get((model, key)) if key is not None else None
    return None if row is None else (str(row["code"]), str(row["name"]))


def _received_rows(ref: Any, model: type, sums: dict[int | None, tuple[int, ...]]) -> list[dict[str, Any]]:
    out = []
    for key, (received, resolved, *_rest) in sums.items():
        named = _names(ref, model, key)
        if named is not None:
            out.append({"code": named[0], "name": named[1], "received": received, "resolved": resolved})
    return sorted(out, key=lambda r: (-r["received"], r["name"]))


def _on_time_rows(ref: Any, sums: dict[int | None, tuple[int, ...]]) -> list[dict[str, Any]]:
    out = []
    for key, (_received, _resolved, resolved, on_time, ratings, stars) in sums.items():
        named = _names(ref, Agency, key)
        if named is None or not resolved:
            continue
        out.append({"code": named[0], "name": named[1], "resolved": resolved, "on_time": on_time,
                    "on_time_pct": round(100 * on_time / resolved, 1),
                    "satisfaction": round(stars / ratings, 2) if ratings else None})
    return sorted(out, key=lambda r: (r["on_time_pct"], -r["resolved"]))


async def _compute(session: AsyncSession, scope: Scope, today: date, *, days: int = DAYS,
                   agency_days: int = AGENCY_DAYS, weeks: int = WEEKS, top_wards: int = 15) -> dict[str, Any]:
    """Every rollup chart from two queries: per day (the longer of the two day windows) and per key."""
    ref = await catalog_service.reference(session=session)
    per_day = await _per_day(session, scope, min(today - timedelta(days=days - 1), _first_week(today, weeks)))
    per_key = await _per_key(session, scope, today, days, agency_days)
    return {
        "daily": _daily(per_day, today, days),
        "by_category": _received_rows(ref, Category, per_key["category"]),
        "by_ward": _received_rows(ref, Area, per_key["area"])[:top_wards],
        "on_time_by_agency": _on_time_rows(ref, per_key["agency"]),
        "satisfaction": _weekly(per_day, today, weeks),
    }


async def daily(*, session: AsyncSession, scope: Scope, days: int = DAYS) -> list[dict[str, Any]]:
    """Received and resolved per local day, the last `days` days, days without any as zeros."""
    today = _today()
    return _daily(await _per_day(session, scope, today - timedelta(days=days - 1)), today, days)


async def by_category(*, session: AsyncSession, scope: Scope, days: int = DAYS) -> list[dict[str, Any]]:
    ref = await catalog_service.reference(session=session)
    return _received_rows(ref, Category, (await _per_key(session, scope, _today(), days, days))["category"])


async def by_ward(*, session: AsyncSession, scope: Scope, days: int = DAYS, top: int = 15) -> list[dict[str, Any]]:
    ref = await catalog_service.reference(session=session)
    return _received_rows(ref, Area, (await _per_key(session, scope, _today(), days, days))["area"])[:top]


async def on_time_by_agency(*, session: AsyncSession, scope: Scope, days: int = AGENCY_DAYS) -> list[dict[str, Any]]:
    ref = await catalog_service.reference(session=session)
    return _on_time_rows(ref, (await _per_key(session, scope, _today(), days, days))["agency"])


async def satisfaction_trend(*, session: AsyncSession, scope: Scope, weeks: int = WEEKS) -> list[dict[str, Any]]:
    """Average stars per week (weeks starting Monday), the last `weeks` weeks."""
    today = _today()
    return _weekly(await _per_day(session, scope, _first_week(today, weeks)), today, weeks)


async def rollup_charts(*, session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """The charts read from `report_daily_stats` (reused while no rollup ran: cache.py)."""
    today = _today()

    async def compute() -> dict[str, Any]:
        return await _compute(session, scope, today)

    return dict(await cache.cached(session, ("charts", scope.agency_id, today), CACHE_SECONDS, compute))


async def charts(*, session: AsyncSession, scope: Scope) -> dict[str, Any]:
    return {
        **await rollup_charts(session=session, scope=scope),
        "traffic": await modules.traffic_today(session=session),
        "indicators": await modules.indicators_vs_target(session=session),
    }
