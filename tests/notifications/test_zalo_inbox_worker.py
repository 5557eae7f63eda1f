"""The Zalo inbox worker (ZALO_INBOX=process): stored events are taken once, in arrival order,
each user's in order, and a worker that died mid-way is noticed by the recovery job."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from standins import wait_for

from backend.core.db import utcnow
from bot.dialogue.models import ProcessedEvent
from bot.zalo import doorbell, inbox, worker


async def _store(session, zalo, user: str, key: str, text: str = "giúp", **row) -> None:
    event = zalo.event("user_send_text", user, msg_id=key, text=text)
    session.add(ProcessedEvent(channel="zalo", event_id=key, payload=event, **row))
    await session.commit()


async def _row(session, key: str) -> SimpleNamespace:
    """The row's values, read in a transaction of its own (on SQLite the worker needs the one
    connection next)."""
    session.expire_all()
    row = await session.scalar(select(ProcessedEvent).where(ProcessedEvent.event_id == key))
    values = SimpleNamespace(status=row.status, payload=row.payload, replies=row.replies)
    await session.commit()
    return values


async def _status(session, key: str) -> str:
    return (await _row(session, key)).status


async def test_the_worker_answers_stored_events_and_marks_them_done(session, zalo) -> None:
    for i in range(3):
        await _store(session, zalo, f"w-user{i}", f"w-{i}")
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_worker(stop, idle_s=0.05))
    try:
        await wait_for(lambda: all(zalo.texts(f"w-user{i}") for i in range(3)), what="three replies")
    finally:
        stop.set()
        await running
    assert all(len(zalo.texts(f"w-user{i}")) == 1 for i in range(3))
    assert [await _status(session, f"w-{i}") for i in range(3)] == ["done"] * 3


async def test_an_event_is_taken_by_one_worker_only(session, zalo) -> None:
    for i in range(20):
        await _store(session, zalo, "t-user", f"t-{i}")
    first, second = await asyncio.gather(worker.take(limit=15), worker.take(limit=15))
    keys = [k for k, _e in first] + [k for k, _e in second]
    assert sorted(keys) == sorted(f"t-{i}" for i in range(20))  # all taken, none twice


async def test_events_are_taken_in_arrival_order(session, zalo) -> None:
    for i in range(5):
        await _store(session, zalo, "o-user", f"o-{i}")
    taken = await worker.take(limit=5)
    assert [k for k, _e in taken] == [f"o-{i}" for i in range(5)]


async def test_a_users_events_are_processed_in_order(session, zalo, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def fake_process(event, key):
        await asyncio.sleep(0.01 if key.endswith("0") else 0)  # the first one is slower
        seen.append(key)

    monkeypatch.setattr(worker, "process", fake_process)
    events = [(f"s-{i}", {"sender": {"id": "same"}}) for i in range(4)]
    await worker.process_batch(events, lanes=8)
    assert seen == ["s-0", "s-1", "s-2", "s-3"]


async def test_an_event_whose_worker_died_is_recovered_once(session, zalo) -> None:
    await _store(session, zalo, "r-user", "r-1", status="processing", claimed_at=utcnow() - timedelta(minutes=10))
    assert (await worker.recover())["recovered"] == 1
    assert (await worker.recover())["recovered"] == 0
    assert len(zalo.texts("r-user")) == 1
    assert await _status(session, "r-1") == "done"


async def test_an_answered_event_keeps_its_replies_with_it(session, zalo) -> None:
    await _store(session, zalo, "k-user", "k-1", status="processing", claimed_at=utcnow())
    await worker.process_batch([("k-1", (await _row(session, "k-1")).payload)], lanes=1)
    row = await _row(session, "k-1")
    assert row.status == "done"
    assert [r["text"] for r in row.replies] == zalo.texts("k-user")


async def test_replies_a_dead_worker_committed_but_never_sent_are_sent_once(session, zalo) -> None:
    await _store(session, zalo, "a-user", "a-1", status="answered", claimed_at=utcnow() - timedelta(minutes=10),
                 replies=[{"text": "Đã ghi nhận PA-ABC123", "buttons": [["Tra cứu", "status:PA-ABC123"]]}])
    first = await worker.recover()
    assert first == {"recovered": 0, "redelivered": 1}  # sent from the store: the dialogue does not run again
    assert (await worker.recover())["redelivered"] == 0
    assert zalo.texts("a-user") == ["Đã ghi nhận PA-ABC123"]
    assert await _status(session, "a-1") == "done"


async def test_replies_being_sent_now_are_left_alone(session, zalo) -> None:
    await _store(session, zalo, "b-user", "b-1", status="answered", claimed_at=utcnow(), replies=[{"text": "x"}])
    assert (await worker.recover())["redelivered"] == 0
    assert zalo.texts("b-user") == []


async def test_a_batch_larger_than_one_receipt_flush_is_all_marked_done(session, zalo) -> None:
    for i in range(40):
        await _store(session, zalo, f"m-user{i % 5}", f"m-{i}", status="processing", claimed_at=utcnow())
    events = [(f"m-{i}", (await _row(session, f"m-{i}")).payload) for i in range(40)]
    await worker.process_batch(events, lanes=8)
    assert {await _status(session, f"m-{i}") for i in range(40)} == {"done"}
    assert len(zalo.texts()) == 40


async def test_an_event_being_processed_now_is_left_alone(session, zalo) -> None:
    await _store(session, zalo, "n-user", "n-1", status="processing", claimed_at=utcnow())
    assert (await worker.recover())["recovered"] == 0
    assert zalo.texts("n-user") == []


async def test_the_webhook_stores_each_event_with_its_senders_lane(session, zalo) -> None:
    event = zalo.event("user_send_text", "lane-user", msg_id="l-1", text="giúp")
    assert worker.lane_of(event) != 0  # the column's default: the check below would prove nothing
    assert await inbox.get_inbox().claim("l-1", event)
    session.expire_all()
    row = await session.scalar(select(ProcessedEvent).where(ProcessedEvent.event_id == "l-1"))
    assert row.lane == worker.lane_of(event) and 0 <= row.lane < worker.LANE_SPACE
    await session.commit()


async def _store_lanes(session, zalo, users: int, each: int) -> None:
    for n in range(each):
        for u in range(users):
            event = zalo.event("user_send_text", f"p-user{u}", msg_id=f"p-{u}-{n}", text="giúp")
            session.add(ProcessedEvent(channel="zalo", event_id=f"p-{u}-{n}", payload=event,
                                       lane=worker.lane_of(event)))
    await session.commit()


async def test_two_workers_share_the_senders_without_overlap(session, zalo) -> None:
    await _store_lanes(session, zalo, users=12, each=2)
    first = await worker.take(share=(0, 2))
    second = await worker.take(share=(1, 2))
    keys = [k for k, _e in first] + [k for k, _e in second]
    assert sorted(keys) == sorted(f"p-{u}-{n}" for u in range(12) for n in range(2))
    users = [{e["sender"]["id"] for _k, e in taken} for taken in (first, second)]
    assert users[0] and users[1] and not users[0] & users[1]  # each person with one worker only


async def test_two_worker_processes_keep_each_persons_order(session, zalo, monkeypatch: pytest.MonkeyPatch) -> None:
    await _store_lanes(session, zalo, users=8, each=5)
    seen: dict[str, list[int]] = {}

    async def fake_process(event, key):
        await asyncio.sleep(0.001 * (hash(key) % 3))
        seen.setdefault(event["sender"]["id"], []).append(int(key.rsplit("-", 1)[1]))

    monkeypatch.setattr(worker, "process", fake_process)
    stop = asyncio.Event()
    workers = [asyncio.create_task(worker.run_worker(stop, idle_s=0.05, share=(i, 2))) for i in range(2)]
    try:
        await wait_for(lambda: sum(map(len, seen.values())) == 40, what="40 events")
    finally:
        stop.set()
        await asyncio.gather(*workers)
    assert seen == {f"p-user{u}": [0, 1, 2, 3, 4] for u in range(8)}


def test_the_web_process_rings_every_workers_doorbell(tmp_path: Path) -> None:
    bells = [doorbell.Doorbell(tmp_path, workers=2) for _ in range(2)]
    try:
        assert all(bell.listen(i) for i, bell in enumerate(bells))
        doorbell.Doorbell(tmp_path, workers=2).ring()
        assert [bell.sock.recv(8) for bell in bells] == [b"!", b"!"]
    finally:
        for bell in bells:
            bell.close()


async def test_the_doorbell_wakes_the_waiting_worker_at_once(tmp_path: Path) -> None:
    bell = doorbell.Doorbell(tmp_path)
    assert bell.listen()
    try:
        stop = asyncio.Event()

        async def ring_soon() -> None:
            await asyncio.sleep(0.05)
            doorbell.Doorbell(tmp_path).ring()

        started = time.monotonic()
        await asyncio.gather(bell.wait(5.0, stop), ring_soon())
        assert time.monotonic() - started < 1
    finally:
        bell.close()
    assert not (tmp_path / "zalo-inbox.sock").exists()


def test_ringing_with_no_worker_listening_is_harmless(tmp_path: Path) -> None:
    doorbell.Doorbell(tmp_path).ring()  # no socket there: nothing raised
