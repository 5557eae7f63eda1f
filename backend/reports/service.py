"""Reports: create (classify -> place -> route -> duplicates -> deadline), transition (the only
place a status changes, merging a duplicate included), photos, recategorize, rate, support.

Who may do what is in `policy.py`, reading in `queries.py`, the duplicate search in `nearby.py`,
the timeline writer in `timeline.py`, tracking codes and the fast insert in `store.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend.catalog import service as catalog_service
from backend.catalog.models import Agency, Area, Category
from backend.citizens.models import Citizen
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from backend.core.geodesy import haversine_m
from backend.geo import service as geo_service
from backend.geo.precision import Precision
from backend.notifications import service as notification_service
from backend.reports import flows, media
from backend.reports.models import Attachment, Rating, Report, Status, Supporter
from backend.reports.nearby import Near, nearby_open, nearby_open_refs
from backend.reports.policy import TRANSITIONS, check_role, check_scope
from backend.reports.queries import get, rateable_for, reports_of_citizen
from backend.reports.schemas import ReportCreate
from backend.reports.store import insert_report, new_code, normalize_code
from backend.reports.timeline import add_event, insert_events
from backend.staff.models import Role
from nlu import service as nlu_service

# Also read as `reports_service.X` by the chat engine (bot/dialogue), whose owner moves them to the
# modules they now live in: haversine_m, nearby_open, reports_of_citizen, normalize_code.
__all__ = ["Created", "add_event", "add_photo", "create", "get", "haversine_m", "nearby_open", "normalize_code",
           "rate", "rateable_for", "recategorize", "reports_of_citizen", "set_photo_public", "support", "transition"]


@dataclass
class Created:
    report: Report
    duplicates: list[Near] = field(default_factory=list)  # open reports nearby, same category


async def _place(
    session: AsyncSession, report_in: ReportCreate
) -> tuple[float, float, str | None, str | None, Precision]:
    """(latitude, longitude, address, area code, precision) of a new report, from a point or an
    address: a point sent is `gps` unless the caller says how it was got; an address is as precise
    as what the resolver matched (the offline gazetteer: the ward's centre)."""
    latitude, longitude, address = report_in.latitude, report_in.longitude, report_in.address
    if (latitude is None) != (longitude is None):
        raise ValidationFailed("Cần cả vĩ độ và kinh độ", field="latitude")
    if latitude is not None and longitude is not None:
        gazetteer = await geo_service.gazetteer(session=session)
        record = gazetteer.locate(latitude, longitude)
        if record is None:
            raise ValidationFailed(
                "Vị trí nằm ngoài tỉnh Đắk Lắk", field="latitude"
            )
        return latitude, longitude, address, record.code, report_in.location_precision or Precision.gps
    if address:
        found = await geo_service.geocode(session=session, address=address)
        if found is None:
            raise ValidationFailed(
                "Không tìm thấy địa chỉ trong tỉnh; hãy ghi rõ phường/xã",
                field="address",
            )
        return found.latitude, found.longitude, address, found.area_code, found.precision
    raise ValidationFailed("Cần vị trí hoặc địa chỉ", field="address")


async def create(
    *,
    session: AsyncSession,
    report_in: ReportCreate,
    actor: Actor,
    citizen: Citizen | None = None,
    channel: str | None = None,
    receipt_in_chat: bool = False,
) -> Created:
    """Validate -> classify -> place -> route -> deadline -> store with its first timeline events
    -> look for duplicates nearby (offered, never dropped) -> queue the citizen's receipt.
    `receipt_in_chat`: the chat's reply is the receipt (the queued one would say it twice: it is
    kept on the outbox as sent)."""
    settings = get_settings()
    if len(report_in.description) > settings.description_max_chars:
        raise ValidationFailed(f"Mô tả dài quá {settings.description_max_chars} ký tự", field="description")
    ref = await catalog_service.reference(session=session)
    guessed: dict[str, Any] | None = None
    if report_in.category:
        if report_in.category not in ref.category_ids:
            raise ValidationFailed(f"Lĩnh vực không tồn tại: {report_in.category}", field="category")
        category_code, confidence, unsure = report_in.category, 1.0, False
        source = "staff" if actor.kind == "staff" else "citizen"
        if source == "citizen":  # what the classifier would have said: a pick unlike it is a correction
            guess = await nlu_service.classify(report_in.description)
            guessed = {"category": guess.category, "confidence": guess.confidence}
    else:
        result = await nlu_service.classify(report_in.description)
        category_code, confidence, unsure, source = result.category, result.confidence, result.unsure, "nlu"
    latitude, longitude, address, area_code, precision = await _place(session, report_in)
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
        session=session, category_id=category_id, latitude=latitude, longitude=longitude,
        precision=precision, address=address, area_id=area_id,
    )
    status = Status.new if routed.triage else Status.assigned
    report = await insert_report(
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
        location_precision=precision,
        area_id=area_id,
        agency_id=routed.agency_id,
        status=status,
        priority=report_in.priority,
        due_at=due,
        channel=channel or report_in.channel or ("hotline" if actor.kind == "staff" else "api"),
        citizen_id=citizen.id if citizen else None,
        reporter_name=report_in.name or (citizen.display_name if citizen else None),
        reporter_phone=report_in.phone or (citizen.phone if citizen else None),
        reporter_email=report_in.email,
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
             "data": {"category": category_code, "confidence": confidence, "source": source,
                      **({"nlu": guessed} if guessed else {})}},
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
    events = await insert_events(session, report, first)
    # A new report's relationships are known: fill them so callers can render it without reloading.
    set_committed_value(report, "category", category)
    set_committed_value(report, "agency", agency)
    set_committed_value(report, "area", area)
    set_committed_value(report, "events", events)
    set_committed_value(report, "attachments", [])
    set_committed_value(report, "rating", None)
    set_committed_value(report, "duplicate_of", None)
    await flows.report_created_flow(session=session, report=report)
    if receipt_in_chat:
        await notification_service.mark_sent(session=session, dedupe_key=f"{report.code}:received")
    return Created(report=report, duplicates=duplicates)


