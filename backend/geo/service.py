"""Geocoding for reports: address -> point and commune/ward; point -> commune/ward.

`GEOCODER=offline` answers from the gazetteer built from the area table. `GEOCODER=nominatim` asks
a Nominatim server through geopy (rate limited, restricted to the province's box) and places the
answer with the gazetteer; when the server fails or knows nothing, the offline answer is used, so
a report is never lost to a network error.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from geopy.adapters import AioHTTPAdapter
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import AsyncRateLimiter
from geopy.geocoders import Nominatim
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.catalog.models import Area
from backend.core.config import get_settings
from backend.geo.gazetteer import AreaRecord, Gazetteer, OfflineGeocoder
from backend.geo.precision import Precision, from_nominatim, is_coarse

log = logging.getLogger(__name__)

NOMINATIM_TIMEOUT_S = 5.0
NOMINATIM_MIN_DELAY_S = 1.0  # the public server's usage policy: at most one request a second
DEFAULT_PROVINCE_NAME = "Tỉnh Đắk Lắk"


@dataclass(frozen=True)
class GeoResult:
    latitude: float
    longitude: float
    area_code: str | None
    display_name: str
    source: Literal["offline", "nominatim"]
    precision: Precision = Precision.ward  # what the point stands for (see backend/geo/precision.py)
    area_name: str = ""
    street: str = ""  # the part of the address the resolver did not place (offline: before the ward)

    @property
    def approximate(self) -> bool:
        """The point is an area's centre (or coarser): it says which area, not where in it."""
        return is_coarse(self.precision)


_gazetteer: Gazetteer | None = None
_offline_geocoder: OfflineGeocoder | None = None
_gazetteer_url: str | None = None  # the database it was built from (tests and tools switch databases)
_gazetteer_of: tuple[Any, Any] | None = None  # the catalog's (stamp, version) it was built from
# One limiter per event loop: geopy's limiter holds an asyncio lock bound to the loop using it.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncRateLimiter] = weakref.WeakKeyDictionary()


def invalidate_cache() -> None:
    """Forget the gazetteer; the next call rebuilds it from the area table (after data edits)."""
    global _gazetteer, _offline_geocoder
    _gazetteer = _offline_geocoder = None


def _catalog_changed() -> None:
    invalidate_cache()


catalog_service.on_change(_catalog_changed)  # an area edit in this process: rebuild at once


async def gazetteer(*, session: AsyncSession) -> Gazetteer:
    """The gazetteer of the area table, rebuilt when the catalog changes (an admin's area edit,
    in any process: see `catalog.service.reference`)."""
    global _gazetteer, _offline_geocoder, _gazetteer_url, _gazetteer_of
    ref = await catalog_service.reference(session=session)
    if _gazetteer_url != get_settings().database_url or _gazetteer_of != (ref.stamp, ref.version):
        _gazetteer = _offline_geocoder = None
        _gazetteer_url = get_settings().database_url
        _gazetteer_of = (ref.stamp, ref.version)
    if _gazetteer is None:
        rows = (await session.scalars(select(Area).order_by(Area.code))).all()
        province = next((r for r in rows if r.kind == "province"), None)
        records = [
            AreaRecord(
                code=r.code,
                name=r.name,
                kind=r.kind,
                latitude=r.latitude,
                longitude=r.longitude,
                aliases=tuple(r.aliases or ()),
                bbox=tuple(r.bbox) if r.bbox else None,  # type: ignore[arg-type]
                area_km2=r.area_km2,
            )
            for r in rows
            if r.kind != "province" and r.latitude is not None and r.longitude is not None
        ]
        _gazetteer = Gazetteer(
            records,
            province.name if province else DEFAULT_PROVINCE_NAME,
            province.bbox if province and province.bbox else None,
        )
        _offline_geocoder = OfflineGeocoder(_gazetteer)
    return _gazetteer


async def geocode(*, session: AsyncSession, address: str) -> GeoResult | None:
    gaz = await gazetteer(session=session)
    if get_settings().geocoder == "nominatim":
        try:
            found = await _nominatim(address, gaz)
        except (TimeoutError, GeopyError, OSError) as exc:
            log.warning("nominatim failed, using the offline gazetteer: %s", exc)
        else:
            if found is not None:
                return found
    return _offline(address, gaz)


def _offline(address: str, gaz: Gazetteer) -> GeoResult | None:
    geocoder = _offline_geocoder if _offline_geocoder and _offline_geocoder.gazetteer is gaz else OfflineGeocoder(gaz)
    location = geocoder.geocode(address)
    if location is None:
        return None
    raw = location.raw
    return GeoResult(location.latitude, location.longitude, raw["area_code"], location.address, "offline",
                     precision=Precision.ward, area_name=raw["area_name"], street=raw.get("street", ""))


async def _nominatim(address: str, gaz: Gazetteer) -> GeoResult | None:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        # No retries: a citizen is waiting, and the offline answer is a good fallback.
        limiter = AsyncRateLimiter(_nominatim_call, min_delay_seconds=NOMINATIM_MIN_DELAY_S, max_retries=0)
        _limiters[loop] = limiter
    box = gaz.province_bbox
    viewbox = [(box[0], box[1]), (box[2], box[3])] if box else None
    location = await limiter(address, viewbox=viewbox)
    if location is None:
        return None
    area = gaz.locate(location.latitude, location.longitude)
    if area is None:  # outside the province despite the viewbox: not ours to place
        return None
    precision = from_nominatim(location.raw or {})
    return GeoResult(location.latitude, location.longitude, area.code, location.address, "nominatim",
                     precision=precision, area_name=area.name)


async def _nominatim_call(address: str, *, viewbox: list[tuple[float, float]] | None) -> Any:
    settings = get_settings()
    url = urlsplit(settings.nominatim_url)
    async with Nominatim(
        domain=url.netloc + url.path.rstrip("/"),
        scheme=url.scheme or "https",
        user_agent=settings.nominatim_user_agent,
        timeout=NOMINATIM_TIMEOUT_S,
        adapter_factory=AioHTTPAdapter,
    ) as geocoder:
        return await geocoder.geocode(
            address,
            exactly_one=True,
            country_codes="vn",
            viewbox=viewbox,
            bounded=viewbox is not None,
            language="vi",
        )


async def locate(*, session: AsyncSession, latitude: float, longitude: float) -> Area | None:
    gaz = await gazetteer(session=session)
    record = gaz.locate(latitude, longitude)
    if record is None:
        return None
    return await session.scalar(select(Area).where(Area.code == record.code))


async def area_choices(*, session: AsyncSession, prefix: str, limit: int = 8) -> list[GeoResult]:
    gaz = await gazetteer(session=session)
    return [
        GeoResult(m.latitude, m.longitude, m.area_code, m.display_name, "offline", area_name=m.area_name)
        for m in gaz.suggest(prefix, limit=limit)
    ]
