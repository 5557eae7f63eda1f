"""The other IOC modules' figures for the screen, read through their own services and tables:
cameras (backend/cameras), website monitoring (backend/monitoring/sites), indicators
(backend/monitoring/indicators)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras import traffic
from backend.cameras.models import Camera, CameraEvent, CameraIncident, CameraStatus, EventStatus, TrafficCount
from backend.core.db import utcnow
from backend.core.errors import ValidationFailed
from backend.dashboard.service import day_bounds, local_day, local_time
from backend.dashboard.summary import Scope
from backend.monitoring.indicators import service as indicators_service
from backend.monitoring.sites.models import Site, SiteIncident


async def camera_figures(*, session: AsyncSession) -> dict[str, Any]:
    """Cameras online / offline (active ones) and candidates waiting for an operator."""
    counts = dict((await session.execute(
        select(Camera.status, func.count(Camera.id)).where(Camera.active.is_(True)).group_by(Camera.status))).all())
    pending = await session.scalar(select(func.count(CameraEvent.id)).where(
        CameraEvent.status == EventStatus.pending)) or 0
    return {"online": int(counts.get(CameraStatus.online, 0)), "offline": int(counts.get(CameraStatus.offline, 0)),
            "unknown": int(counts.get(CameraStatus.unknown, 0)), "pending_events": int(pending),
            "available": True}


async def site_figures(*, session: AsyncSession, scope: Scope) -> dict[str, Any]:
    """Watched websites by status (an officer: their agency's sites)."""
    query = select(Site.status, func.count(Site.id)).where(Site.enabled.is_(True)).group_by(Site.status)
    if not scope.everything:
        query = query.where(Site.agency_id == scope.agency_id)
    counts = dict((await session.execute(query)).all())
    return {"up": int(counts.get("up", 0)), "down": int(counts.get("down", 0)),
            "defaced": int(counts.get("defaced", 0)), "unknown": int(counts.get("unknown", 0)), "available": True}


async def indicator_figures(*, session: AsyncSession) -> dict[str, Any]:
    return {"off_target": await indicators_service.off_target_count(session=session), "available": True}


async def camera_points(*, session: AsyncSession) -> list[dict[str, Any]]:
    """Cameras on the map with their status and whether an incident is open on them."""
    open_incidents = set((await session.scalars(
        select(CameraIncident.camera_id).where(CameraIncident.closed_at.is_(None)))).all())
    cameras = (await session.scalars(select(Camera).where(Camera.active.is_(True)))).all()
    return [{"code": c.code, "name": c.name, "lat": c.latitude, "lon": c.longitude, "status": c.status,
             "kind": getattr(c, "kind", None), "incident": c.id in open_incidents} for c in cameras]


async def site_incidents(*, session: AsyncSession, scope: Scope, limit: int = 50) -> list[dict[str, Any]]:
    query = (select(SiteIncident, Site.name).join(Site, Site.id == SiteIncident.site_id)
             .where(SiteIncident.closed_at.is_(None)).order_by(SiteIncident.opened_at.desc()).limit(limit))
    if not scope.everything:
        query = query.where(SiteIncident.agency_id == scope.agency_id)
    return [{"id": inc.id, "site": name, "kind": inc.kind, "opened_at": inc.opened_at.isoformat()}
            for inc, name in (await session.execute(query)).all()]


async def traffic_today(*, session: AsyncSession, now: datetime | None = None, top: int = 6) -> list[dict[str, Any]]:
    """Vehicles per hour at the traffic cameras today (all approaches summed per interval)."""
    now = now or utcnow()
    start, end = day_bounds(local_day(now))
    counted = select(TrafficCount.camera_id).where(TrafficCount.interval_start >= start,
                                                   TrafficCount.interval_start < end).distinct()
    cameras = (await session.scalars(select(Camera).where(Camera.active.is_(True), Camera.kind == "traffic",
                                                          Camera.id.in_(counted)).order_by(Camera.code))).all()
    if not cameras:
        return []
    try:
        await traffic.parameters(session=session)
    except ValidationFailed:  # no conversion factors loaded (`phananh seed`): no figure rather than a wrong one
        return []
    out = []
    for camera in cameras:
        per_interval: dict[str, float] = defaultdict(float)
        for row in await traffic.flow(session=session, camera_code=camera.code, start=start, end=min(end, now)):
            per_interval[local_time(row["interval_start"])] += row.get("vehicles_per_hour") or 0
        if per_interval:
            series = [{"time": t, "vehicles_per_hour": round(v)} for t, v in sorted(per_interval.items())]
            out.append({"camera": camera.code, "name": camera.name, "series": series})
    out.sort(key=lambda c: -max(p["vehicles_per_hour"] for p in c["series"]))
    return out[:top]


async def indicators_vs_target(*, session: AsyncSession, top: int = 8) -> list[dict[str, Any]]:
    """The latest province figure of each indicator that has a target, as a share of it."""
    out = []
    for item in await indicators_service.overview(session=session):
        latest = item.latest
        if latest is None or latest.pct_of_target is None:
            continue
        out.append({"code": item.indicator.code, "name": item.indicator.name, "period": latest.period,
                    "value": latest.value, "target": latest.target, "pct_of_target": latest.pct_of_target})
    return out[:top]
