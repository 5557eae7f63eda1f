"""Open reports near a point: the duplicate check of a new report, and the "nearby" lists of the
staff pages, the hotline desk and the chat."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.geodesy import haversine_m
from backend.reports.models import OPEN_SQL, Report
from backend.reports.policy import can_see


@dataclass(frozen=True)
class Near:
    """An open report near a point (what a new report's duplicate check needs)."""

    id: int
    code: str
    distance_m: float


@lru_cache(maxsize=8)
def _nearby_stmt(by_category: bool, excluding: bool) -> Select[Any]:
    """Candidates in a bounding box (the lat/lon index), as bare columns: built and compiled once."""
    stmt = select(Report.id, Report.code, Report.latitude, Report.longitude).where(
        text(OPEN_SQL),  # spelled out: the partial index ix_reports_open_category_lat
        Report.latitude.between(bindparam("lat_lo"), bindparam("lat_hi")),
        Report.longitude.between(bindparam("lon_lo"), bindparam("lon_hi")),
        Report.created_at >= bindparam("since"),
        Report.duplicate_of_id.is_(None),
    )
    if by_category:
        stmt = stmt.where(Report.category_id == bindparam("category_id"))
    if excluding:
        stmt = stmt.where(Report.id != bindparam("exclude_id"))
    return stmt.limit(500)


async def nearby_open_refs(
    *,
    session: AsyncSession,
    category_id: int | None,
    latitude: float,
    longitude: float,
    radius_m: float | None = None,
    days: int | None = None,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Near]:
    """Open reports within radius_m and the last `days`, nearest first: a bounding box on the
    partial open-report index, then the exact distance; bare columns, no ORM objects."""
    settings = get_settings()
    radius = radius_m if radius_m is not None else settings.duplicate_radius_m
    window = days if days is not None else settings.duplicate_window_days
    dlat = radius / 111_320.0
    dlon = radius / (111_320.0 * max(math.cos(math.radians(latitude)), 0.01))
    params: dict[str, Any] = {
        "lat_lo": latitude - dlat,
        "lat_hi": latitude + dlat,
        "lon_lo": longitude - dlon,
        "lon_hi": longitude + dlon,
        "since": utcnow() - timedelta(days=window),
    }
    if category_id is not None:
        params["category_id"] = category_id
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    stmt = _nearby_stmt(category_id is not None, exclude_id is not None)
    found = [
        Near(rid, code, d)
        for rid, code, lat, lon in (await session.execute(stmt, params)).all()
        if (d := haversine_m(latitude, longitude, lat or 0, lon or 0)) <= radius
    ]
    return sorted(found, key=lambda n: (n.distance_m, n.id))[:limit]


async def nearby_open(*, session: AsyncSession, actor: Actor | None = None, **criteria: Any) -> list[Report]:
    """`nearby_open_refs` (same criteria) as full reports, with category, area and agency; with an
    actor, only the reports that actor may see (an officer: their agency's), like every report route."""
    near = await nearby_open_refs(session=session, **criteria)
    if not near:
        return []
    found = {r.id: r for r in (await session.scalars(select(Report).where(Report.id.in_([n.id for n in near]))))}
    return [found[n.id] for n in near if n.id in found and (actor is None or can_see(actor, found[n.id]))]
