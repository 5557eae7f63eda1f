"""Reports: create (classify -> place -> route -> duplicates -> deadline), read, list,
transition (the only place a status changes), rate, photos, support."""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from backend.catalog import service as catalog_service
from backend.catalog.models import Agency, Area, Category
from backend.citizens.models import Citizen
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import attach, utcnow
from backend.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from backend.geo import service as geo_service
from backend.reports import media
from backend.reports.models import (
    OPEN_SQL,
    OPEN_STATUSES,
    Attachment,
    Rating,
    Report,
    ReportEvent,
    Status,
    Supporter,
)
from backend.reports.schemas import ReportCreate
from backend.staff.models import Role
from nlu import service as nlu_service

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read over the phone
CODE_LENGTH = 6


def new_code() -> str:
    return "PA-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    return text.strip().upper()


# (action) -> (allowed from-statuses, to-status)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "assign": (frozenset({Status.new, Status.assigned, Status.in_progress}), Status.assigned),
    "start": (frozenset({Status.assigned}), Status.in_progress),
    "resolve": (frozenset({Status.assigned, Status.in_progress}), Status.resolved),
    "reject": (frozenset({Status.new, Status.assigned}), Status.rejected),
    "reopen": (frozenset({Status.resolved}), Status.assigned),
    "close": (frozenset({Status.resolved}), Status.closed),
}

# Which actions each kind of actor may take (agency scope checked separately).
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.admin: frozenset(TRANSITIONS),
    Role.supervisor: frozenset(TRANSITIONS),
    Role.officer: frozenset({"assign", "start", "resolve", "reject"}),
    Role.hotline: frozenset(),
    "citizen": frozenset({"reopen"}),
    "system": frozenset({"close", "assign"}),
}

ACTION_LABELS = {
    "create": "Tiếp nhận phản ánh",
    "assign": "Chuyển xử lý",
    "reassign": "Chuyển đơn vị xử lý",
    "start": "Bắt đầu xử lý",
    "resolve": "Đã xử lý",
    "reject": "Từ chối",
    "reopen": "Mở lại",
    "close": "Đóng",
    "rate": "Đánh giá",
    "recategorize": "Đổi lĩnh vực",
    "photo": "Thêm ảnh",
    "support": "Ủng hộ phản ánh",
    "duplicate": "Gộp trùng",
    "escalate": "Quá hạn, báo cáo lãnh đạo",
    "remind": "Nhắc hạn xử lý",
    "notify_failed": "Không gửi được tin nhắn cho người dân",
    "camera_evidence": "Thêm bằng chứng từ camera",
}


@dataclass
class Created:
    report: Report
    duplicates: list[Near] = field(default_factory=list)  # open reports nearby, same category


def _actor_fields(actor: Actor) -> dict[str, Any]:
    return {
        "actor_kind": actor.kind,
        "actor_user_id": actor.user.id if actor.user else None,
        "actor_label": actor.label,
    }


def add_event(
    session: AsyncSession,
    report: Report,
    actor: Actor,
    action: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    public: bool = True,
    data: dict[str, Any] | None = None,
) -> ReportEvent:
    event = ReportEvent(
        report_id=report.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        public=public,
        data=data,
        at=utcnow(),
        **_actor_fields(actor),
    )
    session.add(event)
    return event


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


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


@dataclass(frozen=True)
class Near:
    """An open report near a point (what a new report's duplicate check needs)."""

    id: int
    code: str
    distance_m: float


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


async def nearby_open(*, session: AsyncSession, **criteria: Any) -> list[Report]:
    """`nearby_open_refs` (same criteria) as full reports, with category, area and agency."""
    near = await nearby_open_refs(session=session, **criteria)
    if not near:
        return []
    found = {r.id: r for r in (await session.scalars(select(Report).where(Report.id.in_([n.id for n in near]))))}
    return [found[n.id] for n in near if n.id in found]


