"""deliver_due(): rendered, sent once, retried with backoff, given up visibly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from backend.citizens import service as citizens_service
from backend.core.db import utcnow
from backend.notifications import scheduled
from backend.notifications import service as notification_service
from backend.notifications.models import Outbox
from backend.notifications.sender import deliver_due, render
from backend.notifications.service import MAX_ATTEMPTS
from backend.reports.models import ReportEvent
from bot.zalo.models import ZaloToken

PAYLOAD = {"code": "PA-ABC234", "status": "resolved", "category": "Xả rác", "agency": "UBND phường Tân Lập",
           "due_at": "2026-11-30T10:00:00+00:00", "note": "Đã thu gom sạch"}


async def queue(session, kind="resolved", channel="zalo", user="z1", report_id=None, **extra):
    citizen = await citizens_service.get_or_create(session=session, channel=channel, external_id=user)
    row = await notification_service.enqueue(session=session, citizen=citizen, kind=kind,
                                             payload={**PAYLOAD, **extra}, report_id=report_id)
    await session.commit()
    return row


async def reload(session, row):
    await session.refresh(row)
    await session.commit()  # SQLite: an open transaction holds the write lock
    return row


async def make_due(session):
    await session.execute(update(Outbox).where(Outbox.status == "pending").values(next_attempt_at=utcnow()))
    await session.commit()


async def test_resolved_message_carries_the_note_and_asks_for_a_rating(session, zalo):
    row = await queue(session)
    result = await deliver_due()
    assert (result["claimed"], result["sent"]) == (1, 1), (await reload(session, row)).last_error
    text = zalo.texts("z1")[0]
    assert "PA-ABC234" in text and "Đã thu gom sạch" in text and "1" in text and "5" in text
    assert (await reload(session, row)).status == "sent"


def test_each_kind_renders_its_own_text():
    from backend.notifications.models import Outbox as O

    def one(kind, **p):
        return render(O(kind=kind, payload={**PAYLOAD, **p}), "vi")[0].text

    assert "Hạn xử lý" in one("received")
    assert "UBND phường Tân Lập" in one("assigned")
    assert "đang được xử lý" in one("in_progress")
    assert "Lý do: trùng" in one("rejected", note="trùng")
    assert [b[1] for b in render(O(kind="resolved", payload=PAYLOAD))[0].buttons][-1] == "rate:PA-ABC234:5"


def test_a_merged_report_names_the_report_that_carries_on():
    [message] = render(Outbox(kind="merged", payload={**PAYLOAD, "original": "PA-XYZ789"}), "vi")
    assert "PA-ABC234" in message.text and "gộp" in message.text and "kết quả xử lý của PA-XYZ789" in message.text


def test_english_speakers_get_english_notifications():
    assert "has been handled" in render(Outbox(kind="resolved", payload=PAYLOAD), "en")[0].text


async def test_a_5xx_is_retried_later_then_sent_once(session, zalo):
    row = await queue(session)
    zalo.faults.append("5xx")
    assert (await deliver_due())["retry"] == 1
    row = await reload(session, row)
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert "502" in row.last_error
    assert (await deliver_due())["claimed"] == 0  # not due yet
    await make_due(session)
    assert (await deliver_due())["sent"] == 1
    assert len(zalo.texts("z1")) == 1


async def test_a_timeout_is_retried(session, zalo):
    zalo.timeout_s = 2.0
    row = await queue(session)
    zalo.faults.append("timeout")
    assert (await deliver_due())["retry"] == 1
    assert "Timeout" in (await reload(session, row)).last_error


async def test_expired_token_is_refreshed_once_and_the_message_sent_once(session, zalo):
    await queue(session)
    zalo.faults.append("-216")
    assert (await deliver_due())["sent"] == 1
    assert zalo.refreshes == 1 and len(zalo.texts("z1")) == 1
    token = await session.scalar(select(ZaloToken))
    assert token.refresh_token == zalo.refresh_token == "refresh-2"


async def test_window_passed_is_a_final_failure_shown_on_the_report(session, zalo, report_factory):
    report = await report_factory()
    row = await queue(session, report_id=report.id)
    zalo.faults.append("-230")  # consultation refused: the window passed
    zalo.transaction_faults.append("-230")  # and no transaction message either, no ZNS configured
    assert (await deliver_due())["failed"] == 1
    row = await reload(session, row)
    assert row.status == "failed" and "-230" in row.last_error
    event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                           ReportEvent.action == "notify_failed"))
    assert event is not None and not event.public
    await make_due(session)
    assert (await deliver_due())["claimed"] == 0


async def test_quiet_hours_retry_after_six_in_the_morning(session, zalo):
    row = await queue(session)
    zalo.faults.append("-234")
    assert (await deliver_due())["retry"] == 1
    row = await reload(session, row)
    local = row.next_attempt_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (local.hour, local.minute) == (6, 0)


async def test_gives_up_after_max_attempts(session, zalo):
    row = await queue(session)
    for _ in range(MAX_ATTEMPTS):
        zalo.faults.append("5xx")
        await make_due(session)
        await deliver_due()
    row = await reload(session, row)
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS


async def test_concurrent_runs_never_send_a_row_twice(session, zalo):
    for i in range(20):
        await queue(session, user=f"c{i}")
    results = await asyncio.gather(*(deliver_due() for _ in range(4)))
    assert sum(r["sent"] for r in results) == 20
    assert len(zalo.sends) == 20


async def test_terminal_messages_wait_for_the_terminal_chat_which_shows_them(session):
    from rich.console import Console

    from bot.cli import show_pushed

    row = await queue(session, channel="cli", user="me")
    assert (await deliver_due())["claimed"] == 0  # the scheduler leaves them for `phananh chat`
    assert (await reload(session, row)).status == "pending"
    console = Console(record=True, width=120)
    assert await show_pushed(console, row.citizen_id) == 1
    shown = console.export_text()
    assert "PA-ABC234" in shown and "Đã thu gom sạch" in shown
    assert (await reload(session, row)).status == "sent"


async def test_outbox_retry_job_reports_what_it_did(session, zalo):
    await queue(session)
    assert (await scheduled.outbox_retry())["sent"] == 1
    assert (await scheduled.outbox_retry())["claimed"] == 0