async def transition(
    *,
    session: AsyncSession,
    report: Report,
    action: str,
    actor: Actor,
    note: str | None = None,
    agency_code: str | None = None,
    photo: bytes | None = None,
    original_code: str | None = None,
    receipt_in_chat: bool = False,
) -> Report:
    """Change a report's status: checks the table, the role and scope, writes the timeline
    event, and hands side effects to flows. `duplicate` merges the report into `original_code`.
    `receipt_in_chat`: the citizen acting is answered by the chat itself (no queued message too)."""
    if action not in TRANSITIONS:
        raise ValidationFailed(f"Hành động không hợp lệ: {action}", field="action")
    check_role(actor, action, report)
    allowed_from, to_status = TRANSITIONS[action]
    if report.status not in allowed_from:
        raise InvalidTransition(
            f"Không thể '{action}' khi phản ánh đang '{report.status}'"
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
            raise ValidationFailed("Cần chọn đơn vị xử lý", field="agency")
        moving = target.id != report.agency_id
        if report.status != Status.new and not moving:
            raise InvalidTransition("Phản ánh đã ở đơn vị này")
        if moving and report.agency_id is not None and report.status != Status.new and not note:
            raise ValidationFailed("Chuyển đơn vị cần nêu lý do", field="note")
        if moving and actor.user is not None and actor.user.role == Role.officer and not note:
            raise ValidationFailed("Chuyển đơn vị cần nêu lý do", field="note")
        if moving:
            data = {"from_agency": report.agency.code if report.agency else None, "agency": target.code}
            event_action = "reassign" if report.agency_id is not None and report.status != Status.new else "assign"
            report.agency_id, report.agency = target.id, target
        report.assigned_at = now
        note = note or target.name
    elif action == "resolve":
        if not note:
            raise ValidationFailed("Cần ghi kết quả xử lý", field="note")
        report.resolved_at = now
        report.resolution_note = note
    elif action == "reject":
        if not note:
            raise ValidationFailed("Cần nêu lý do từ chối", field="note")
        report.closed_at = now
        report.resolution_note = note
    elif action == "start":
        report.started_at = now
    elif action == "reopen":
        if actor.kind == "citizen" and report.resolved_at is not None:
            if now - report.resolved_at > timedelta(days=get_settings().rating_window_days):
                raise InvalidTransition("Đã quá hạn mở lại")
        report.reopen_count += 1
        report.resolved_at = None
        # Reopened, it has no result and no rating until it is resolved again; the old ones stay
        # on the timeline (the resolve and rate events).
        report.resolution_note = None
        rating = await session.scalar(select(Rating).where(Rating.report_id == report.id))
        if rating is not None:
            await session.delete(rating)
        set_committed_value(report, "rating", None)
        report.escalated_at = None
        report.reminded_at = None
        report.rating_requested_at = None
        due = await catalog_service.deadline(
            session=session, category=report.category, priority=report.priority, start=now
        )
        report.due_at = due
    elif action == "close":
        report.closed_at = now
    elif action == "duplicate":
        original = await _merge(session, report, actor, original_code)
        data = {"original": original.code}
        note = f"Trùng với {original.code}" + (f": {note}" if note else "")
        report.closed_at = now

    stored: Attachment | None = None
    if photo is not None:
        if action != "resolve":
            raise ValidationFailed("Chỉ gửi ảnh sau xử lý khi báo đã xử lý")
        stored = await add_photo(session=session, report=report, data=photo, actor=actor, kind="after")
        data["photo"] = stored.id

    from_status = report.status
    report.status = to_status
    report.updated_at = now
    add_event(
        session, report, actor, event_action, from_status=from_status, to_status=to_status, note=note, data=data or None
    )
    await session.flush()
    told = actor.citizen.id if receipt_in_chat and actor.kind == "citizen" and actor.citizen else None
    await flows.report_status_changed_flow(session=session, report=report, previous=from_status, action=event_action,
                                           told=told)
    return report


async def add_photo(
    *, session: AsyncSession, report: Report, data: bytes, actor: Actor, kind: str = "before"
) -> Attachment:
    settings = get_settings()
    count = await session.scalar(
        select(func.count(Attachment.id)).where(Attachment.report_id == report.id, Attachment.kind == kind)
    )
    if (count or 0) >= settings.photos_per_report:
        raise ValidationFailed(f"Tối đa {settings.photos_per_report} ảnh")
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
        raise PermissionDenied("Chỉ cán bộ duyệt ảnh")
    check_scope(actor, report)
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or attachment.report_id != report.id:
        raise NotFound("Không tìm thấy ảnh")
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


async def recategorize(*, session: AsyncSession, report: Report, category_code: str, actor: Actor) -> Report:
    """Staff correction (or the citizen's pick when the NLU was unsure); re-routes a report
    still in triage."""
    if actor.kind == "staff":
        check_scope(actor, report)
        if actor.user is not None and actor.user.role == Role.hotline and report.status != Status.new:
            raise PermissionDenied("Tổng đài chỉ sửa lĩnh vực phản ánh mới")
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
        raise ValidationFailed("Đánh giá từ 1 đến 5 sao", field="stars")
    if actor.kind == "staff" and actor.user is not None and actor.user.role == Role.officer:
        raise PermissionDenied("Cán bộ xử lý không tự đánh giá")
    if actor.kind == "citizen" and actor.citizen is not None and report.citizen_id not in (None, actor.citizen.id):
        supporter = await session.scalar(
            select(Supporter).where(Supporter.report_id == report.id, Supporter.citizen_id == actor.citizen.id)
        )
        if supporter is None:
            raise PermissionDenied("Chỉ người gửi được đánh giá")
    if report.status not in (Status.resolved, Status.closed) or report.resolved_at is None:
        raise InvalidTransition("Chỉ đánh giá phản ánh đã xử lý")
    if utcnow() - report.resolved_at > timedelta(days=get_settings().rating_window_days):
        raise InvalidTransition("Đã quá 14 ngày để đánh giá")
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
        raise InvalidTransition("Phản ánh này đã đóng")
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


async def _merge(session: AsyncSession, report: Report, actor: Actor, original_code: str | None) -> Report:
    """The `duplicate` transition's own part: the original (visible to the actor, not this report
    nor one merged into it) gets this report's reporter as a supporter."""
    if not (original_code or "").strip():
        raise ValidationFailed("Cần mã phản ánh gốc để gộp trùng", field="original")
    original = await get(session=session, code=original_code or "", actor=actor)
    if original.id == report.id or original.duplicate_of_id == report.id:
        raise ValidationFailed("Không thể gộp vào chính nó")
    report.duplicate_of_id = original.id
    if report.citizen_id is not None and report.citizen_id != original.citizen_id:
        citizen = await session.get(Citizen, report.citizen_id)
        if citizen is not None:
            await support(session=session, report=original, citizen=citizen)
    return original
