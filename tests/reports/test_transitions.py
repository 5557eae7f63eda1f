"""Every transition allowed and refused, per role."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency
from backend.core.actor import Actor
from backend.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from backend.reports import policy
from backend.reports import service as report_service
from backend.reports.models import ReportEvent, Status

ALL_STATUSES = [s.value for s in Status]
ROLES = ["admin", "supervisor", "officer", "hotline"]


def expected(role: str, action: str, status: str) -> str:
    allowed_from, _ = policy.TRANSITIONS[action]
    if action not in policy.ROLE_ACTIONS[role]:
        return "forbidden"
    if status not in allowed_from:
        return "conflict"
    return "ok"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(policy.TRANSITIONS))
async def test_transition_table_per_role(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
    role: str,
    action: str,
) -> None:
    report = await report_factory()
    user = await make_user(role, agency_code=report.agency.code if role == "officer" else None)
    # `duplicate` merges into another report of the same agency (one the officer may see too)
    original = await report_factory() if action == "duplicate" else None
    for status in ALL_STATUSES:
        report.status = status
        report.resolved_at = report_service.utcnow() if status in ("resolved", "closed") else None
        await session.flush()
        outcome = expected(role, action, status)
        other = await session.scalar(select(Agency).where(Agency.id != report.agency_id, Agency.kind != "ioc"))
        note = "ghi chú"
        agency = other.code if action == "assign" and status != "new" else None
        savepoint = await session.begin_nested()
        try:
            await report_service.transition(
                session=session, report=report, action=action, actor=Actor.staff(user), note=note, agency_code=agency,
                original_code=original.code if original else None,
            )
            got = "ok"
        except PermissionDenied:
            got = "forbidden"
        except InvalidTransition:
            got = "conflict"
        finally:
            await savepoint.rollback()
        assert got == outcome, (role, action, status)
        await session.refresh(report)


async def test_transition_writes_timeline_event_with_actor_and_note(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
) -> None:
    report = await report_factory()
    officer = await make_user("officer", agency_code=report.agency.code)
    await report_service.transition(
        session=session, report=report, action="start", actor=Actor.staff(officer), note="Đã cử cán bộ"
    )
    event = (
        await session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id.desc())
        )
    ).first()
    assert (event.action, event.from_status, event.to_status, event.note, event.actor_user_id) == (
        "start",
        "assigned",
        "in_progress",
        "Đã cử cán bộ",
        officer.id,
    )


async def test_officer_of_another_agency_cannot_touch_the_report(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
) -> None:
    report = await report_factory()
    other = await session.scalar(select(Agency).where(Agency.id != report.agency_id, Agency.kind == "department"))
    officer = await make_user("officer", agency_code=other.code)
    with pytest.raises(NotFound):
        await report_service.transition(session=session, report=report, action="start", actor=Actor.staff(officer))


async def test_resolve_requires_a_note(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
) -> None:
    report = await report_factory()
    officer = await make_user("officer", agency_code=report.agency.code)
    with pytest.raises(ValidationFailed):
        await report_service.transition(session=session, report=report, action="resolve", actor=Actor.staff(officer))


async def test_reject_requires_a_reason(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
) -> None:
    report = await report_factory()
    admin = await make_user("admin")
    with pytest.raises(ValidationFailed):
        await report_service.transition(
            session=session, report=report, action="reject", actor=Actor.staff(admin), note="  "
        )


async def test_reassign_to_another_agency_requires_a_reason(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
) -> None:
    report = await report_factory()
    supervisor = await make_user("supervisor")
    other = await session.scalar(select(Agency).where(Agency.kind == "department"))
    with pytest.raises(ValidationFailed):
        await report_service.transition(
            session=session, report=report, action="assign", actor=Actor.staff(supervisor), agency_code=other.code
        )
    await report_service.transition(
        session=session,
        report=report,
        action="assign",
        actor=Actor.staff(supervisor),
        agency_code=other.code,
        note="Biển quảng cáo tấm lớn",
    )
    assert report.agency_id == other.id and report.status == "assigned"


async def test_resolve_accepts_an_after_photo(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
    png_bytes: bytes,
) -> None:
    report = await report_factory()
    officer = await make_user("officer", agency_code=report.agency.code)
    await report_service.transition(
        session=session, report=report, action="resolve", actor=Actor.staff(officer), note="Đã dọn dẹp", photo=png_bytes
    )
    report = await report_service.get(session=session, code=report.code)
    assert [(a.kind, a.public) for a in report.attachments] == [("after", False)]


async def test_unknown_action_is_a_validation_error(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
) -> None:
    report = await report_factory()
    admin = await make_user("admin")
    with pytest.raises(ValidationFailed):
        await report_service.transition(session=session, report=report, action="explode", actor=Actor.staff(admin))


async def test_reopen_sets_a_fresh_deadline_and_counts(
    session: AsyncSession,
    report_factory: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
) -> None:
    report = await report_factory()
    admin = await make_user("admin")
    await report_service.transition(
        session=session, report=report, action="resolve", actor=Actor.staff(admin), note="xong"
    )
    old_due = report.due_at
    await report_service.transition(
        session=session, report=report, action="reopen", actor=Actor.staff(admin), note="Chưa xử lý triệt để"
    )
    assert report.status == "assigned" and report.reopen_count == 1 and report.due_at >= old_due
