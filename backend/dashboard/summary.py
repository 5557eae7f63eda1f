"""The operations screen's figures: who sees what (scope), the summary tiles and the charts.

Live counts (open, overdue, received today, resolved this week) are indexed queries on the
reports table; everything over days (30-day on-time share and satisfaction, the charts) reads
the `report_daily_stats` rollup, never a scan of all reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, TextClause, case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency
from backend.core.db import utcnow
from backend.core.errors import PermissionDenied
from backend.dashboard.models import ReportDailyStats
from backend.dashboard.service import day_bounds, local_day
from backend.reports.models import OPEN_SQL, Report
from backend.staff.models import Role, User

SCREEN_ROLES = (Role.admin, Role.supervisor, Role.officer)


@dataclass(frozen=True)
class Scope:
    """What one viewer may see: everything (agency_id None) or one agency's work."""

    agency_id: int | None = None
    agency_code: str | None = None
    agency_name: str | None = None

    @property
    def everything(self) -> bool:
        return self.agency_id is None


def scope_for(user: User) -> Scope:
    """Supervisors and admins see everything; an officer only their agency; nobody else."""
    if user.role in (Role.admin, Role.supervisor):
        return Scope()
    if user.role == Role.officer and user.agency_id is not None:
        return Scope(user.agency_id, user.agency.code if user.agency else None,
                     user.agency.name if user.agency else None)
    raise PermissionDenied("Chỉ giám sát viên, quản trị viên và cán bộ xử lý được xem màn hình điều hành")


def reports_query(scope: Scope, *columns: Any) -> Select[Any]:
    query = select(*columns).select_from(Report)
    if not scope.everything:
        query = query.where(Report.agency_id == scope.agency_id)
    return query


def stats_query(scope: Scope, *columns: Any) -> Select[Any]:
    query = select(*columns)
    if not scope.everything:
        query = query.where(ReportDailyStats.agency_id == scope.agency_id)
    return query


def open_clause() -> TextClause:
    """Open reports, spelled as the partial indexes' predicate (literal values: a prepared
    statement's generic plan still matches ix_reports_open_cover)."""
    return text(f"reports.{OPEN_SQL}")


def _overdue(now: datetime) -> Any:
    """1 for an open report past its deadline (summed next to the open count: one index scan)."""
    return case((Report.due_at < now, 1), else_=0)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _avg(total: int, n: int) -> float | None:
    return round(total / n, 2) if n else None


def _delta(now: float | None, before: float | None, digits: int = 1) -> float | None:
    return round(now - before, digits) if now is not None and before is not None else None