async def _place(
    session: AsyncSession, latitude: float | None, longitude: float | None, address: str | None
) -> tuple[float, float, str | None, str | None]:
    """(latitude, longitude, address, area code) of a new report, from a point or an address."""
    if (latitude is None) != (longitude is None):
        raise ValidationFailed("Cần cả vĩ độ và kinh độ / latitude and longitude go together", field="latitude")
    if latitude is not None and longitude is not None:
        gazetteer = await geo_service.gazetteer(session=session)
        record = gazetteer.locate(latitude, longitude)
        if record is None:
            raise ValidationFailed(
                "Vị trí nằm ngoài tỉnh Đắk Lắk / the location is outside the province", field="latitude"
            )
        return latitude, longitude, address, record.code
    if address:
        found = await geo_service.geocode(session=session, address=address)
        if found is None:
            raise ValidationFailed(
                "Không tìm thấy địa chỉ trong tỉnh; hãy ghi rõ phường/xã / address not found in the province",
                field="address",
            )
        return found.latitude, found.longitude, address, found.area_code
    raise ValidationFailed("Cần vị trí hoặc địa chỉ / a location or an address is required", field="address")


@lru_cache(maxsize=4)
def _report_insert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (code) DO NOTHING RETURNING id, built once per dialect; the values
    travel as parameters, so the compiled statement is reused."""
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Report)
    return ins.on_conflict_do_nothing(index_elements=["code"]).returning(Report.id)


_EVENT_INSERT = insert(ReportEvent).returning(ReportEvent.id, sort_by_parameter_order=True)


_REPORT_COLUMNS = tuple(c.key for c in Report.__table__.columns if c.key != "id")


async def _insert_report(session: AsyncSession, **values: Any) -> Report:
    """Insert a report with a fresh tracking code (ON CONFLICT DO NOTHING: a taken code, one in a
    billion, draws another without a savepoint) and return it as a persistent object."""
    row = dict.fromkeys(_REPORT_COLUMNS)
    row.update(supporters_count=0, reopen_count=0)
    row.update(values)
    conn = await session.connection()
    stmt = _report_insert(conn.dialect.name)
    for _ in range(5):
        new_id = (await conn.execute(stmt, row)).scalar()
        if new_id is not None:
            return attach(session, Report, {**row, "id": new_id})
        row["code"] = new_code()
    raise ValidationFailed("Không cấp được mã phản ánh, hãy thử lại / could not allocate a tracking code, try again")


_EVENT_COLUMNS = tuple(c.key for c in ReportEvent.__table__.columns if c.key != "id")


async def _insert_events(
    session: AsyncSession, report: Report, entries: list[tuple[Actor, str, dict[str, Any]]]
) -> list[ReportEvent]:
    """`add_event` for a report being created: one Core insert for all its first events, which are
    attached as persistent objects."""
    rows = []
    for actor, action, values in entries:
        row = dict.fromkeys(_EVENT_COLUMNS)
        row.update(report_id=report.id, action=action, public=True, **_actor_fields(actor))
        row.update(values)
        rows.append(row)
    conn = await session.connection()
    ids = (await conn.execute(_EVENT_INSERT, rows)).scalars().all()
    return [attach(session, ReportEvent, {**row, "id": i}) for i, row in zip(ids, rows, strict=True)]


async def create(
    *,
    session: AsyncSession,
    report_in: ReportCreate,
    actor: Actor,
    citizen: Citizen | None = None,
    channel: str | None = None,
) -> Created:
    """Validate -> classify -> place -> route -> deadline -> store with its first timeline events
    -> look for duplicates nearby (offered, never dropped) -> queue the citizen's receipt."""
    settings = get_settings()
    if len(report_in.description) > settings.description_max_chars:
        raise ValidationFailed(f"Mô tả dài quá {settings.description_max_chars} ký tự", field="description")
    ref = await catalog_service.reference(session=session)
    if report_in.category:
        if report_in.category not in ref.category_ids:
            raise ValidationFailed(f"Lĩnh vực không tồn tại / unknown category: {report_in.category}", field="category")
        category_code, confidence, unsure = report_in.category, 1.0, False
        source = "staff" if actor.kind == "staff" else "citizen"
    else:
        result = await nlu_service.classify(report_in.description)
        category_code, confidence, unsure, source = result.category, result.confidence, result.unsure, "nlu"
    latitude, longitude, address, area_code = await _place(
        session, report_in.latitude, report_in.longitude, report_in.address
    )
    category_id = ref.category_ids[category_code]
    area_id = ref.area_ids.get(area_code) if area_code else None
    routed = catalog_service.route_ids(ref, category_id, area_id)
    now = utcnow()
    due = catalog_service.deadline_for(ref, category_id, report_in.priority, now)

    # The rows the report points at, from the reference cache: its relationships stay usable.
    category = ref.row_object(Category, category_id)
    agency = ref.row_object(Agency, routed.agency_id)
    area = ref.row_object(Area, area_id)
    # Everything above is CPU and per-process caches; from here the transaction (on SQLite, the
    # write lock all worker processes share) is held until the caller commits.
    duplicates = await nearby_open_refs(
        session=session, category_id=category_id, latitude=latitude, longitude=longitude
    )
    status = Status.new if routed.triage else Status.assigned
    report = await _insert_report(
        session,
        code=new_code(),
        description=report_in.description,
        category_id=category_id,
        category_confidence=confidence,
        category_source=source,
        category_unsure=unsure,
        latitude=latitude,
        longitude=longitude,
        address=address,
        area_id=area_id,
        agency_id=routed.agency_id,
        status=status,
        priority=report_in.priority,
        due_at=due,
        channel=channel or report_in.channel or ("hotline" if actor.kind == "staff" else "api"),
        citizen_id=citizen.id if citizen else None,
        reporter_name=report_in.name or (citizen.display_name if citizen else None),
        reporter_phone=report_in.phone or (citizen.phone if citizen else None),
        created_by_id=actor.user.id if actor.user else None,
        created_at=now,
        updated_at=now,
        assigned_at=None if routed.triage else now,
    )
    first: list[tuple[Actor, str, dict[str, Any]]] = [
        (
            actor,
            "create",
            {"to_status": Status.new, "at": now,
             "data": {"category": category_code, "confidence": confidence, "source": source}},
        )
    ]
    if not routed.triage and agency is not None:
        first.append(
            (
                Actor.system(),
                "assign",
                {"from_status": Status.new, "to_status": Status.assigned, "note": agency.name, "at": now,
                 "data": {"agency": agency.code, "rule": routed.rule_id}},
            )
        )
    events = await _insert_events(session, report, first)
    # A new report's relationships are known: fill them so callers can render it without reloading.
    set_committed_value(report, "category", category)
    set_committed_value(report, "agency", agency)
    set_committed_value(report, "area", area)
    set_committed_value(report, "events", events)
    set_committed_value(report, "attachments", [])
    set_committed_value(report, "rating", None)
    set_committed_value(report, "duplicate_of", None)
    from backend.reports import flows  # local: flows import this module

    await flows.report_created_flow(session=session, report=report)
    return Created(report=report, duplicates=duplicates)


