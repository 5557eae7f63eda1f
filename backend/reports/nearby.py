"""Open reports near a point: the duplicate check of a new report, and the "nearby" lists of the
staff pages, the hotline desk and the chat. How precise each point is decides how they match
(backend/geo/precision.py): a ward's centre never matches by distance alone."""

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
from backend.geo import service as geo_service
from backend.geo.precision import PlaceKey, Precision, house_number, is_coarse, place_key, same_place
from backend.reports.models import OPEN_SQL, Report
from backend.reports.policy import can_see


@dataclass(frozen=True)
class Near:
    """An open report near a point (what a new report's duplicate check needs)."""

    id: int
    code: str
    distance_m: float
    by_address: bool = False  # matched because the two addresses name the same place, not by distance


_COLUMNS = (Report.id, Report.code, Report.latitude, Report.longitude, Report.location_precision, Report.address)


def _common(stmt: Select[Any], by_category: bool, excluding: bool) -> Select[Any]:
    stmt = stmt.where(
        text(OPEN_SQL),  # spelled out: the partial indexes on open reports
        Report.created_at >= bindparam("since"),
        Report.duplicate_of_id.is_(None),
    )
    if by_category:
        stmt = stmt.where(Report.category_id == bindparam("category_id"))
    if excluding:
        stmt = stmt.where(Report.id != bindparam("exclude_id"))
    return stmt.limit(500)


@lru_cache(maxsize=8)
def _nearby_stmt(by_category: bool, excluding: bool) -> Select[Any]:
    """Candidates in a bounding box (the lat/lon index), as bare columns: built and compiled once."""
    stmt = select(*_COLUMNS).where(
        Report.latitude.between(bindparam("lat_lo"), bindparam("lat_hi")),
        Report.longitude.between(bindparam("lon_lo"), bindparam("lon_hi")),
    )
    return _common(stmt, by_category, excluding)


@lru_cache(maxsize=8)
def _same_area_stmt(by_category: bool, excluding: bool) -> Select[Any]:
    """Candidates of a ward-centre point: the open reports of that ward with an address typed."""
    stmt = select(*_COLUMNS).where(Report.area_id == bindparam("area_id"), Report.address.is_not(None))
    return _common(stmt, by_category, excluding)


def _matches(
    mine: tuple[str, PlaceKey | None], theirs: tuple[str, PlaceKey | None], distance: float, radius: float,
    street_radius: float,
) -> bool | None:
    """Whether a report is the same problem's place: None no, False by distance, True by address."""
    (my_precision, my_key), (their_precision, their_key) = mine, theirs
    if is_coarse(my_precision) or is_coarse(their_precision):
        # An area's centre says nothing about where in the area: only the address text can tell.
        return True if same_place(my_key, their_key) else None
    if Precision.street in (my_precision, their_precision):
        # The middle of a street: the same street (when both name one), house numbers close.
        if my_key is not None and their_key is not None and my_key.name != their_key.name:
            return None
        mine_no, theirs_no = house_number(my_key), house_number(their_key)
        if mine_no is not None and theirs_no is not None and abs(mine_no - theirs_no) > STREET_NUMBER_SPAN:
            return None
        if same_place(my_key, their_key) and my_key is not None and my_key.number is not None:
            return True
        return False if distance <= street_radius else None
    return False if distance <= radius else None


STREET_NUMBER_SPAN = 40  # house numbers further apart than this are another stretch of the street


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
    precision: str | None = Precision.gps,
    address: str | None = None,
    area_id: int | None = None,
) -> list[Near]:
    """Open reports that may be the same problem, within the last `days`, nearest first.
    `precision` is how precise (latitude, longitude) are and `address` what was typed: point
    precision matches within radius_m; a street's middle within a street's stretch, on the same
    street; a ward-centre (or coarser) point, on either side, only when the two addresses name
    the same place (same street and house number, or the same named place). A bounding box on the
    partial open-report index (a ward-centre point: the ward's reports), then the exact rule;
    bare columns, no ORM objects."""
    settings = get_settings()
    radius = radius_m if radius_m is not None else settings.duplicate_radius_m
    street_radius = max(radius, settings.duplicate_street_radius_m)
    window = days if days is not None else settings.duplicate_window_days
    mine_precision = precision or Precision.unknown
    coarse = is_coarse(mine_precision)
    box = street_radius if mine_precision == Precision.street else radius
    params: dict[str, Any] = {"since": utcnow() - timedelta(days=window)}
    if category_id is not None:
        params["category_id"] = category_id
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    if coarse and area_id is not None:
        params["area_id"] = area_id
        stmt = _same_area_stmt(category_id is not None, exclude_id is not None)
    else:
        dlat = box / 111_320.0
        dlon = box / (111_320.0 * max(math.cos(math.radians(latitude)), 0.01))
        params.update(lat_lo=latitude - dlat, lat_hi=latitude + dlat, lon_lo=longitude - dlon, lon_hi=longitude + dlon)
        stmt = _nearby_stmt(category_id is not None, exclude_id is not None)
    rows = (await session.execute(stmt, params)).all()
    if not rows:
        return []
    is_area_name = (await geo_service.gazetteer(session=session)).is_area_name
    mine = (mine_precision, place_key(address, is_area_name))
    found: list[Near] = []
    for rid, code, lat, lon, their_precision, their_address in rows:
        distance = haversine_m(latitude, longitude, lat or 0, lon or 0)
        theirs = (their_precision, place_key(their_address, is_area_name))
        how = _matches(mine, theirs, distance, radius, street_radius)
        if how is not None:
            found.append(Near(rid, code, distance, by_address=how))
    return sorted(found, key=lambda n: (not n.by_address, n.distance_m, n.id))[:limit]


async def nearby_open(*, session: AsyncSession, actor: Actor | None = None, **criteria: Any) -> list[Report]:
    """`nearby_open_refs` (same criteria) as full reports, with category, area and agency; with an
    actor, only the reports that actor may see (an officer: their agency's), like every report route."""
    near = await nearby_open_refs(session=session, **criteria)
    if not near:
        return []
    found = {r.id: r for r in (await session.scalars(select(Report).where(Report.id.in_([n.id for n in near]))))}
    return [found[n.id] for n in near if n.id in found and (actor is None or can_see(actor, found[n.id]))]
