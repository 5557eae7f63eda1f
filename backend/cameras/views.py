"""JSON API and the signed webhook of the cameras module (thin: parse, call a service, render)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlalchemy import select

from backend.cameras import service, snapshots, traffic, verify
from backend.cameras.frigate import Observation
from backend.cameras.models import Camera, CameraEvent, CameraRule
from backend.cameras.schemas import (
    CameraCreate,
    CameraLayout,
    CameraRead,
    ConfirmIn,
    DismissIn,
    EventRead,
    FlowRead,
    RuleCreate,
    RuleRead,
    TrafficCountsIn,
    WebhookEvent,
)
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.deps import SessionDep
from backend.core.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from backend.reports import media
from backend.reports.media import media_path
from backend.reports.models import Report
from backend.reports.schemas import AreaRef
from backend.staff.deps import StaffActor
from backend.staff.models import Role

router = APIRouter(tags=["cameras"])
MANAGERS = (Role.admin, Role.supervisor)


def _role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied("Không có quyền")


def camera_read(c: Camera) -> CameraRead:
    return CameraRead(code=c.code, name=c.name, kind=c.kind, latitude=c.latitude, longitude=c.longitude,
                      address=c.address, area=AreaRef(code=c.area.code, name=c.area.name) if c.area else None,
                      status=c.status, last_seen_at=c.last_seen_at, last_event_at=c.last_event_at, zones=c.zones,
                      approaches=c.approaches, approach_units=c.approach_units or {})


def rule_read(r: CameraRule, stats: service.RuleStats | None = None) -> RuleRead:
    s = stats or service.RuleStats()
    return RuleRead(id=r.id, code=r.code, name=r.name, camera=r.camera.code if r.camera else None, zone=r.zone,
                    labels=r.labels, min_score=r.min_score, min_duration_s=r.min_duration_s, hours=r.hours,
                    category=r.category, active=r.active, candidates=s.candidates, dismissed=s.dismissed,
                    false_alarm_rate=s.false_alarm_rate)


def event_read(e: CameraEvent, report_code: str | None) -> EventRead:
    return EventRead(id=e.id, camera=e.camera.code, label=e.label, zone=e.zone, score=e.top_score,
                     category=e.category, status=e.status, report=report_code,
                     snapshot_url=f"/api/v1/camera-events/{e.id}/snapshot" if e.snapshot_sha256 else None,
                     rule=e.rule.code if e.rule else None, start_time=e.start_time, end_time=e.end_time,
                     duration_s=((e.end_time or e.last_time) - e.start_time).total_seconds(), reason=e.reason)


# --- registry and rules -------------------------------------------------------------------------


@router.get("/api/v1/cameras")
async def list_cameras(session: SessionDep, actor: StaffActor) -> dict[str, Any]:
    _role(actor, *MANAGERS)
    items = [camera_read(c) for c in await service.list_cameras(session=session)]
    return {"items": items, "total": len(items)}


@router.post("/api/v1/cameras", status_code=201)
async def save_camera(session: SessionDep, actor: StaffActor, body: CameraCreate) -> CameraRead:
    _role(actor, Role.admin)
    return camera_read(await service.save_camera(session=session, camera_in=body))


@router.patch("/api/v1/cameras/{code}")
async def update_layout(session: SessionDep, actor: StaffActor, code: str, body: CameraLayout) -> CameraRead:
    """Zones and approach capacities: each field sent replaces the camera's whole map (a zone or
    approach left out of it is removed); a field not sent stays as it is."""
    _role(actor, Role.admin)
    current = await service.get_camera(session=session, code=code)
    sent = body.model_fields_set
    layout = CameraLayout.model_construct(
        zones=body.zones if "zones" in sent else current.zones,
        approaches=body.approaches if "approaches" in sent else current.approaches,
        approach_units=body.approach_units if "approach_units" in sent or "approaches" in sent
        else current.approach_units or {})
    camera = await service.update_layout(session=session, code=code, layout=layout)
    await session.refresh(camera, ["area"])
    return camera_read(camera)


@router.get("/api/v1/camera-rules")
async def list_rules(session: SessionDep, actor: StaffActor) -> dict[str, Any]:
    _role(actor, *MANAGERS)
    stats = await service.decision_stats(session=session, by="rule")
    items = [rule_read(r, stats.get(r.id)) for r in await service.list_rules(session=session)]
    return {"items": items, "total": len(items)}


@router.post("/api/v1/camera-rules", status_code=201)
async def create_rule(session: SessionDep, actor: StaffActor, body: RuleCreate) -> RuleRead:
    _role(actor, Role.admin)
    return rule_read(await service.save_rule(session=session, rule_in=body))


# --- the verification queue ---------------------------------------------------------------------


async def _report_codes(session: Any, events: Any) -> dict[int, str]:
    ids = [e.report_id for e in events if e.report_id]
    if not ids:
        return {}
    return dict((await session.execute(select(Report.id, Report.code).where(Report.id.in_(ids)))).all())


@router.get("/api/v1/camera-events")
async def list_events(session: SessionDep, actor: StaffActor, status: str | None = None, camera: str | None = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 50,
                      offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    _role(actor, *MANAGERS)
    items, total = await verify.list_events(session=session, flt=verify.EventFilter(status, camera, limit, offset))
    codes = await _report_codes(session, items)
    return {"items": [event_read(e, codes.get(e.report_id or 0)) for e in items], "total": total}


@router.get("/api/v1/camera-events/{event_id}")
async def get_event(session: SessionDep, actor: StaffActor, event_id: int) -> dict[str, Any]:
    _role(actor, *MANAGERS)
    event = await verify.get_event(session=session, event_id=event_id)
    codes = await _report_codes(session, [event])
    nearby = await verify.duplicates(session=session, event=event) if event.status == "pending" else []
    return {**event_read(event, codes.get(event.report_id or 0)).model_dump(mode="json"),
            "possible_duplicates": [r.code for r in nearby]}


@router.get("/api/v1/camera-events/{event_id}/snapshot", include_in_schema=False)
async def snapshot(session: SessionDep, actor: StaffActor, event_id: int) -> FileResponse:
    event = await verify.get_event(session=session, event_id=event_id)
    if not event.snapshot_sha256 or not event.snapshot_type:
        raise NotFound("Sự kiện không có ảnh")
    return FileResponse(media_path(event.snapshot_sha256, event.snapshot_type), media_type=event.snapshot_type,
                        headers={"Cache-Control": "private, max-age=3600"})


@router.post("/api/v1/camera-events/{event_id}/confirm")
async def confirm(session: SessionDep, actor: StaffActor, event_id: int, body: ConfirmIn) -> dict[str, Any]:
    report = await verify.confirm(session=session, event_id=event_id, actor=actor, category=body.category,
                                  note=body.note, link_to=body.link_to)
    return {"report": report.code, "linked": bool(body.link_to)}


@router.post("/api/v1/camera-events/{event_id}/dismiss")
async def dismiss(session: SessionDep, actor: StaffActor, event_id: int, body: DismissIn) -> dict[str, Any]:
    event = await verify.dismiss(session=session, event_id=event_id, actor=actor, reason=body.reason)
    return {"id": event.id, "status": event.status}


# --- events from other NVRs ---------------------------------------------------------------------


def check_signature(body: bytes, header: str | None) -> None:
    secret = get_settings().camera_webhook_secret
    if not secret:
        raise AuthenticationFailed("Webhook camera chưa được cấu hình (CAMERA_WEBHOOK_SECRET)")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not header or not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise AuthenticationFailed("Chữ ký X-Signature không hợp lệ")


@router.post("/webhooks/camera")
async def camera_webhook(request: Request, session: SessionDep) -> dict[str, Any]:
    body = await request.body()
    check_signature(body, request.headers.get("x-signature"))
    try:
        event = WebhookEvent.model_validate_json(body)
    except ValidationError as exc:
        raise ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                                         )) from exc
    await service.get_camera(session=session, code=event.camera)
    if event.end_time is not None and event.end_time < event.start_time:
        raise ValidationFailed("end_time trước start_time", field="end_time")
    image = snapshots.decode_b64(event.snapshot_b64) if event.snapshot_b64 else None
    if image is not None:
        media.inspect(image)  # not an image (by its content): 422, nothing stored
    obs = Observation(source="webhook", event_id=event.event_id, camera=event.camera, label=event.label,
                      score=event.score, top_score=event.score, start_time=event.start_time,
                      last_time=event.end_time or event.start_time, end_time=event.end_time,
                      zones=[event.zone] if event.zone else [], kind="end" if event.end_time else "update",
                      has_snapshot=image is not None)
    result = await service.ingest(session=session, observations=[obs])
    row_id = await session.scalar(select(CameraEvent.id).where(CameraEvent.source == "webhook",
                                                             CameraEvent.external_id == event.event_id))
    if image is not None and row_id is not None:
        await snapshots.store(session=session, event_id=row_id, data=image)
    return {"id": row_id, "created": bool(result.stored), "candidate": bool(result.candidates)}


# --- traffic ------------------------------------------------------------------------------------


@router.post("/api/v1/traffic/counts", status_code=201)
async def traffic_counts(session: SessionDep, actor: StaffActor, body: TrafficCountsIn) -> dict[str, Any]:
    _role(actor, *MANAGERS)
    return await traffic.record(session=session, counts_in=body)


@router.get("/api/v1/traffic/flow")
async def traffic_flow(session: SessionDep, actor: StaffActor, camera: str,
                       from_: Annotated[datetime, Query(alias="from")],
                       to: datetime) -> dict[str, Any]:
    _role(actor, *MANAGERS)
    rows = await traffic.flow(session=session, camera_code=camera, start=from_, end=to)
    return {"items": [FlowRead(**r) for r in rows], "total": len(rows)}


@router.get("/api/v1/traffic/peak-hour")
async def traffic_peak_hour(session: SessionDep, actor: StaffActor, camera: str, day: date) -> dict[str, Any]:
    _role(actor, *MANAGERS)
    found = await traffic.peak_hour(session=session, camera_code=camera, day=day)
    return {"items": [{"direction": d, **v} for d, v in found.items()]}
