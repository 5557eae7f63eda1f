"""A reopened report has no current result or rating; the chat says so once; a stale "reopen"
button does not reopen a report the citizen has since rated well."""

from __future__ import annotations

import re

from sqlalchemy import select

from backend.core.actor import Actor
from backend.notifications.models import Outbox
from backend.reports import service as reports_service
from backend.reports.models import Rating, ReportEvent


async def filed_and_resolved(chat, make_user, session) -> str:
    reply = await chat.report_until_summary()
    code = re.search(r"PA-[0-9A-Z]{6,}", await chat.says("xác nhận") if "PA-" not in reply else reply).group(0)
    admin = await make_user("admin")
    report = await reports_service.get(session=session, code=code)
    await reports_service.transition(session=session, report=report, action="resolve", actor=Actor.staff(admin),
                                     note="Đã dọn sạch")
    await session.commit()
    return code


async def test_a_reopened_report_has_no_current_result_or_rating_but_keeps_the_history(chat, make_user, session):
    code = await filed_and_resolved(chat, make_user, session)
    await chat.send("1")  # a bad rating offers to reopen
    await chat.send(payload=f"reopen:{code}")
    report = await reports_service.get(session=session, code=code)
    await session.refresh(report)
    assert report.status == "assigned" and report.resolution_note is None
    assert await session.scalar(select(Rating).where(Rating.report_id == report.id)) is None
    actions = [e.action for e in (await session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id))).all()]
    assert "resolve" in actions and "rate" in actions and "reopen" in actions
    status = await chat.says(code)
    assert "Đã dọn sạch" not in status and "★" not in status


async def test_a_reopen_from_the_chat_is_answered_once(chat, make_user, session):
    code = await filed_and_resolved(chat, make_user, session)
    await chat.send("1")
    replies = await chat.send(payload=f"reopen:{code}")
    assert sum("mở lại" in m.text.lower() for m in replies) == 1
    report = await reports_service.get(session=session, code=code)
    queued = (await session.scalars(select(Outbox).where(Outbox.report_id == report.id,
                                                         Outbox.kind == "assigned"))).all()
    assert [r.dedupe_key for r in queued if ":assigned:1:" in (r.dedupe_key or "")] == []  # none for the reopen


async def test_a_stale_reopen_button_does_not_reopen_a_report_rated_well_since(chat, make_user, session):
    code = await filed_and_resolved(chat, make_user, session)
    await chat.send("1")  # offered "Mở lại"...
    await chat.send("5")  # ...but then rated 5
    reply = await chat.says(payload=f"reopen:{code}")
    assert "không mở lại" in reply
    report = await reports_service.get(session=session, code=code)
    await session.refresh(report)
    assert report.status == "resolved"