def _load_options() -> list[Any]:
    return [
        selectinload(Report.attachments),
        selectinload(Report.events),
        joinedload(Report.rating),
        joinedload(Report.duplicate_of),
    ]


def can_see(actor: Actor, report: Report) -> bool:
    if actor.kind == "staff" and actor.user is not None:
        if actor.user.role == Role.officer:
            return report.agency_id is not None and report.agency_id == actor.user.agency_id
        return True
    return actor.kind == "system"


async def get(*, session: AsyncSession, code: str, actor: Actor | None = None, lock: bool = False) -> Report:
    """One report with its timeline. An officer asking for another agency's report gets
    NotFound, not Forbidden: its existence is not theirs to know."""
    stmt = (
        select(Report)
        .where(Report.code == normalize_code(code))
        .options(*_load_options())
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(of=Report)
    report = await session.scalar(stmt)
    if report is None or (actor is not None and not can_see(actor, report)):
        raise NotFound(f"Không tìm thấy phản ánh {normalize_code(code)} / report not found")
    return report


async def get_public(*, session: AsyncSession, code: str) -> Report:
    return await get(session=session, code=code)


@dataclass
class ReportFilter:
    status: str | None = None
    category: str | None = None
    agency: str | None = None
    area: str | None = None
    channel: str | None = None
    q: str | None = None
    overdue: bool | None = None
    sort: str = "-created_at"
    limit: int = 50
    offset: int = 0


SORTS = {
    "created_at": Report.created_at.asc(),
    "-created_at": Report.created_at.desc(),
    "due_at": Report.due_at.asc(),
    "-due_at": Report.due_at.desc(),
    "updated_at": Report.updated_at.asc(),
    "-updated_at": Report.updated_at.desc(),
}


def _filtered(stmt: Select[Any], flt: ReportFilter, actor: Actor) -> Select[Any]:
    if actor.user is not None and actor.user.role == Role.officer:
        stmt = stmt.where(Report.agency_id == actor.user.agency_id)
    if flt.status:
        statuses = [s for s in flt.status.split(",") if s]
        unknown = set(statuses) - set(Status)
        if unknown:
            raise ValidationFailed(f"Trạng thái không hợp lệ / unknown status: {', '.join(sorted(unknown))}")
        stmt = stmt.where(text(OPEN_SQL) if set(statuses) == set(OPEN_STATUSES) else Report.status.in_(statuses))
    if flt.category:
        stmt = stmt.where(
            Report.category_id == select(Category.id).where(Category.code == flt.category).scalar_subquery()
        )
    if flt.agency:
        stmt = stmt.where(Report.agency_id == select(Agency.id).where(Agency.code == flt.agency).scalar_subquery())
    if flt.area:
        stmt = stmt.where(Report.area_id == select(Area.id).where(Area.code == flt.area).scalar_subquery())
    if flt.channel:
        stmt = stmt.where(Report.channel == flt.channel)
    if flt.overdue is not None:
        overdue = and_(text(OPEN_SQL), Report.due_at < utcnow())
        stmt = stmt.where(overdue if flt.overdue else ~overdue)
    if flt.q:
        stmt = stmt.where(_search(flt.q)[1])
    return stmt


def _search(q: str) -> tuple[str, Any]:
    """(kind, condition) of a queue search. A tracking code matches exactly; digits match phone
    numbers from the start (an index range: hotline staff type what the caller says); anything
    else is a substring of the description or the address (trigram indexes on PostgreSQL)."""
    q = q.strip()
    if q.upper().startswith("PA-"):
        return "code", Report.code == q.upper()
    digits = "".join(ch for ch in q if ch.isdigit() or ch == "+")
    if len(digits) >= 3 and len(digits) == len(q.replace(" ", "").replace(".", "")):
        return "phone", and_(Report.reporter_phone >= digits, Report.reporter_phone < digits + ":")
    like = f"%{q}%"
    return "text", or_(Report.description.ilike(like), Report.address.ilike(like))


# A substring search cannot be counted from an index: its total stops at this many (+1 = "more").
SEARCH_COUNT_CAP = 1000


async def count_reports(*, session: AsyncSession, actor: Actor, flt: ReportFilter) -> int:
    if flt.q and flt.q.strip() and _search(flt.q)[0] == "text":
        inner = _filtered(select(Report.id), flt, actor).limit(SEARCH_COUNT_CAP + 1).subquery()
        return await session.scalar(select(func.count()).select_from(inner)) or 0
    return await session.scalar(_filtered(select(func.count(Report.id)), flt, actor)) or 0


async def list_reports(*, session: AsyncSession, actor: Actor, flt: ReportFilter) -> tuple[Sequence[Report], int]:
    if flt.sort not in SORTS:
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}")
    if not 1 <= flt.limit <= 500 or flt.offset < 0:
        raise ValidationFailed("limit must be 1..500 and offset >= 0")
    total = await count_reports(session=session, actor=actor, flt=flt)
    stmt = _filtered(select(Report), flt, actor).order_by(SORTS[flt.sort], Report.id.desc())
    items = (await session.scalars(stmt.limit(flt.limit).offset(flt.offset))).all()
    return items, total


