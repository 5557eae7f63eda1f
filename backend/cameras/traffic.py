"""Traffic flow from counts: vehicles/h, PCU/h (factors per vehicle class are data), v/c against
the approach's capacity, level of service A-F (v/c thresholds are data), peak-hour factor per
day, and congestion incidents (LOS E-F for CONGESTION_INTERVALS intervals in a row; closed by the
first interval that recovers)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras import flows
from backend.cameras import service as camera_service
from backend.cameras.models import Camera, CameraIncident, TrafficCount, TrafficParameter
from backend.cameras.schemas import TrafficCountsIn
from backend.core.config import get_settings
from backend.core.db import dialect_insert, utcnow
from backend.core.errors import ValidationFailed

CONGESTED = ("E", "F")
MAX_SPAN = timedelta(days=31)


@dataclass(frozen=True)
class Parameters:
    pcu: dict[str, float]
    los: list[tuple[str, float]]  # (level, upper v/c bound) ascending; the last level has no bound

    def level(self, vc: float | None) -> str | None:
        if vc is None:
            return None
        for level, bound in self.los:
            if vc <= bound:
                return level
        return "F"


_params: tuple[float, Parameters | None] = (0.0, None)


async def parameters(*, session: AsyncSession) -> Parameters:
    global _params
    loaded, cached = _params
    if cached is not None and time.monotonic() - loaded < camera_service.CACHE_SECONDS:
        return cached
    rows = (await session.scalars(select(TrafficParameter))).all()
    pcu = {r.key: r.value for r in rows if r.kind == "pcu"}
    los = sorted(((r.key, r.value) for r in rows if r.kind == "los"), key=lambda kv: kv[1])
    if not pcu or not los:
        raise ValidationFailed("Chưa nạp hệ số quy đổi giao thông: chạy `phananh seed`")
    params = Parameters(pcu, los)
    _params = (time.monotonic(), params)
    return params


async def parameter_rows(*, session: AsyncSession) -> list[TrafficParameter]:
    """The PCU factors and LOS bounds with their sources (data/traffic.yaml), for the staff site."""
    return list((await session.scalars(
        select(TrafficParameter).order_by(TrafficParameter.kind.desc(), TrafficParameter.value))).all())


def invalidate_cache() -> None:
    global _params
    _params = (0.0, None)


def figures(params: Parameters, counts: dict[str, int], minutes: int, capacity: float | None,
            unit: str = "pcu") -> dict[str, Any]:
    """vehicles/h, PCU/h, v/c (PCU/h over a capacity in PCU/h, or vehicles/h over one in
    vehicles/h when `unit` is "veh") and the level of service."""
    vehicles = sum(counts.values())
    pcu = sum(n * params.pcu.get(cls, 1.0) for cls, n in counts.items())
    per_hour = 60.0 / minutes
    pcu_h = round(pcu * per_hour, 1)
    veh_h = round(vehicles * per_hour, 1)
    vc = round((veh_h if unit == "veh" else pcu_h) / capacity, 3) if capacity else None
    return {"vehicles": vehicles, "pcu": round(pcu, 2), "vehicles_per_hour": veh_h, "pcu_per_hour": pcu_h,
            "capacity": capacity, "capacity_unit": unit, "vc_ratio": vc, "los": params.level(vc)}


def _unit(camera: Camera, direction: str) -> str:
    return (camera.approach_units or {}).get(direction, "pcu")


async def record(*, session: AsyncSession, counts_in: TrafficCountsIn, camera_code: str | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """Store one interval's counts (the same camera, direction and interval again replaces them),
    then open or close the approach's congestion incident."""
    now = now or utcnow()
    code = camera_code or counts_in.camera
    if not code:
        raise ValidationFailed("Thiếu mã camera", field="camera")
    camera = await camera_service.get_camera(session=session, code=code)
    start = counts_in.interval_start
    if start + timedelta(minutes=counts_in.interval_minutes) > now + timedelta(minutes=5):
        raise ValidationFailed("Khoảng đếm chưa kết thúc hoặc ở tương lai",
                               field="interval_start")
    if camera.approaches and counts_in.direction not in camera.approaches:
        raise ValidationFailed(f"Camera {camera.code} không có hướng {counts_in.direction}; các hướng: "
                               f"{', '.join(camera.approaches)}", field="direction")
    params = await parameters(session=session)
    got = figures(params, counts_in.counts, counts_in.interval_minutes, camera.approaches.get(counts_in.direction),
                  _unit(camera, counts_in.direction))
    values = {"camera_id": camera.id, "direction": counts_in.direction, "interval_start": start,
              "interval_minutes": counts_in.interval_minutes, "counts": counts_in.counts,
              "vehicles": got["vehicles"], "pcu": got["pcu"], "los": got["los"], "capacity": got["capacity"],
              "vc_ratio": got["vc_ratio"], "created_at": now}
    conn = await session.connection()
    stmt = dialect_insert(conn.dialect.name, TrafficCount.__table__).values(**values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["camera_id", "direction", "interval_start"],
        set_={k: stmt.excluded[k] for k in ("interval_minutes", "counts", "vehicles", "pcu", "los", "capacity",
                                            "vc_ratio")}))
    await camera_service.seen_cameras(session=session, camera_ids={camera.id}, now=now)
    await _congestion(session, camera, counts_in.direction, start, got["los"], now)
    return {"camera": camera.code, "direction": counts_in.direction, "interval_start": start, **got}


