"""JSON API of the operations screen (thin: scope from the user, call the service, render)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from backend.core.deps import SessionDep
from backend.core.responses import compact_json
from backend.dashboard import charts, live, overview, sla
from backend.dashboard import map as report_map
from backend.dashboard import summary as dashboard
from backend.staff.deps import CurrentUser

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@router.get("/summary")
async def get_summary(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await overview.summary(session=session, scope=dashboard.scope_for(user))


@router.get("/charts")
async def get_charts(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """Received/resolved per day (90 days), by category, by ward, on-time share per agency,
    weekly satisfaction; traffic and indicators null until their modules are installed."""
    return await charts.charts(session=session, scope=dashboard.scope_for(user))


@router.get("/map")
async def get_map(request: Request, session: SessionDep, user: CurrentUser, bbox: str | None = None,
                  zoom: int = 12) -> Response:
    """Open reports in `bbox` ("west,south,east,north"; none: everywhere) at map zoom `zoom`:
    the reports themselves when at most 1,500 are in view or zoom >= 16, else clusters per
    category on a grid, as named objects (gzip when accepted)."""
    found = await report_map.view(session=session, scope=dashboard.scope_for(user), bbox=report_map.BBox.parse(bbox),
                                  zoom=zoom)
    return compact_json(request, report_map.as_objects(found))


@router.get("/stream")
async def get_stream(request: Request, session: SessionDep, user: CurrentUser) -> StreamingResponse:
    """Server-sent events: `report` for each new report the viewer may see, `summary` after them."""
    scope = dashboard.scope_for(user)
    await session.commit()  # the stream polls with its own short sessions
    return live.response(request, scope)


@router.get("/sla")
async def get_sla(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """On time / nearly late / late / late ×3 per source and agency."""
    return await sla.sla_view(session=session, scope=dashboard.scope_for(user))


@router.get("/sla/items")
async def get_sla_items(session: SessionDep, user: CurrentUser, source: str = "reports",
                        cls: str | None = None, agency: str | None = None) -> dict[str, Any]:
    """The items behind one cell of the SLA view (source, class, agency code)."""
    found = await sla.drill(session=session, scope=dashboard.scope_for(user), source=source, cls=cls, agency=agency)
    return {"items": found, "total": len(found)}
