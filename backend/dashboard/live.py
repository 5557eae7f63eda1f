"""The operations screen's live feed: new reports (and the refreshed tiles) as server-sent
events. Every process polls the database by id behind its streams, so a report filed through
any process or host reaches every open screen; no broker needed. A reconnecting browser sends
Last-Event-ID and gets what it missed (up to a batch)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras.models import Camera, CameraEvent, EventStatus
from backend.catalog.models import Category
from backend.core.db import get_sessionmaker, utcnow
from backend.dashboard.summary import Scope, report_figures, reports_query
from backend.monitoring.sites.models import Site, SiteIncident
from backend.reports.models import Report

POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0
BATCH = 100
RETRY_MS = 3000


async def last_report_id(*, session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(Report.id))) or 0)


async def reports_after(*, session: AsyncSession, scope: Scope, after_id: int,
                        limit: int = BATCH) -> list[dict[str, Any]]:
    """Reports with an id above `after_id` that the scope sees, oldest first (primary key range)."""
    now = utcnow()
    rows = await session.execute(
        reports_query(scope, Report.id, Report.code, Report.latitude, Report.longitude, Report.address,
                      Report.status, Report.due_at, Report.channel, Report.created_at, Category.code, Category.name)
        .join(Category, Category.id == Report.category_id)
        .where(Report.id > after_id).order_by(Report.id).limit(limit))
    return [{"id": rid, "code": code, "lat": lat, "lon": lon, "address": address, "status": status,
             "overdue": bool(due is not None and due < now), "channel": channel,
             "created_at": created.isoformat() if created else None, "category": cat, "category_name": cat_name}
            for rid, code, lat, lon, address, status, due, channel, created, cat, cat_name in rows]


async def marks(*, session: AsyncSession) -> dict[str, int]:
    """Where each source's stream starts: the highest id now."""
    return {"camera": int(await session.scalar(select(func.max(CameraEvent.id))) or 0),
            "incident": int(await session.scalar(select(func.max(SiteIncident.id))) or 0)}


async def candidates_after(*, session: AsyncSession, after_id: int, limit: int = BATCH) -> list[dict[str, Any]]:
    """Camera events waiting for an operator, newer than `after_id`."""
    rows = await session.execute(
        select(CameraEvent.id, CameraEvent.label, CameraEvent.score, Camera.code, Camera.name)
        .join(Camera, Camera.id == CameraEvent.camera_id)
        .where(CameraEvent.id > after_id, CameraEvent.status == EventStatus.pending)
        .order_by(CameraEvent.id).limit(limit))
    return [{"id": i, "label": label, "score": score, "camera": code, "camera_name": name}
            for i, label, score, code, name in rows]


async def incidents_after(*, session: AsyncSession, scope: Scope, after_id: int,
                          limit: int = BATCH) -> list[dict[str, Any]]:
    query = (select(SiteIncident.id, SiteIncident.kind, SiteIncident.opened_at, Site.name)
             .join(Site, Site.id == SiteIncident.site_id).where(SiteIncident.id > after_id)
             .order_by(SiteIncident.id).limit(limit))
    if not scope.everything:
        query = query.where(SiteIncident.agency_id == scope.agency_id)
    return [{"id": i, "kind": kind, "opened_at": opened.isoformat() if opened else None, "site": name}
            for i, kind, opened, name in await session.execute(query)]


def sse(event: str, data: Any, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


async def stream(*, scope: Scope, last_id: int | None,
                 disconnected: Callable[[], Awaitable[bool]]) -> AsyncIterator[str]:
    """The event stream of one screen: `report` per new report, `summary` after each batch,
    `camera_candidate` per camera event waiting for an operator, `incident` per new website
    incident, a comment as heartbeat. Each poll takes its own short session (no connection held)."""
    maker = get_sessionmaker()
    async with maker() as session:
        if last_id is None:
            last_id = await last_report_id(session=session)
        seen = await marks(session=session)
    yield f"retry: {RETRY_MS}\n\n"
    yield sse("hello", {"after": last_id}, last_id)
    quiet = 0.0
    while not await disconnected():
        async with maker() as session:
            items = await reports_after(session=session, scope=scope, after_id=last_id)
            figures = await report_figures(session=session, scope=scope) if items else None
            candidates = await candidates_after(session=session, after_id=seen["camera"])
            incidents = await incidents_after(session=session, scope=scope, after_id=seen["incident"])
        for item in items:
            last_id = item["id"]
            yield sse("report", item, last_id)
        for candidate in candidates:
            seen["camera"] = candidate["id"]
            yield sse("camera_candidate", candidate)
        for incident in incidents:
            seen["incident"] = incident["id"]
            yield sse("incident", incident)
        if figures is not None:
            yield sse("summary", {"reports": figures})
            quiet = 0.0
        elif quiet >= HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            quiet = 0.0
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS


def parse_last_id(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def response(request: Any, scope: Any) -> Any:
    """The screen's event stream as an HTTP response (the staff site and the API serve the same)."""
    from starlette.responses import StreamingResponse

    return StreamingResponse(
        stream(scope=scope, last_id=parse_last_id(request.headers.get("last-event-id")),
               disconnected=request.is_disconnected),
        media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
