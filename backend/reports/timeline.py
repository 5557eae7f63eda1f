"""The append-only timeline of a report: the labels staff read, and the one writer of events
(through the session, or as one Core insert for a report being created)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.db import attach, utcnow
from backend.reports.models import Report, ReportEvent

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


def actor_fields(actor: Actor) -> dict[str, Any]:
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
        **actor_fields(actor),
    )
    session.add(event)
    return event


_EVENT_INSERT = insert(ReportEvent).returning(ReportEvent.id, sort_by_parameter_order=True)
_EVENT_COLUMNS = tuple(c.key for c in ReportEvent.__table__.columns if c.key != "id")


async def insert_events(
    session: AsyncSession, report: Report, entries: list[tuple[Actor, str, dict[str, Any]]]
) -> list[ReportEvent]:
    """`add_event` for a report being created: one Core insert for all its first events, which are
    attached as persistent objects."""
    rows = []
    for actor, action, values in entries:
        row = dict.fromkeys(_EVENT_COLUMNS)
        row.update(report_id=report.id, action=action, public=True, **actor_fields(actor))
        row.update(values)
        rows.append(row)
    conn = await session.connection()
    ids = (await conn.execute(_EVENT_INSERT, rows)).scalars().all()
    return [attach(session, ReportEvent, {**row, "id": i}) for i, row in zip(ids, rows, strict=True)]