def _check_role(actor: Actor, action: str, report: Report) -> None:
    key = actor.user.role if actor.kind == "staff" and actor.user else actor.kind
    if action not in ROLE_ACTIONS.get(key, frozenset()):
        raise PermissionDenied(f"Vai trò này không được thực hiện '{action}' / your role may not {action}")
    if actor.kind == "staff" and actor.user and actor.user.role == Role.officer:
        if report.agency_id != actor.user.agency_id:
            raise NotFound(f"Không tìm thấy phản ánh {report.code} / report not found")
    if actor.kind == "citizen":
        if actor.citizen is None or report.citizen_id != actor.citizen.id:
            raise PermissionDenied("Chỉ người gửi mới mở lại được phản ánh / only the reporter may reopen")


async def transition(
    *,
    session: AsyncSession,
    report: Report,
    action: str,
    actor: Actor,
    note: str | None = None,
    agency_code: str | None = None,
    photo: bytes | None = None,
) -> Report:
    """Change a report's status: checks the table, the role and scope, writes the timeline
    event, and hands side effects to flows."""
    if action not in TRANSITIONS:
        raise ValidationFailed(f"Hành động không hợp lệ / unknown action: {action}", field="action")
    _check_role(actor, action, report)
    allowed_from, to_status = TRANSITIONS[action]
    if report.status not in allowed_from:
        raise InvalidTransition(
            f"Không thể '{action}' khi phản ánh đang '{report.status}' / cannot {action} a {report.status} report"
        )
    note = (note or "").strip() or None
    now = utcnow()
    event_action = action
    data: dict[str, Any] = {}

    if action == "assign":
        target = report.agency
        if agency_code:
            target = await catalog_service.get_agency(session=session, code=agency_code)
        if target is None:
            raise ValidationFailed("Cần chọn đơn vị xử lý / an agency is required", field="agency")
        moving = target.id != report.agency_id
        if report.status != Status.new and not moving:
            raise InvalidTransition("Phản ánh đã ở đơn vị này / the report is already with this agency")
        if moving and report.agency_id is not None and report.status != Status.new and not note:
            raise ValidationFailed("Chuyển đơn vị cần nêu lý do / reassigning requires a reason", field="note")
        if moving and actor.user is not None and actor.user.role == Role.officer and not note:
            raise ValidationFailed("Chuyển đơn vị cần nêu lý do / reassigning requires a reason", field="note")
        if moving:
            data = {"from_agency": report.agency.code if report.agency else None, "agency": target.code}
            event_action = "reassign" if report.agency_id is not None and report.status != Status.new else "assign"
            report.agency_id, report.agency = target.id, target
        report.assigned_at = now
        note = note or target.name
    elif action == "resolve":
        if not note:
            raise ValidationFailed("Cần ghi kết quả xử lý / resolving requires a note", field="note")
        report.resolved_at = now
        report.resolution_note = note
    elif action == "reject":
        if not note:
            raise ValidationFailed("Cần nêu lý do từ chối / rejecting requires a reason", field="note")
        report.closed_at = now
        report.resolution_note = note
    elif action == "start":
        report.started_at = now
    elif action == "reopen":
        if actor.kind == "citizen" and report.resolved_at is not None:
            if now - report.resolved_at > timedelta(days=get_settings().rating_window_days):
                raise InvalidTransition("Đã quá hạn mở lại / too late to reopen")
        report.reopen_count += 1
        report.resolved_at = None
        report.escalated_at = None
        report.reminded_at = None
        report.rating_requested_at = None
        due = await catalog_service.deadline(
            session=session, category=report.category, priority=report.priority, start=now
        )
        report.due_at = due
    elif action == "close":
        report.closed_at = now

    stored: Attachment | None = None
    if photo is not None:
        if action != "resolve":
            raise ValidationFailed("Chỉ gửi ảnh sau xử lý khi báo đã xử lý / after-photo goes with resolve")
        stored = await add_photo(session=session, report=report, data=photo, actor=actor, kind="after")
        data["photo"] = stored.id

    from_status = report.status
    report.status = to_status
    report.updated_at = now
    add_event(
        session, report, actor, event_action, from_status=from_status, to_status=to_status, note=note, data=data or None
    )
    await session.flush()
    from backend.reports import flows

    await flows.report_status_changed_flow(session=session, report=report, previous=from_status, action=event_action)
    return report