async def _congestion(session: AsyncSession, camera: Camera, direction: str, start: datetime, los: str | None,
                      now: datetime) -> None:
    if los is None:
        return
    open_one = await session.scalar(select(CameraIncident).where(
        CameraIncident.camera_id == camera.id, CameraIncident.kind == "congestion",
        CameraIncident.direction == direction, CameraIncident.closed_at.is_(None)))
    if los not in CONGESTED:
        if open_one is not None:
            open_one.closed_at = now
            open_one.detail = {**(open_one.detail or {}), "recovered_at": start.isoformat(), "los": los}
            await session.flush()
            await flows.camera_incident_closed_flow(session=session, incident_id=open_one.id)
        return
    if open_one is not None:
        return
    needed = get_settings().congestion_intervals
    recent = (await session.scalars(
        select(TrafficCount.los).where(TrafficCount.camera_id == camera.id, TrafficCount.direction == direction,
                                       TrafficCount.interval_start <= start)
        .order_by(TrafficCount.interval_start.desc()).limit(needed))).all()
    if len(recent) == needed and all(level in CONGESTED for level in recent):
        incident = CameraIncident(camera_id=camera.id, kind="congestion", direction=direction, opened_at=now,
                                  detail={"since": start.isoformat(), "los": los, "intervals": needed})
        session.add(incident)
        await session.flush()
        await flows.camera_incident_opened_flow(session=session, incident=incident, camera=camera)


def check_span(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("Thời gian cần múi giờ (ISO 8601)", field="from")
    if end <= start:
        raise ValidationFailed("Thời điểm 'to' phải sau 'from'", field="to")
    if end - start > MAX_SPAN:
        raise ValidationFailed("Tối đa 31 ngày mỗi lần", field="to")


async def flow(*, session: AsyncSession, camera_code: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per interval and direction, oldest first."""
    check_span(start, end)
    camera = await camera_service.get_camera(session=session, code=camera_code)
    params = await parameters(session=session)
    rows = (await session.scalars(
        select(TrafficCount).where(TrafficCount.camera_id == camera.id, TrafficCount.interval_start >= start,
                                   TrafficCount.interval_start < end)
        .order_by(TrafficCount.interval_start, TrafficCount.direction))).all()
    return [_flow_row(params, camera, r) for r in rows]


def _flow_row(params: Parameters, camera: Camera, r: TrafficCount) -> dict[str, Any]:
    """An interval as it was rated when counted (its capacity, v/c and level); intervals counted
    before those were kept are rated with the approach's capacity now."""
    got = figures(params, r.counts, r.interval_minutes, camera.approaches.get(r.direction), _unit(camera, r.direction))
    if r.capacity is not None:
        got.update(capacity=r.capacity, vc_ratio=r.vc_ratio, los=r.los)
    for key in ("pcu", "capacity_unit"):
        got.pop(key)
    return {"interval_start": r.interval_start, "interval_minutes": r.interval_minutes, "direction": r.direction,
            "counts": r.counts, **got}


async def peak_hour(*, session: AsyncSession, camera_code: str, day: date) -> dict[str, dict[str, Any]]:
    """Per direction, the local day's peak hour (four consecutive 15-minute periods with the most
    vehicles) and its peak-hour factor = hourly volume / (4 x the busiest 15 minutes in it).
    Needs counts in intervals of 15 minutes or less."""
    tz = ZoneInfo(get_settings().timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    rows = await flow(session=session, camera_code=camera_code, start=start, end=start + timedelta(days=1))
    bins: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if 15 % row["interval_minutes"]:
            continue
        at = row["interval_start"].astimezone(tz)
        slot = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
        bins[row["direction"]][slot] += row["vehicles"]
    result: dict[str, dict[str, Any]] = {}
    for direction, per in bins.items():
        best: tuple[int, datetime, int] | None = None
        for slot in sorted(per):
            window = [per.get(slot + timedelta(minutes=15 * i), 0) for i in range(4)]
            volume = sum(window)
            if best is None or volume > best[0]:
                best = (volume, slot, max(window))
        if best and best[0] and best[2]:
            result[direction] = {"peak_hour_start": best[1], "peak_hour_volume": best[0],
                                 "phf": round(best[0] / (4 * best[2]), 3)}
    return result
