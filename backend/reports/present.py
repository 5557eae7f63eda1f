"""Report -> API shape (shared by the JSON API, Open311 and the portal)."""

from __future__ import annotations

from backend.core.db import utcnow
from backend.reports.media_access import media_url
from backend.reports.models import Report
from backend.reports.schemas import (
    AreaRef,
    AttachmentRead,
    EventRead,
    RatingRead,
    ReportRead,
    ReportSummary,
)


def attachment_url(attachment_id: int) -> str:
    return media_url(attachment_id, absolute=True)


def area_ref(report: Report) -> AreaRef | None:
    return AreaRef(code=report.area.code, name=report.area.name) if report.area else None


def summary(report: Report) -> ReportSummary:
    return ReportSummary(
        code=report.code,
        status=report.status,
        category=report.category.code,
        channel=report.channel,
        agency=report.agency.code if report.agency else None,
        area=area_ref(report),
        address=report.address,
        latitude=report.latitude,
        longitude=report.longitude,
        location_precision=report.location_precision,
        due_at=report.due_at,
        overdue=report.is_overdue(utcnow()),
        created_at=report.created_at,
    )


def full(report: Report, *, public_only: bool = False, possible_duplicates: list[str] | None = None) -> ReportRead:
    events = [e for e in report.events if e.public or not public_only]
    attachments = [a for a in report.attachments if a.public or not public_only]
    return ReportRead(
        code=report.code,
        status=report.status,
        description=report.description,
        category=report.category.code,
        category_name=report.category.name,
        category_confidence=report.category_confidence,
        category_unsure=report.category_unsure,
        channel=report.channel,
        agency=report.agency.code if report.agency else None,
        agency_name=report.agency.name if report.agency else None,
        area=area_ref(report),
        latitude=report.latitude,
        longitude=report.longitude,
        location_precision=report.location_precision,
        address=report.address,
        priority=report.priority,
        due_at=report.due_at,
        overdue=report.is_overdue(utcnow()),
        created_at=report.created_at,
        resolved_at=report.resolved_at,
        duplicate_of=report.duplicate_of.code if report.duplicate_of else None,
        supporters=report.supporters_count,
        possible_duplicates=possible_duplicates or [],
        attachments=[
            AttachmentRead(id=a.id, url=attachment_url(a.id), content_type=a.content_type, kind=a.kind, public=a.public)
            for a in attachments
        ],
        rating=RatingRead(stars=report.rating.stars, comment=report.rating.comment) if report.rating else None,
        timeline=[
            EventRead(
                at=e.at,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note if (e.public or not public_only) else None,
                actor=e.actor_label if (e.actor_kind != "citizen" or not public_only) else "Người dân",
                public=e.public,
            )
            for e in events
        ],
    )
