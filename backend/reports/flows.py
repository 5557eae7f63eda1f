"""Side effects after a report changes: messages to the reporter and supporters (outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.core.config import get_settings
from backend.notifications import service as notification_service
from backend.reports.links import rating_link
from backend.reports.models import Attachment, Report, Status, Supporter

# status reached -> message kind sent to the reporter
STATUS_MESSAGES = {
    Status.assigned: "assigned",
    Status.in_progress: "in_progress",
    Status.resolved: "resolved",
    Status.rejected: "rejected",
    Status.closed: "closed",
}


def _payload(report: Report, **extra: Any) -> dict[str, Any]:
    return {
        "code": report.code,
        "status": report.status,
        "category": report.category.name if report.category else None,
        "agency": report.agency.name if report.agency else None,
        "due_at": report.due_at.isoformat() if report.due_at else None,
        **extra,
    }


async def _recipients(session: AsyncSession, report: Report, with_supporters: bool) -> list[Citizen]:
    people: list[Citizen] = []
    if report.citizen_id is not None:
        citizen = await session.get(Citizen, report.citizen_id)
        if citizen is not None:
            people.append(citizen)
    if with_supporters:
        rows = await session.scalars(select(Supporter).where(Supporter.report_id == report.id))
        people.extend(s.citizen for s in rows if s.citizen_id != report.citizen_id)
    return people


def _page_url(report: Report) -> str:
    return f"{get_settings().base_url.rstrip('/')}/reports/{report.code}"


async def _email_reporter(session: AsyncSession, report: Report, kind: str, payload: dict[str, Any],
                          dedupe_key: str) -> None:
    """A reporter who left only an e-mail address (Open311 `email`) hears by e-mail."""
    if not report.reporter_email or report.citizen_id is not None:
        return
    payload = {**payload, "page_url": _page_url(report)}
    if kind == "resolved":
        payload["rate_url"] = rating_link(report.code)
    await notification_service.enqueue_email(session=session, address=report.reporter_email, kind=kind,
                                             payload=payload, report_id=report.id, dedupe_key=f"{dedupe_key}:email")


async def report_created_flow(*, session: AsyncSession, report: Report) -> None:
    await _email_reporter(session, report, "received", _payload(report), f"{report.code}:received")
    for citizen in await _recipients(session, report, with_supporters=False):
        await notification_service.enqueue(
            session=session,
            citizen=citizen,
            kind="received",
            payload=_payload(report),
            report_id=report.id,
            dedupe_key=f"{report.code}:received",
        )


async def report_status_changed_flow(
    *, session: AsyncSession, report: Report, previous: str, action: str, told: int | None = None
) -> None:
    """Tell the reporter (and supporters of a resolved report) of a change; `told`: the citizen the
    chat already answered (a reopen from the chat), who gets no second message."""
    if action == "duplicate":
        await report_merged_flow(session=session, report=report)
        return
    kind = STATUS_MESSAGES.get(Status(report.status))
    if kind is None or (kind == "closed" and previous == Status.resolved):
        return  # closing a resolved report is bookkeeping, the citizen already heard the result
    if action == "reassign":
        return  # moving between agencies is internal
    extra: dict[str, Any] = {}
    if report.status in (Status.resolved, Status.rejected):
        extra["note"] = report.resolution_note
    if report.status == Status.resolved:
        photo = await session.scalar(
            select(Attachment)
            .where(Attachment.report_id == report.id, Attachment.kind == "after")
            .order_by(Attachment.id.desc())
        )
        if photo is not None:
            extra["photo"] = {"sha256": photo.sha256, "content_type": photo.content_type, "id": photo.id}
    event_count = report.reopen_count
    supporters = report.status == Status.resolved
    await _email_reporter(session, report, kind, _payload(report, **extra), f"{report.code}:{kind}:{event_count}")
    for citizen in await _recipients(session, report, with_supporters=supporters):
        if citizen.id == told:
            continue
        await notification_service.enqueue(
            session=session,
            citizen=citizen,
            kind=kind,
            payload=_payload(report, **extra),
            report_id=report.id,
            dedupe_key=f"{report.code}:{kind}:{event_count}:{citizen.id}",
        )


async def report_merged_flow(*, session: AsyncSession, report: Report) -> None:
    """A report merged into another: its reporter (now a supporter of the original) hears which
    report carries on, and will hear that one's result."""
    original = await session.get(Report, report.duplicate_of_id) if report.duplicate_of_id else None
    await _email_reporter(session, report, "merged", _payload(report, original=original.code if original else None),
                          f"{report.code}:merged")
    for citizen in await _recipients(session, report, with_supporters=False):
        await notification_service.enqueue(
            session=session,
            citizen=citizen,
            kind="merged",
            payload=_payload(report, original=original.code if original else None),
            report_id=report.id,
            dedupe_key=f"{report.code}:merged:{citizen.id}",
        )
