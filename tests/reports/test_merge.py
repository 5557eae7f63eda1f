"""Merging a duplicate is the `duplicate` transition: table, role, timeline event and flow."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens import service as citizen_service
from backend.core.actor import Actor
from backend.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from backend.notifications.models import Outbox
from backend.reports import policy
from backend.reports import service as report_service
from backend.reports.models import ReportEvent, Supporter

Factory = Callable[..., Awaitable[Any]]


async def test_merging_a_duplicate_closes_it_through_transition_with_a_timeline_event(
    session: AsyncSession, report_factory: Factory, make_user: Factory
) -> None:
    original, copy = await report_factory(), await report_factory()
    supervisor = await make_user("supervisor")
    await report_service.transition(
        session=session, report=copy, action="duplicate", actor=Actor.staff(supervisor), original_code=original.code
    )
    assert (copy.status, copy.duplicate_of_id, copy.closed_at is not None) == ("closed", original.id, True)
    event = await session.scalar(
        select(ReportEvent).where(ReportEvent.report_id == copy.id).order_by(ReportEvent.id.desc())
    )
    assert (event.action, event.from_status, event.to_status, event.note, event.data, event.actor_user_id) == (
        "duplicate", "assigned", "closed", f"Trùng với {original.code}", {"original": original.code}, supervisor.id
    )


async def test_merging_tells_the_reporter_and_makes_them_a_supporter_of_the_original(
    session: AsyncSession, report_factory: Factory, make_user: Factory
) -> None:
    citizen = await citizen_service.get_or_create(session=session, channel="zalo", external_id="merge-1")
    original = await report_factory()
    copy = await report_factory(citizen=citizen)
    admin = await make_user("admin")
    await report_service.transition(
        session=session, report=copy, action="duplicate", actor=Actor.staff(admin), original_code=original.code
    )
    [message] = (await session.scalars(select(Outbox).where(Outbox.report_id == copy.id, Outbox.kind == "merged")))
    assert (message.citizen_id, message.payload["code"], message.payload["original"]) == (
        citizen.id, copy.code, original.code
    )
    supporters = (await session.scalars(select(Supporter.citizen_id).where(Supporter.report_id == original.id))).all()
    assert supporters == [citizen.id]


async def test_a_closed_report_cannot_be_merged(session: AsyncSession, report_factory: Factory, make_user: Factory):
    original, copy = await report_factory(), await report_factory()
    copy.status = "closed"
    await session.flush()
    admin = await make_user("admin")
    with pytest.raises(InvalidTransition):
        await report_service.transition(
            session=session, report=copy, action="duplicate", actor=Actor.staff(admin), original_code=original.code
        )


async def test_merging_needs_an_original_other_than_itself(
    session: AsyncSession, report_factory: Factory, make_user: Factory
) -> None:
    report = await report_factory()
    admin = await make_user("admin")
    for original_code in (None, report.code):
        with pytest.raises(ValidationFailed):
            await report_service.transition(
                session=session, report=report, action="duplicate", actor=Actor.staff(admin),
                original_code=original_code,
            )


async def test_hotline_staff_may_not_merge(session: AsyncSession, report_factory: Factory, make_user: Factory):
    original, copy = await report_factory(), await report_factory()
    hotline = await make_user("hotline")
    with pytest.raises(PermissionDenied):
        await report_service.transition(
            session=session, report=copy, action="duplicate", actor=Actor.staff(hotline), original_code=original.code
        )


async def test_allowed_actions_follow_the_tables(report_factory: Factory, make_user: Factory) -> None:
    report = await report_factory()  # assigned
    officer = await make_user("officer", agency_code=report.agency.code)
    hotline = await make_user("hotline")
    assert policy.allowed_actions(Actor.staff(officer), report) == ["reassign", "start", "resolve", "reject",
                                                                    "duplicate"]
    assert policy.allowed_actions(Actor.staff(hotline), report) == []