async def add_photo(
    *, session: AsyncSession, report: Report, data: bytes, actor: Actor, kind: str = "before"
) -> Attachment:
    settings = get_settings()
    count = await session.scalar(
        select(func.count(Attachment.id)).where(Attachment.report_id == report.id, Attachment.kind == kind)
    )
    if (count or 0) >= settings.photos_per_report:
        raise ValidationFailed(f"Tối đa {settings.photos_per_report} ảnh / at most {settings.photos_per_report} photos")
    stored = media.store(data)
    attachment = Attachment(
        report_id=report.id,
        sha256=stored.sha256,
        content_type=stored.content_type,
        size=stored.size,
        width=stored.width,
        height=stored.height,
        kind=kind,
        source="staff" if actor.kind == "staff" else "citizen",
        uploaded_by_id=actor.user.id if actor.user else None,
        public=False,
    )
    session.add(attachment)
    await session.flush()
    add_event(
        session, report, actor, "photo", note=None, public=False, data={"attachment": attachment.id, "kind": kind}
    )
    return attachment


async def set_photo_public(
    *, session: AsyncSession, report: Report, attachment_id: int, public: bool, actor: Actor
) -> Attachment:
    if actor.kind != "staff":
        raise PermissionDenied("Chỉ cán bộ duyệt ảnh / staff only")
    _check_scope(actor, report)
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.report_id != report.id:
        raise NotFound("Không tìm thấy ảnh / photo not found")
    attachment.public = public
    add_event(
        session,
        report,
        actor,
        "photo",
        public=False,
        note="Duyệt công khai ảnh" if public else "Ẩn ảnh",
        data={"attachment": attachment.id, "public": public},
    )
    return attachment


