"""The inbox worker takes back at once what a dead worker held (worker ids in `claimed_by`), sends
only the replies not yet recorded, and leaves a live worker's events alone."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys

import pytest
from sqlalchemy import select
from standins import wait_for

from backend.core import claimers
from backend.core.db import utcnow
from backend.notifications.messages import OutgoingMessage
from bot.dialogue import turns
from bot.dialogue.models import ProcessedEvent
from bot.zalo import inbox, worker

REPLIES = [{"text": f"phần {n} của câu trả lời"} for n in (1, 2, 3)]


def _claimer(pid: int) -> str:
    return dataclasses.replace(claimers.identity(), pid=pid, start=claimers.start_ticks(pid) or "?").id


@pytest.fixture
def dead_worker() -> str:
    """The worker id of a process that was killed."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    claimer = _claimer(process.pid)
    process.kill()
    process.wait()
    return claimer


@pytest.fixture
def live_worker():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield _claimer(process.pid)
    process.kill()
    process.wait()


async def _store(session, zalo, user: str, key: str, **row) -> None:
    event = zalo.event("user_send_text", user, msg_id=key, text="giúp")
    session.add(ProcessedEvent(channel="zalo", event_id=key, payload=event, claimed_at=utcnow(), **row))
    await session.commit()


async def _row(session, key: str) -> tuple[str, int]:
    session.expire_all()
    row = await session.scalar(select(ProcessedEvent).where(ProcessedEvent.event_id == key))
    values = (row.status, row.replies_sent)
    await session.commit()
    return values


async def test_replies_of_a_dead_worker_are_sent_at_once_from_the_first_not_recorded(session, zalo, dead_worker):
    await _store(session, zalo, "rc-user", "rc-1", status="answered", replies=REPLIES, replies_sent=1,
                 claimed_by=dead_worker)
    assert await worker.reclaim() == {"released": 0, "resumed": 1}
    assert zalo.texts("rc-user") == ["phần 2 của câu trả lời", "phần 3 của câu trả lời"]
    assert await _row(session, "rc-1") == ("done", 3)
    assert await worker.reclaim() == {"released": 0, "resumed": 0}


async def test_events_a_dead_worker_was_processing_are_taken_again_at_once(session, zalo, dead_worker):
    await _store(session, zalo, "rp-user", "rp-1", status="processing", claimed_by=dead_worker)
    assert (await worker.reclaim())["released"] == 1
    assert [k for k, _e in await worker.take()] == ["rp-1"]


async def test_a_live_workers_events_are_left_to_it(session, zalo, live_worker):
    await _store(session, zalo, "rl-user", "rl-1", status="processing", claimed_by=live_worker)
    await _store(session, zalo, "rl-user", "rl-2", status="answered", replies=REPLIES, claimed_by=live_worker)
    assert await worker.reclaim() == {"released": 0, "resumed": 0}
    assert await worker.recover() == {"recovered": 0, "redelivered": 0}
    assert zalo.texts("rl-user") == []


async def test_each_reply_is_recorded_as_it_goes_out(session, zalo):
    await _store(session, zalo, "rr-user", "rr-1", status="answered", replies=REPLIES, claimed_by=claimers.worker_id())
    seen: list[tuple[str, int]] = []

    async def send_and_look(user_id, messages):  # what is recorded before each send
        seen.append(await _row(session, "rr-1"))
        return await worker.ZALO.send(user_id, messages)

    channel = turns.Channel("zalo", send_and_look, gated=True)
    assert await turns.deliver(channel, "rr-1", "rr-user", [OutgoingMessage.from_dict(r) for r in REPLIES]) == "sent"
    assert seen == [("answered", 0), ("answered", 1), ("answered", 2)]
    assert await _row(session, "rr-1") == ("done", 3)
    assert len(zalo.texts("rr-user")) == 3


@pytest.fixture
def inline_inbox(monkeypatch: pytest.MonkeyPatch):
    """ZALO_INBOX=inline, with an inbox of its own for this test (its tasks stopped after)."""
    from backend.core.config import get_settings

    monkeypatch.setenv("ZALO_INBOX", "inline")
    get_settings.cache_clear()
    monkeypatch.setattr(inbox, "_inboxes", {})
    yield
    for box in inbox._inboxes.values():
        for task in box.tasks:
            task.cancel()
    monkeypatch.delenv("ZALO_INBOX")
    get_settings.cache_clear()


async def test_the_inline_inbox_takes_back_a_dead_processes_events_at_start_up(session, zalo, dead_worker,
                                                                               inline_inbox):
    await _store(session, zalo, "ri-user", "ri-1", status="processing", claimed_by=dead_worker)
    await _store(session, zalo, "ri-other", "ri-2")  # stored, never queued: that process is gone
    async with inbox.lifespan_hook(None):
        await wait_for(lambda: zalo.texts("ri-user") and zalo.texts("ri-other"), what="both answered")
        for _ in range(100):  # the send is recorded just after it returns
            if (await _row(session, "ri-1"))[0] == (await _row(session, "ri-2"))[0] == "done":
                break
            await asyncio.sleep(0.05)
    assert (await _row(session, "ri-1"))[0] == (await _row(session, "ri-2"))[0] == "done"
    assert len(zalo.texts("ri-user")) == len(zalo.texts("ri-other")) == 1