async def _windows(session: AsyncSession, scope: Scope, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sums of the rollup over the last 30 local days and the 30 before them (one query)."""
    S = ReportDailyStats
    split = today - timedelta(days=29)

    def both(column: Any) -> tuple[Any, Any]:
        return (func.coalesce(func.sum(case((S.day >= split, column), else_=0)), 0),
                func.coalesce(func.sum(case((S.day < split, column), else_=0)), 0))

    row = (await session.execute(stats_query(
        scope, *both(S.received), *both(S.resolved), *both(S.resolved_on_time), *both(S.ratings), *both(S.rating_sum),
    ).where(S.day >= today - timedelta(days=59), S.day <= today))).one()
    out = []
    for i in (0, 1):
        received, resolved, on_time, ratings, rating_sum = (int(row[2 * k + i]) for k in range(5))
        out.append({"received": received, "resolved": resolved, "on_time_pct": _pct(on_time, resolved),
                    "satisfaction": _avg(rating_sum, ratings), "ratings": ratings})
    return out[0], out[1]


@dataclass(frozen=True)
class OpenBreakdown:
    """The open reports counted once (one index-only scan of ix_reports_open_cover), by agency and channel."""

    rows: list[tuple[int | None, str, int, int]]  # agency_id, channel, open, overdue

    @property
    def open(self) -> int:
        return sum(r[2] for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(r[3] for r in self.rows)


async def open_breakdown(*, session: AsyncSession, scope: Scope, now: datetime | None = None) -> OpenBreakdown:
    now = now or utcnow()
    rows = await session.execute(
        reports_query(scope, Report.agency_id, Report.channel, func.count(), func.coalesce(func.sum(_overdue(now)), 0))
        .where(open_clause()).group_by(Report.agency_id, Report.channel))
    return OpenBreakdown([(agency_id, str(channel), int(n), int(late)) for agency_id, channel, n, late in rows])


async def report_figures(*, session: AsyncSession, scope: Scope, now: datetime | None = None,
                         breakdown: OpenBreakdown | None = None) -> dict[str, Any]:
    """The reports block of the summary, with the change against the previous 30 days."""
    now = now or utcnow()
    today = local_day(now)
    today_start, _ = day_bounds(today)
    week_start, _ = day_bounds(today - timedelta(days=today.weekday()))
    if breakdown is None:
        open_n, overdue = (await session.execute(
            reports_query(scope, func.count(), func.coalesce(func.sum(_overdue(now)), 0)).where(open_clause()))).one()
    else:
        open_n, overdue = breakdown.open, breakdown.overdue
    received_today = await session.scalar(reports_query(scope, func.count()).where(
        Report.created_at >= today_start)) or 0
    resolved_week = await session.scalar(reports_query(scope, func.count()).where(
        Report.resolved_at >= week_start)) or 0
    last30, prev30 = await _windows(session, scope, today)
    return {
        "open": int(open_n), "overdue": int(overdue), "received_today": received_today, "resolved_week": resolved_week,
        "on_time_pct_30d": last30["on_time_pct"], "satisfaction_30d": last30["satisfaction"],
        "received_30d": last30["received"], "resolved_30d": last30["resolved"],
        "change_30d": {
            "on_time_pct": _delta(last30["on_time_pct"], prev30["on_time_pct"]),
            "satisfaction": _delta(last30["satisfaction"], prev30["satisfaction"], 2),
            "received_pct": (_delta(100 * last30["received"] / prev30["received"], 100.0)
                             if prev30["received"] else None),
            "previous": {"on_time_pct": prev30["on_time_pct"], "satisfaction": prev30["satisfaction"],
                         "received": prev30["received"]},
        },
    }


async def open_by_agency(*, session: AsyncSession, scope: Scope, now: datetime | None = None,
                         breakdown: OpenBreakdown | None = None) -> list[dict[str, Any]]:
    """Open and overdue reports per agency (unassigned reports under agency null)."""
    breakdown = breakdown or await open_breakdown(session=session, scope=scope, now=now)
    rows: dict[int | None, dict[str, Any]] = {}
    for agency_id, _channel, n, late in breakdown.rows:
        row = rows.setdefault(agency_id, {"open": 0, "overdue": 0})
        row["open"] += n
        row["overdue"] += late
    agencies = {a.id: a for a in (await session.scalars(
        select(Agency).where(Agency.id.in_([k for k in rows if k is not None])))).all()}
    out = []
    for agency_id, row in rows.items():
        agency = agencies.get(agency_id) if agency_id is not None else None
        out.append({"agency": {"code": agency.code, "name": agency.name} if agency else None, **row})
    return sorted(out, key=lambda r: (-r["open"], r["agency"]["name"] if r["agency"] else ""))


async def open_by_channel(*, session: AsyncSession, scope: Scope,
                          breakdown: OpenBreakdown | None = None) -> list[dict[str, Any]]:
    """Open reports per source channel (Zalo, Telegram, hotline, portal, camera, …)."""
    breakdown = breakdown or await open_breakdown(session=session, scope=scope)
    counts: dict[str, int] = {}
    for _agency_id, channel, n, _late in breakdown.rows:
        counts[channel] = counts.get(channel, 0) + n
    return sorted(({"channel": c, "open": n} for c, n in counts.items()), key=lambda r: (-r["open"], r["channel"]))
