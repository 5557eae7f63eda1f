"""Cameras: the registry, rules, and events in (a batch at a time, from MQTT or the webhook):
one row per event id, updated in place; a rule match makes it a pending candidate.
Verification (confirm, dismiss, expiry) is in `backend/cameras/verify.py`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras import flows
from backend.cameras.frigate import Observation
from backend.cameras.models import (
    Camera,
    CameraEvent,
    CameraIncident,
    CameraRule,
    CameraStatus,
    EventStatus,
)
from backend.cameras.rules import RuleSpec, first_match
from backend.cameras.schemas import CameraCreate, CameraLayout, RuleCreate
from backend.catalog import service as catalog_service
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import NotFound, ValidationFailed
from backend.core.logging import get_logger
from backend.geo import service as geo_service

log = get_logger(__name__)
CACHE_SECONDS = 10.0  # rules and cameras edited in another process reach the ingest within this
SEEN_EVERY_S = 1.0  # the ingest marks a camera seen (online, last event) at most this often


# --- registry -----------------------------------------------------------------------------------


async def list_cameras(*, session: AsyncSession, active_only: bool = False) -> Sequence[Camera]:
    stmt = select(Camera).order_by(Camera.code)
    if active_only:
        stmt = stmt.where(Camera.active.is_(True))
    return (await session.scalars(stmt)).all()


async def get_camera(*, session: AsyncSession, code: str) -> Camera:
    camera = await session.scalar(select(Camera).where(Camera.code == code))
    if camera is None:
        raise NotFound(f"Không có camera mã {code}", field="camera")
    return camera


async def save_camera(*, session: AsyncSession, camera_in: CameraCreate) -> Camera:
    """Create or update (by code) a camera, placed in its current ward by the gazetteer."""
    area = await geo_service.locate(session=session, latitude=camera_in.latitude, longitude=camera_in.longitude)
    if area is None:
        raise ValidationFailed("Vị trí camera nằm ngoài tỉnh", field="latitude")
    camera = await session.scalar(select(Camera).where(Camera.code == camera_in.code))
    values = camera_in.model_dump()
    if camera is None:
        _check_units(camera_in)
        camera = Camera(**values, area_id=area.id, status=CameraStatus.unknown)
        session.add(camera)
    else:
        await _check_layout(session, camera, camera_in)
        for key, value in values.items():
            setattr(camera, key, value)
        camera.area_id = area.id
    await session.flush()
    await session.refresh(camera, ["area"])
    invalidate_cache()
    return camera


async def update_layout(*, session: AsyncSession, code: str, layout: CameraLayout) -> Camera:
    """Replace a camera's zones and approach capacities (the staff site, `PATCH /api/v1/cameras/
    {code}`). A zone one of the camera's own rules watches cannot go; the new capacities rate the
    next traffic intervals (intervals already counted keep the capacity they were rated with)."""
    camera = await get_camera(session=session, code=code)
    await _check_layout(session, camera, layout)
    camera.zones = dict(layout.zones)
    camera.approaches = dict(layout.approaches)
    camera.approach_units = {d: u for d, u in layout.approach_units.items() if u != "pcu"}
    await session.flush()
    invalidate_cache()
    return camera


def _check_units(layout: CameraLayout) -> None:
    stray = sorted(set(layout.approach_units) - set(layout.approaches))
    if stray:
        raise ValidationFailed(f"Đơn vị cho hướng không có năng lực thông hành: {', '.join(stray)}",
                               field="approach_units")


async def _check_layout(session: AsyncSession, camera: Camera, layout: CameraLayout) -> None:
    _check_units(layout)
    watched = (await session.execute(
        select(CameraRule.zone, CameraRule.name).where(CameraRule.camera_id == camera.id, CameraRule.active.is_(True),
                                                       CameraRule.zone.is_not(None)))).all()
    gone = [(zone, name) for zone, name in watched if zone not in layout.zones]
    if gone:
        zone, name = gone[0]
        raise ValidationFailed(f"Không thể bỏ vùng {zone}: quy tắc «{name}» của camera này đang dùng nó "
                               "(sửa hoặc tắt quy tắc trước)", field="zones")


# --- rules --------------------------------------------------------------------------------------


@dataclass
class RuleStats:
    candidates: int = 0
    confirmed: int = 0
    dismissed: int = 0

    @property
    def false_alarm_rate(self) -> float | None:
        decided = self.confirmed + self.dismissed
        return round(self.dismissed / decided, 3) if decided else None


async def list_rules(*, session: AsyncSession) -> Sequence[CameraRule]:
    return (await session.scalars(select(CameraRule).order_by(CameraRule.id))).all()


async def decision_stats(*, session: AsyncSession, by: str) -> dict[Any, RuleStats]:
    """Candidates, confirmations and dismissals per rule id (`by="rule"`) or camera id (`"camera"`)."""
    column = CameraEvent.rule_id if by == "rule" else CameraEvent.camera_id
    rows = await session.execute(
        select(column, CameraEvent.status, func.count())
        .where(CameraEvent.status != EventStatus.observed).group_by(column, CameraEvent.status))
    stats: dict[Any, RuleStats] = {}
    for key, status, n in rows.all():
        s = stats.setdefault(key, RuleStats())
        s.candidates += n
        if status == EventStatus.confirmed:
            s.confirmed += n
        elif status == EventStatus.dismissed:
            s.dismissed += n
    return stats


async def save_rule(*, session: AsyncSession, rule_in: RuleCreate, rule_id: int | None = None) -> CameraRule:
    ref = await catalog_service.reference(session=session)
    if rule_in.category not in ref.category_ids:
        raise ValidationFailed(f"Lĩnh vực không tồn tại: {rule_in.category}", field="category")
    camera_id = (await get_camera(session=session, code=rule_in.camera)).id if rule_in.camera else None
    labels = sorted({label.strip() for label in rule_in.labels if label.strip()})
    if not labels:
        raise ValidationFailed("Cần ít nhất một nhãn đối tượng", field="labels")
    values = {
        "camera_id": camera_id, "zone": rule_in.zone or None, "labels": labels, "min_score": rule_in.min_score,
        "min_duration_s": rule_in.min_duration_s, "hours": rule_in.hours, "category": rule_in.category,
        "active": rule_in.active,
    }
    if rule_id is not None:
        rule = await session.get(CameraRule, rule_id)
        if rule is None:
            raise NotFound("Không có quy tắc này")
    else:
        code = rule_in.code or f"rule-{int(time.time() * 1000) % 10**10}"
        rule = await session.scalar(select(CameraRule).where(CameraRule.code == code))
        if rule is None:
            rule = CameraRule(code=code, name=rule_in.name or code)
            session.add(rule)
    if rule_in.name:
        rule.name = rule_in.name
    for key, value in values.items():
        setattr(rule, key, value)
    await session.flush()
    await session.refresh(rule, ["camera"])
    invalidate_cache()
    return rule


# --- the in-memory view the ingest works from ---------------------------------------------------


@dataclass
class _Known:
    cameras: dict[str, int] = field(default_factory=dict)  # code -> id
    rules: list[RuleSpec] = field(default_factory=list)
    loaded: float = 0.0


_known = _Known()


def invalidate_cache() -> None:
    _known.loaded = 0.0
    _marked.clear()


async def _knowledge(session: AsyncSession) -> _Known:
    if time.monotonic() - _known.loaded < CACHE_SECONDS:
        return _known
    cameras = dict((await session.execute(select(Camera.code, Camera.id).where(Camera.active.is_(True)))).all())
    codes = {v: k for k, v in cameras.items()}
    rules = [
        RuleSpec(r.id, r.code, codes.get(r.camera_id) if r.camera_id else None, r.zone, frozenset(r.labels),
                 r.min_score, r.min_duration_s, r.hours, r.category)
        for r in (await session.scalars(select(CameraRule).where(CameraRule.active.is_(True)))).all()
        if r.camera_id is None or r.camera_id in codes
    ]
    _known.cameras, _known.rules, _known.loaded = cameras, rules, time.monotonic()
    return _known


# --- events in ----------------------------------------------------------------------------------


@dataclass
class IngestResult:
    stored: int = 0  # new event rows
    updated: int = 0
    candidates: list[int] = field(default_factory=list)  # event row ids that became pending now
    unknown_camera: int = 0
    snapshots: list[tuple[int, str]] = field(default_factory=list)  # (row id, Frigate id) to fetch


_FIELDS = ("label", "sub_label", "score", "top_score", "end_time", "last_time", "stationary", "has_snapshot",
           "false_positive")


def _row(obs: Observation) -> dict[str, Any]:
    return {
        "label": obs.label, "sub_label": obs.sub_label, "score": obs.score, "top_score": obs.top_score,
        "end_time": obs.end_time, "last_time": obs.last_time, "stationary": obs.stationary,
        "has_snapshot": obs.has_snapshot, "false_positive": obs.false_positive,
    }


_EVENTS = CameraEvent.__table__
# built once (cached compiled forms): the batch's ids are one expanding parameter per source
_EXISTING = (
    select(_EVENTS.c.id, _EVENTS.c.external_id, _EVENTS.c.status, _EVENTS.c.rule_id, _EVENTS.c.category,
           _EVENTS.c.zone, _EVENTS.c.zones, _EVENTS.c.candidate_at, _EVENTS.c.updates, _EVENTS.c.start_time)
    .where(_EVENTS.c.source == bindparam("source"), _EVENTS.c.external_id.in_(bindparam("ids", expanding=True)))
)
_IDS = select(_EVENTS.c.id, _EVENTS.c.external_id).where(
    _EVENTS.c.source == bindparam("source"), _EVENTS.c.external_id.in_(bindparam("ids", expanding=True)))
_UPDATE = (
    update(CameraEvent.__table__)
    .where(CameraEvent.__table__.c.id == bindparam("row_id"))
    .values({name: bindparam(name) for name in (*_FIELDS, "zones", "zone", "status", "rule_id", "category",
                                                   "candidate_at", "updates", "updated_at")})
)


async def ingest(*, session: AsyncSession, observations: Iterable[Observation],
                 now: datetime | None = None) -> IngestResult:
    """Store a batch of observations in the caller's transaction. The same (source, event id)
    again updates its row (and the batch may hold several states of one event: the last wins,
    each counted); an event becomes a candidate at most once, when a rule first matches."""
    now = now or utcnow()
    tz = get_settings().timezone
    known = await _knowledge(session)
    result = IngestResult()
    latest: dict[tuple[str, str], tuple[Observation, int]] = {}
    for obs in observations:
        if obs.camera not in known.cameras:
            result.unknown_camera += 1
            log.warning("camera event for an unknown camera dropped", camera=obs.camera, event_id=obs.event_id)
            continue
        key = (obs.source, obs.event_id)
        seen = latest.get(key)
        latest[key] = (_merge(seen[0], obs) if seen else obs, (seen[1] if seen else 0) + 1)
    if not latest:
        return result
    table = CameraEvent.__table__
    existing: dict[tuple[str, str], Any] = {}
    for source in {src for src, _ in latest}:
        existing.update({(source, r.external_id): r for r in (await session.execute(
            _EXISTING, {"source": source, "ids": [ext for src, ext in latest if src == source]})).all()})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    new_candidates: list[tuple[str, str]] = []
    for key, (obs, n) in latest.items():
        old = existing.get(key)
        if old is not None:  # keep the earliest start and every zone ever entered
            obs.start_time = min(obs.start_time, old.start_time)
            obs.zones = list(dict.fromkeys([*(old.zones or []), *obs.zones]))
        values = {**_row(obs), "zones": obs.zones, "updated_at": now}
        if old is None or old.status == EventStatus.observed:
            rule = first_match(known.rules, obs, tz)
            values.update(status=EventStatus.observed, rule_id=None, category=None, candidate_at=None,
                          zone=obs.zones[0] if obs.zones else None)
            if rule is not None:
                values.update(status=EventStatus.pending, rule_id=rule.id, category=rule.category, candidate_at=now,
                              zone=rule.zone or values["zone"])
                new_candidates.append(key)
        else:
            values.update(status=old.status, rule_id=old.rule_id, category=old.category, zone=old.zone,
                          candidate_at=old.candidate_at)
        if old is None:
            inserts.append({**values, "source": obs.source, "external_id": obs.event_id,
                            "camera_id": known.cameras[obs.camera], "start_time": obs.start_time, "updates": n,
                            "created_at": now})
        else:
            updates.append({**values, "row_id": old.id, "updates": old.updates + n})
    ids: dict[tuple[str, str], int] = {k: r.id for k, r in existing.items()}
    if inserts:
        # A plain executemany (RETURNING with row order costs one statement per row on SQLite);
        # the ids that matter (new candidates) are read back in one query.
        await session.execute(insert(table), inserts)
        result.stored = len(inserts)
        wanted = [k for k in new_candidates if k not in ids]
        for source in {src for src, _ in wanted}:
            ids.update({(source, ext): i for i, ext in (await session.execute(
                _IDS, {"source": source, "ids": [ext for src, ext in wanted if src == source]})).all()})
    if updates:
        await session.execute(_UPDATE, updates)
        result.updated = len(updates)
    result.candidates = [ids[k] for k in new_candidates]
    for key, (obs, _n) in latest.items():
        row_status = EventStatus.pending if key in new_candidates else getattr(existing.get(key), "status", None)
        if obs.source == "frigate" and obs.has_snapshot and row_status == EventStatus.pending and (
                key in new_candidates or obs.kind == "end"):
            result.snapshots.append((ids[key], obs.event_id))
    await seen_cameras(session=session, camera_ids=_due({known.cameras[o.camera] for o, _ in latest.values()}),
                       now=now, event=True)
    return result


_marked: dict[int, float] = {}  # camera id -> when this process last marked it seen (monotonic)


def _due(camera_ids: set[int]) -> set[int]:
    """Cameras not marked seen within SEEN_EVERY_S: a busy camera's row is written about once a
    second, not once per batch (offline is a matter of minutes)."""
    at = time.monotonic()
    due = {c for c in camera_ids if at - _marked.get(c, -SEEN_EVERY_S) >= SEEN_EVERY_S}
    _marked.update(dict.fromkeys(due, at))
    return due


def _merge(old: Observation, new: Observation) -> Observation:
    new.start_time = min(old.start_time, new.start_time)
    new.zones = list(dict.fromkeys([*old.zones, *new.zones]))
    new.top_score = max(old.top_score, new.top_score)
    return new


async def seen_cameras(*, session: AsyncSession, camera_ids: set[int], now: datetime, event: bool = False) -> None:
    """The cameras are alive: online now, and any offline incident of theirs is over."""
    if not camera_ids:
        return
    values: dict[str, Any] = {"last_seen_at": now, "status": CameraStatus.online}
    if event:
        values["last_event_at"] = now
    back = (await session.scalars(
        select(Camera.id).where(Camera.id.in_(camera_ids), Camera.status == CameraStatus.offline))).all()
    await session.execute(update(Camera).where(Camera.id.in_(camera_ids)).values(**values)
                          .execution_options(synchronize_session=False))
    if back:
        closed = (await session.scalars(
            update(CameraIncident)
            .where(CameraIncident.camera_id.in_(back), CameraIncident.kind == "offline",
                   CameraIncident.closed_at.is_(None))
            .values(closed_at=now).returning(CameraIncident.id)
            .execution_options(synchronize_session=False))).all()
        for incident_id in closed:
            await flows.camera_incident_closed_flow(session=session, incident_id=incident_id)


async def camera_status(*, session: AsyncSession, code: str, payload: bytes, now: datetime | None = None) -> bool:
    """A message on a camera's status topic: the camera is alive, unless it says it is offline
    (then offline at once, with its incident). False for a camera not in the registry."""
    now = now or utcnow()
    camera = await session.scalar(select(Camera).where(Camera.code == code))
    if camera is None:
        return False
    said = payload.decode("utf-8", "replace").strip().lower()
    if said in ("offline", "off", "disconnected", "false", "0"):
        camera.last_seen_at = now
        await mark_offline(session=session, camera=camera, now=now, reason=f"status: {said}")
    else:
        await seen_cameras(session=session, camera_ids={camera.id}, now=now)
    return True


async def mark_offline(*, session: AsyncSession, camera: Camera, now: datetime, reason: str) -> bool:
    """Offline, with one open incident (True when this opened it)."""
    camera.status = CameraStatus.offline
    _marked.pop(camera.id, None)  # its next event marks it seen again at once
    open_one = await session.scalar(select(CameraIncident.id).where(
        CameraIncident.camera_id == camera.id, CameraIncident.kind == "offline", CameraIncident.closed_at.is_(None)))
    if open_one is not None:
        return False
    incident = CameraIncident(camera_id=camera.id, kind="offline", opened_at=now,
                              detail={"reason": reason, "last_seen_at": camera.last_seen_at.isoformat()
                                      if camera.last_seen_at else None})
    session.add(incident)
    await session.flush()
    await flows.camera_incident_opened_flow(session=session, incident=incident, camera=camera)
    return True


async def offline_watch(*, session: AsyncSession, now: datetime | None = None) -> list[str]:
    """Cameras silent (no event, no status) for CAMERA_OFFLINE_MINUTES become offline."""
    now = now or utcnow()
    limit = now - timedelta(minutes=get_settings().camera_offline_minutes)
    silent = (await session.scalars(select(Camera).where(
        Camera.active.is_(True), Camera.status != CameraStatus.offline,
        func.coalesce(Camera.last_seen_at, Camera.created_at) < limit))).all()
    went = []
    for camera in silent:
        await mark_offline(session=session, camera=camera, now=now, reason="silent")
        went.append(camera.code)
    return went


async def open_incidents(*, session: AsyncSession, camera_id: int | None = None) -> Sequence[CameraIncident]:
    stmt = select(CameraIncident).where(CameraIncident.closed_at.is_(None)).order_by(CameraIncident.opened_at.desc())
    if camera_id is not None:
        stmt = stmt.where(CameraIncident.camera_id == camera_id)
    return (await session.scalars(stmt)).all()
