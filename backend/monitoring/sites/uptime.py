"""Uptime from the daily rollups (counters added at each check, never recomputed from the raw
results, which are pruned), per site and per agency, and the monthly report per agency."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency
from backend.core.config import get_settings
from backend.core.db import dialect_insert
from backend.core.errors import ValidationFailed
from backend.monitoring.sites import texts
from backend.monitoring.sites.models import Site, SiteDaily, SiteIncident

WINDOWS = (7, 30, 90)


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date()


async def add_checks(*, session: AsyncSession, checks: list[tuple[int, datetime, bool, bool, int | None]]) -> None:
    """Add checks (site id, time, ok, in maintenance, response ms) to their sites' days: one
    upsert executed for every site and day, the checks of one site and day summed first."""
    days: dict[tuple[int, date], dict[str, int]] = {}
    for site_id, at, ok, maintenance, response_ms in checks:
        row = days.setdefault((site_id, local_day(at)), {"checks": 0, "ok": 0, "maintenance": 0,
                                                         "response_ms_sum": 0, "response_ms_max": 0})
        ms = (response_ms or 0) if ok else 0
        row["checks"] += 1
        row["ok"] += int(ok and not maintenance)
        row["maintenance"] += int(maintenance)
        row["response_ms_sum"] += ms
        row["response_ms_max"] = max(row["response_ms_max"], ms)
    if not days:
        return
    table = SiteDaily.__table__
    stmt = dialect_insert(session.bind.dialect.name, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["site_id", "day"],
        set_={"checks": table.c.checks + stmt.excluded.checks, "ok": table.c.ok + stmt.excluded.ok,
              "maintenance": table.c.maintenance + stmt.excluded.maintenance,
              "response_ms_sum": table.c.response_ms_sum + stmt.excluded.response_ms_sum,
              "response_ms_max": case((stmt.excluded.response_ms_max > table.c.response_ms_max,
                                       stmt.excluded.response_ms_max), else_=table.c.response_ms_max)})
    # one statement compiled once (cached), executed for every row (a multi-row VALUES would be
    # compiled again for each number of rows: tens of milliseconds under the write lock)
    await session.execute(stmt, [{"site_id": site_id, "day": day, **row} for (site_id, day), row in days.items()])


def _pct(ok: int | None, counted: int | None) -> float | None:
    return round(100.0 * (ok or 0) / counted, 3) if counted else None


async def site_uptimes(*, session: AsyncSession, today: date, site_ids: Sequence[int] | None = None
                       ) -> dict[int, dict[int, float | None]]:
    """{site id: {7: pct, 30: pct, 90: pct}}; maintenance checks are not counted."""
    columns = []
    for days in WINDOWS:
        inside = SiteDaily.day > today - timedelta(days=days)
        columns += [func.sum(case((inside, SiteDaily.ok), else_=0)),
                    func.sum(case((inside, SiteDaily.checks - SiteDaily.maintenance), else_=0))]
    query = (select(SiteDaily.site_id, *columns).where(SiteDaily.day > today - timedelta(days=max(WINDOWS)))
             .group_by(SiteDaily.site_id))
    if site_ids is not None:
        query = query.where(SiteDaily.site_id.in_(site_ids))
    out: dict[int, dict[int, float | None]] = {}
    for row in (await session.execute(query)).all():
        out[row[0]] = {days: _pct(row[1 + 2 * i], row[2 + 2 * i]) for i, days in enumerate(WINDOWS)}
    return out


async def agency_uptimes(*, session: AsyncSession, today: date) -> list[dict[str, Any]]:
    rows = []
    for days in WINDOWS:
        query = (select(Agency.code, Agency.name, func.count(func.distinct(Site.id)), func.sum(SiteDaily.ok),
                        func.sum(SiteDaily.checks - SiteDaily.maintenance))
                 .select_from(Site).join(Agency, Agency.id == Site.agency_id, isouter=True)
                 .join(SiteDaily, (SiteDaily.site_id == Site.id) & (SiteDaily.day > today - timedelta(days=days)),
                       isouter=True)
                 .group_by(Agency.code, Agency.name))
        rows.append({(r[0], r[1]): (r[2], _pct(r[3], r[4])) for r in (await session.execute(query)).all()})
    keys = sorted(rows[-1], key=lambda k: (k[1] or "", k[0] or ""))
    return [{"agency": code, "agency_name": name, "sites": rows[-1][(code, name)][0],
             **{f"uptime_{d}d": rows[i].get((code, name), (0, None))[1] for i, d in enumerate(WINDOWS)}}
            for code, name in keys]


def month_bounds(month: str) -> tuple[date, date]:
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise ValidationFailed(f"Tháng không hợp lệ «{month}»: dùng dạng 2026-11", field="month") from None
    return first, date(year, number, month_calendar.monthrange(year, number)[1])


REPORT_COLUMNS = ["Đơn vị", "Website", "Địa chỉ", "Số lần kiểm tra", "Trong bảo trì", "Tỷ lệ hoạt động (%)",
                  "Thời gian phản hồi TB (ms)", "Phản hồi chậm nhất (ms)", "Sự cố mất kết nối",
                  "Thời gian mất kết nối (phút)", "Sự cố thay đổi giao diện", "Cảnh báo chứng thư số",
                  "Sự cố phản hồi chậm"]


async def monthly_report(*, session: AsyncSession, month: str, agency_code: str | None = None
                         ) -> tuple[list[str], list[list[Any]]]:
    """One row per site for the month (local days), from the rollups and the incidents."""
    first, last = month_bounds(month)
    tz = ZoneInfo(get_settings().timezone)
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    query = select(Site).order_by(Site.agency_id, Site.name)
    if agency_code:
        query = query.join(Agency, Agency.id == Site.agency_id).where(Agency.code == agency_code)
    sites = (await session.scalars(query)).all()
    ids = [s.id for s in sites]
    daily = {r[0]: r[1:] for r in (await session.execute(
        select(SiteDaily.site_id, func.sum(SiteDaily.checks), func.sum(SiteDaily.maintenance), func.sum(SiteDaily.ok),
               func.sum(SiteDaily.response_ms_sum), func.max(SiteDaily.response_ms_max))
        .where(SiteDaily.site_id.in_(ids), SiteDaily.day >= first, SiteDaily.day <= last)
        .group_by(SiteDaily.site_id))).all()}
    incidents = (await session.scalars(select(SiteIncident).where(
        SiteIncident.site_id.in_(ids), SiteIncident.opened_at < end,
        (SiteIncident.closed_at.is_(None)) | (SiteIncident.closed_at >= start)))).all()
    rows = []
    for site in sites:
        checks, maintenance, ok, ms_sum, ms_max = daily.get(site.id, (0, 0, 0, 0, 0))
        mine = [i for i in incidents if i.site_id == site.id]
        down = [i for i in mine if i.kind == "down"]
        down_minutes = sum(int((min(i.closed_at or end, end) - max(i.opened_at, start)).total_seconds() // 60)
                           for i in down)
        counted = (checks or 0) - (maintenance or 0)
        rows.append([site.agency.name if site.agency else "", site.name, site.url, checks or 0, maintenance or 0,
                     _pct(ok, counted), round((ms_sum or 0) / ok) if ok else None, ms_max or None, len(down),
                     down_minutes, sum(i.kind == "defaced" for i in mine), sum(i.kind == "cert_expiring" for i in mine),
                     sum(i.kind == "slow" for i in mine)])
    return REPORT_COLUMNS, rows


def status_label(status: str) -> str:
    return texts.STATUS.get(status, status)