def _check_scope(actor: Actor, report: Report) -> None:
    if not can_see(actor, report):
        raise NotFound(f"Không tìm thấy phản ánh {report.code} / report not found")


async def recategorize(*, session: AsyncSession, report: Report, category_code: str, actor: Actor) -> Report:
    """Staff correction (or the citizen's pick when the NLU was unsure); re-routes a report
    still in triage."""
    if actor.kind == "staff":
        _check_scope(actor, report)
        if actor.user is not None and actor.user.role == Role.hotline and report.status != Status.new:
            raise PermissionDenied("Tổng đài chỉ sửa lĩnh vực phản ánh mới / hotline may only fix new reports")
    category = await catalog_service.get_category(session=session, code=category_code)
    if category.id == report.category_id:
        return report
    old = report.category.code
    report.category_id, report.category = category.id, category
    report.category_source = "staff" if actor.kind == "staff" else "citizen"
    report.category_unsure = False
    add_event(
        session,
        report,
        actor,
        "recategorize",
        public=False,
        data={"from": old, "to": category.code},
        note=f"{old} → {category.code}",
    )
    if report.status == Status.new:
        routed = await catalog_service.route(session=session, category=category, area=report.area)
        if routed.agency_id is not None:
            report.agency_id = routed.agency_id
            report.agency = await session.get(Agency, routed.agency_id)
    await session.flush()
    return report


