"""The verification queue: candidates an operator confirms (a report is filed through
`reports.service.create`, channel `camera`, the snapshot attached) or dismisses with a reason;
candidates nobody verified expire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras.models import Camera, CameraEvent, EventStatus
from backend.catalog import service as catalog_service
from backend.catalog.models import Category
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from backend.reports import media
from backend.reports import service as reports_service
from backend.reports.models import Report
from backend.reports.schemas import ReportCreate
from backend.staff.models import Role

VERIFIERS = (Role.admin, Role.supervisor)
LABELS_VI = {
    "person": "người", "car": "ô tô", "motorcycle": "xe máy", "bus": "xe buýt", "truck": "xe tải",
    "bicycle": "xe đạp",
}


@dataclass
class EventFilter:
    status: str | None = None
    camera: str | None = None
    limit: int = 50
    offset: int = 0


async def list_events(*, session: AsyncSession, flt: EventFilter) -> tuple[Sequence[CameraEvent], int]:
    """Candidates (events that matched a rule), newest first; `status` narrows them."""
    if flt.status is not None and flt.status not in {s.value for s in EventStatus} - {"observed"}:
        raise ValidationFailed("status phải là pending, confirmed, dismissed hoặc expired", field="status")
    where = [CameraEvent.status == flt.status] if flt.status else [CameraEvent.status != EventStatus.observed]
    if flt.camera:
        camera_id = await session.scalar(select(Camera.id).where(Camera.code == flt.camera))
        if camera_id is None:
            raise NotFound(f"Không có camera mã {flt.camera}", field="camera")
        where.append(CameraEvent.camera_id == camera_id)
    total = await session.scalar(select(func.count()).select_from(CameraEvent).where(*where)) or 0
    items = (await session.scalars(
        select(CameraEvent).where(*where).order_by(CameraEvent.start_time.desc(), CameraEvent.id.desc())
        .limit(flt.limit).offset(flt.offset))).all()
    return items, total


async def camera_history(*, session: AsyncSession, camera_id: int, limit: int = 50) -> Sequence[CameraEvent]:
    """Everything one camera saw lately, candidates or not."""
    return (await session.scalars(
        select(CameraEvent).where(CameraEvent.camera_id == camera_id)
        .order_by(CameraEvent.start_time.desc(), CameraEvent.id.desc()).limit(limit))).all()


async def get_event(*, session: AsyncSession, event_id: int, lock: bool = False) -> CameraEvent:
    stmt = select(CameraEvent).where(CameraEvent.id == event_id)
    if lock and session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=CameraEvent)
    event = await session.scalar(stmt)
    if event is None or event.status == EventStatus.observed:
        raise NotFound("Không tìm thấy sự kiện camera")
    return event


def _check(actor: Actor) -> None:
    if actor.kind != "staff" or actor.role not in VERIFIERS:
        raise PermissionDenied("Chỉ giám sát viên, quản trị xác minh sự kiện camera")


def _pending(event: CameraEvent) -> None:
    if event.status != EventStatus.pending:
        raise InvalidTransition(f"Sự kiện đã được xử lý ({event.status})")


async def duplicates(*, session: AsyncSession, event: CameraEvent, category: str | None = None) -> list[Report]:
    """Open reports of the (suggested) category within the duplicate radius of the camera."""
    ref = await catalog_service.reference(session=session)
    category_id = ref.category_ids.get(category or event.category or "")
    if category_id is None:
        return []
    return await reports_service.nearby_open(session=session, category_id=category_id,
                                             latitude=event.camera.latitude, longitude=event.camera.longitude)


def describe(event: CameraEvent, category_name: str, note: str | None) -> str:
    camera = event.camera
    at = event.start_time.astimezone(ZoneInfo(get_settings().timezone)).strftime("%H:%M %d/%m/%Y")
    zone = camera.zones.get(event.zone or "", event.zone) if event.zone else None
    seen = LABELS_VI.get(event.label, event.label)
    minutes = int(((event.end_time or event.last_time) - event.start_time).total_seconds() // 60)
    text = (f"{category_name}: camera {camera.name} phát hiện {seen}"
            f"{f' tại {zone}' if zone else ''} lúc {at}"
            f"{f', trong {minutes} phút' if minutes >= 1 else ''} (đã được cán bộ IOC xác minh).")
    return f"{text} {note.strip()}" if note and note.strip() else text


async def _attach_snapshot(session: AsyncSession, event: CameraEvent, report: Report, actor: Actor) -> None:
    if not event.snapshot_sha256 or not event.snapshot_type:
        return
    path = media.media_path(event.snapshot_sha256, event.snapshot_type)
    if path.exists():
        await reports_service.add_photo(session=session, report=report, data=path.read_bytes(), actor=actor)


async def confirm(*, session: AsyncSession, event_id: int, actor: Actor, category: str | None = None,
                  note: str | None = None, link_to: str | None = None) -> Report:
    """File the candidate as a report (or, with `link_to`, add its evidence to that open report)."""
    _check(actor)
    event = await get_event(session=session, event_id=event_id, lock=True)
    _pending(event)
    if link_to:
        report = await reports_service.get(session=session, code=link_to, actor=actor)
        if not report.is_open:
            raise InvalidTransition("Chỉ gộp vào phản ánh đang mở")
        await _attach_snapshot(session, event, report, actor)
        reports_service.add_event(session, report, actor, "camera_evidence", public=False,
                                  note=describe(event, report.category.name, note),
                                  data={"camera": event.camera.code, "event": event.id})
    else:
        ref = await catalog_service.reference(session=session)
        code = category or event.category or "other"
        if code not in ref.category_ids:
            raise ValidationFailed(f"Lĩnh vực không tồn tại: {code}", field="category")
        name = ref.row_object(Category, ref.category_ids[code])
        created = await reports_service.create(
            session=session, actor=actor, channel="camera",
            report_in=ReportCreate(description=describe(event, name.name if name else code, note),
                                   latitude=event.camera.latitude, longitude=event.camera.longitude,
                                   address=event.camera.address, category=code, channel="camera"))
        report = created.report
        await _attach_snapshot(session, event, report, actor)
        event.category = code
    event.status = EventStatus.confirmed
    event.report_id = report.id
    event.decided_by_id = actor.user.id if actor.user else None
    event.decided_at = utcnow()
    event.reason = note
    await session.flush()
    return report


async def dismiss(*, session: AsyncSession, event_id: int, actor: Actor, reason: str) -> CameraEvent:
    _check(actor)
    if not reason.strip():
        raise ValidationFailed("Cần nêu lý do", field="reason")
    event = await get_event(session=session, event_id=event_id, lock=True)
    _pending(event)
    event.status = EventStatus.dismissed
    event.reason = reason.strip()[:500]
    event.decided_by_id = actor.user.id if actor.user else None
    event.decided_at = utcnow()
    await session.flush()
    return event


async def expire_pending(*, session: AsyncSession, now: datetime | None = None) -> int:
    """Candidates older than CAMERA_PENDING_HOURS leave the queue (their evidence stays with the
    event; a confirmed event's snapshot lives as long as its report)."""
    now = now or utcnow()
    limit = now - timedelta(hours=get_settings().camera_pending_hours)
    result = await session.execute(
        update(CameraEvent).where(CameraEvent.status == EventStatus.pending, CameraEvent.candidate_at < limit)
        .values(status=EventStatus.expired, decided_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
