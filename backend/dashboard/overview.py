"""`GET /api/v1/dashboard/summary`: the reports' figures with the other modules' (cameras, sites,
indicators), in the shape of shared/CONTRACT.md (IOC modules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.dashboard import cache, modules
from backend.dashboard.summary import Scope, open_breakdown, open_by_agency, open_by_channel, report_figures

CACHE_SECONDS = 5.0  # the tiles: a new report or status change refreshes them at once (cache.version)


async def summary(*, session: AsyncSession, scope: Scope, now: datetime | None = None) -> dict[str, Any]:
    """`GET /api/v1/dashboard/summary` (shape in shared/CONTRACT.md, IOC modules). The reports
    block is reused for a few seconds (backend/dashboard/cache.py) unless `now` is given."""
    fixed = now is not None
    now = now or utcnow()

    async def compute() -> dict[str, Any]:
        breakdown = await open_breakdown(session=session, scope=scope, now=now)
        figures = await report_figures(session=session, scope=scope, now=now, breakdown=breakdown)
        figures["by_agency"] = await open_by_agency(session=session, scope=scope, breakdown=breakdown)
        figures["by_channel"] = await open_by_channel(session=session, scope=scope, breakdown=breakdown)
        return figures

    reports = await compute() if fixed else await cache.cached(
        session, ("summary", scope.agency_id), CACHE_SECONDS, compute)
    return {
        "scope": {"agency": scope.agency_code} if not scope.everything else {"agency": None},
        "generated_at": now.isoformat(),
        "reports": reports,
        "cameras": await modules.camera_figures(session=session),
        "sites": await modules.site_figures(session=session, scope=scope),
        "indicators": await modules.indicator_figures(session=session),
    }
