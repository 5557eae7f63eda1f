"""A Zalo event claimed (answered 200) but never processed, e.g. the process stopped: the job
processes it later, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.core.db import utcnow
from backend.notifications import scheduled
from bot.dialogue.models import ProcessedEvent


async def test_a_stale_claimed_event_is_processed_by_the_job_once(session, zalo):
    event = zalo.event("user_send_text", "u-crash", msg_id="lost-1", text="giúp")
    session.add(ProcessedEvent(channel="zalo", event_id="lost-1", payload=event,
                               created_at=utcnow() - timedelta(minutes=10)))
    await session.commit()
    assert (await scheduled.outbox_retry())["recovered"] == 1
    assert (await scheduled.outbox_retry())["recovered"] == 0
    assert len(zalo.texts("u-crash")) == 1
    row = await session.scalar(select(ProcessedEvent).where(ProcessedEvent.event_id == "lost-1"))
    assert row.status == "done"


async def test_a_fresh_claimed_event_is_left_to_its_worker(session, zalo):
    event = zalo.event("user_send_text", "u-busy", msg_id="busy-1", text="giúp")
    session.add(ProcessedEvent(channel="zalo", event_id="busy-1", payload=event))
    await session.commit()
    assert (await scheduled.outbox_retry())["recovered"] == 0
