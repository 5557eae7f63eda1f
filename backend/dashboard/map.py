"""The operations screen's map of open reports: what one screen can show, never thousands of points.

`view(bbox, zoom)` answers for the area a screen is looking at. While few open reports fall in
it (or the map is zoomed in to streets) it gives the reports themselves; otherwise clusters,
counted by the database on a grid of about `CELL_PX` screen pixels at that zoom, per category
(the layers stay per category). Both read the partial open index (`ix_reports_open_cover`:
category, place and deadline are in it), so the cost follows the open reports, not all of them.

The answer is compact: arrays, not objects, with the category as an index into `categories`:
    points:   [code, lat, lon, category index, overdue 0/1]
    clusters: [category index, lat, lon, reports, overdue]  (lat/lon: the reports' mean)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, cast, func
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.catalog.models import Category
from backend.core.db import utcnow
from backend.core.errors import ValidationFailed
from backend.dashboard import cache
from backend.dashboard.summary import Scope, open_clause, reports_query
from backend.reports.models import Report

POINTS_MAX = 1500  # at most this many reports as points; more in view: clusters
POINTS_ZOOM = 16  # from this zoom on always points (capped at POINTS_MAX, newest first)
CELL_PX = 60  # a cluster's grid cell, in screen pixels
CACHE_SECONDS = 60.0  # capped by DASHBOARD_CACHE_SECONDS; any new report or status change refreshes it


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def parse(cls, text: str | None) -> BBox | None:
        """"west,south,east,north" (Leaflet's toBBoxString()); None or "" for everywhere."""
        if not text:
            return None
        try:
            west, south, east, north = (float(p) for p in text.split(","))
        except ValueError:
            raise ValidationFailed("bbox phải có dạng tây,nam,đông,bắc (4 số)", field="bbox") from None
        if not all(math.isfinite(v) for v in (west, south, east, north)) or south > north or west > east:
            raise ValidationFailed("bbox không hợp lệ: cần tây ≤ đông và nam ≤ bắc", field="bbox")
        return cls(south=max(south, -90.0), west=max(west, -180.0), north=min(north, 90.0), east=min(east, 180.0))

    def rounded(self) -> tuple[float, float, float, float]:
        return (round(self.south, 4), round(self.west, 4), round(self.north, 4), round(self.east, 4))


def cell_degrees(zoom: int) -> float:
    """The grid cell for `zoom`: CELL_PX pixels of a 256-pixel Web Mercator tile, in degrees of longitude."""
    return CELL_PX * 360.0 / (256 * 2 ** zoom)


def _where(scope: Scope, bbox: BBox | None) -> list[Any]:
    conditions: list[Any] = [open_clause(), Report.latitude.is_not(None), Report.longitude.is_not(None)]
    if bbox is not None:
        conditions += [Report.latitude.between(bbox.south, bbox.north),
                       Report.longitude.between(bbox.west, bbox.east)]
    return conditions


async def _categories(session: AsyncSession) -> list[tuple[int, str, str]]:
    """(id, code, name) of every category, by code, from the catalog's per-process reference."""
    ref = await catalog_service.reference(session=session)
    return sorted(((int(row["id"]), str(row["code"]), str(row["name"]))
                   for (model, _id), row in ref.rows.items() if model is Category), key=lambda c: c[1])


async def _points(session: AsyncSession, scope: Scope, bbox: BBox | None, index: dict[int, int],
                  now: datetime, limit: int) -> list[list[Any]]:
    rows = await session.execute(
        reports_query(scope, Report.code, Report.latitude, Report.longitude, Report.category_id, Report.due_at)
        .where(*_where(scope, bbox)).order_by(Report.created_at.desc()).limit(limit))
    out = []
    for code, lat, lon, category_id, due in rows:
        late = due is not None and due.replace(tzinfo=due.tzinfo or now.tzinfo) < now
        out.append([code, round(lat, 5), round(lon, 5), index.get(category_id, -1), int(late)])
    return out


async def _clusters(session: AsyncSession, scope: Scope, bbox: BBox | None, zoom: int, index: dict[int, int],
                    now: datetime) -> list[list[Any]]:
    cell = cell_degrees(zoom)
    row = func.floor((cast(Report.latitude, Float) + 90.0) / cell)
    col = func.floor((cast(Report.longitude, Float) + 180.0) / cell)
    late = func.sum(case((and_(Report.due_at.is_not(None), Report.due_at < now), 1), else_=0))
    rows = await session.execute(
        reports_query(scope, Report.category_id, func.avg(Report.latitude), func.avg(Report.longitude), func.count(),
                      late)
        .where(*_where(scope, bbox)).group_by(Report.category_id, row, col))
    return [[index.get(category_id, -1), round(float(lat), 5), round(float(lon), 5), int(n), int(overdue or 0)]
            for category_id, lat, lon, n, overdue in rows]


async def view(*, session: AsyncSession, scope: Scope, bbox: BBox | None = None, zoom: int = 12,
               now: datetime | None = None, points_max: int = POINTS_MAX) -> dict[str, Any]:
    """The open reports in `bbox` at `zoom` (0-20): points when few or zoomed in, else clusters.
    Reused for a few seconds per scope, view and zoom while no report changes (cache.py)."""
    if not 0 <= zoom <= 22:
        raise ValidationFailed("zoom phải từ 0 đến 22", field="zoom")
    fixed = now is not None
    now = now or utcnow()

    async def compute() -> dict[str, Any]:
        categories = await _categories(session)
        index = {cid: i for i, (cid, _code, _name) in enumerate(categories)}
        in_view = await session.scalar(reports_query(scope, func.count()).where(*_where(scope, bbox))) or 0
        mode = "points" if in_view <= points_max or zoom >= POINTS_ZOOM else "clusters"
        items = (await _points(session, scope, bbox, index, now, points_max) if mode == "points"
                 else await _clusters(session, scope, bbox, zoom, index, now))
        return {"mode": mode, "zoom": zoom, "total": int(in_view),
                "truncated": mode == "points" and in_view > points_max,
                "categories": [[code, name] for _cid, code, name in categories],
                "fields": (["code", "lat", "lon", "category", "overdue"] if mode == "points"
                           else ["category", "lat", "lon", "count", "overdue"]),
                "items": items}

    if fixed:
        return await compute()
    key = ("map", scope.agency_id, bbox.rounded() if bbox else None, zoom, points_max)
    return dict(await cache.cached(session, key, CACHE_SECONDS, compute))


def as_objects(found: dict[str, Any]) -> dict[str, Any]:
    """The API's form of a view: `{"items": [...]}` of named objects, the category by its code
    (the screen's own map.json keeps the compact arrays)."""
    codes = [code for code, _name in found["categories"]]
    items = []
    for item in found["items"]:
        obj = dict(zip(found["fields"], item, strict=True))
        obj["category"] = codes[obj["category"]] if 0 <= obj["category"] < len(codes) else None
        obj["overdue"] = bool(obj["overdue"]) if found["mode"] == "points" else obj["overdue"]
        items.append(obj)
    return {"mode": found["mode"], "zoom": found["zoom"], "total": found["total"],
            "truncated": found["truncated"], "items": items}


async def overview(*, session: AsyncSession, scope: Scope) -> tuple[list[list[Any]], list[float] | None]:
    """The map's layer switches ([code, name, open reports with a place] per category that has any)
    and its first view ([south, west, north, east] of those reports, None when none), in one scan."""
    rows = (await session.execute(
        reports_query(scope, Report.category_id, func.count(), func.min(Report.latitude), func.min(Report.longitude),
                      func.max(Report.latitude), func.max(Report.longitude))
        .where(*_where(scope, None)).group_by(Report.category_id))).all()
    counts = {int(r[0]): int(r[1]) for r in rows}
    layers = [[code, name, counts[cid]] for cid, code, name in await _categories(session) if cid in counts]
    if not rows:
        return layers, None
    bounds = [min(float(r[2]) for r in rows), min(float(r[3]) for r in rows),
              max(float(r[4]) for r in rows), max(float(r[5]) for r in rows)]
    return layers, [round(v, 5) for v in bounds]