async def rate(
    *,
    session: AsyncSession,
    report: Report,
    stars: int,
    actor: Actor,
    comment: str | None = None,
    source: str = "chat",
) -> tuple[Rating, bool]:
    """Record (or replace) the citizen's rating; returns (rating, offer_reopen)."""
    if not 1 <= stars <= 5:
        raise ValidationFailed("Đánh giá từ 1 đến 5 sao / stars must be 1..5", field="stars")
    if actor.kind == "staff" and actor.user is not None and actor.user.role == Role.officer:
        raise PermissionDenied("Cán bộ xử lý không tự đánh giá / officers may not rate")
    if actor.kind == "citizen" and actor.citizen is not None and report.citizen_id not in (None, actor.citizen.id):
        supporter = await session.scalar(
            select(Supporter).where(Supporter.report_id == report.id, Supporter.citizen_id == actor.citizen.id)
        )
        if supporter is None:
            raise PermissionDenied("Chỉ người gửi được đánh giá / only the reporter may rate")
    if report.status not in (Status.resolved, Status.closed) or report.resolved_at is None:
        raise InvalidTransition("Chỉ đánh giá phản ánh đã xử lý / only resolved reports can be rated")
    if utcnow() - report.resolved_at > timedelta(days=get_settings().rating_window_days):
        raise InvalidTransition("Đã quá 14 ngày để đánh giá / the rating window has closed")
    rating = await session.scalar(select(Rating).where(Rating.report_id == report.id))
    comment = (comment or "").strip() or None
    if rating is None:
        rating = Rating(report_id=report.id, stars=stars, comment=comment, source=source)
        session.add(rating)
    else:
        rating.stars, rating.comment, rating.source, rating.updated_at = stars, comment, source, utcnow()
    add_event(session, report, actor, "rate", note=comment, data={"stars": stars})
    await session.flush()
    return rating, stars <= 2


async def support(*, session: AsyncSession, report: Report, citizen: Citizen) -> bool:
    """A citizen adds their voice to an open report; True when newly added."""
    if not report.is_open:
        raise InvalidTransition("Phản ánh này đã đóng / this report is no longer open")
    if report.citizen_id == citizen.id:
        return False
    exists = await session.scalar(
        select(Supporter.id).where(Supporter.report_id == report.id, Supporter.citizen_id == citizen.id)
    )
    if exists:
        return False
    session.add(Supporter(report_id=report.id, citizen_id=citizen.id))
    report.supporters_count += 1
    add_event(session, report, Actor.of_citizen(citizen), "support", public=True)
    await session.flush()
    return True


async def mark_duplicate(*, session: AsyncSession, report: Report, original_code: str, actor: Actor) -> Report:
    """Merge as duplicate: the report is closed into the original, its reporter becomes a supporter."""
    if (
        actor.kind != "staff"
        or actor.user is None
        or actor.user.role not in (Role.admin, Role.supervisor, Role.officer)
    ):
        raise PermissionDenied("Không có quyền gộp trùng / not allowed to merge")
    _check_scope(actor, report)
    original = await get(session=session, code=original_code, actor=actor)
    if original.id == report.id or original.duplicate_of_id == report.id:
        raise ValidationFailed("Không thể gộp vào chính nó / cannot merge into itself")
    if not report.is_open:
        raise InvalidTransition("Chỉ gộp phản ánh đang mở / only open reports can be merged")
    report.duplicate_of_id = original.id
    previous = report.status
    report.status = Status.closed
    report.closed_at = utcnow()
    if report.citizen_id is not None and report.citizen_id != original.citizen_id:
        citizen = await session.get(Citizen, report.citizen_id)
        if citizen is not None:
            await support(session=session, report=original, citizen=citizen)
    add_event(
        session,
        report,
        actor,
        "duplicate",
        from_status=previous,
        to_status=Status.closed,
        note=f"Trùng với {original.code}",
        data={"original": original.code},
    )
    await session.flush()
    return report


async def reports_of_citizen(*, session: AsyncSession, citizen: Citizen, limit: int = 5) -> Sequence[Report]:
    supported = select(Supporter.report_id).where(Supporter.citizen_id == citizen.id)
    stmt = (
        select(Report)
        .where(or_(Report.citizen_id == citizen.id, Report.id.in_(supported)))
        .order_by(Report.created_at.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()
