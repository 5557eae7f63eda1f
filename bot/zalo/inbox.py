"""The Zalo inbox: claim event ids in batches (one transaction for all events arriving together,
so 50 concurrent posts cost one commit, not fifty), then process them in per-user order.

Claimed events are stored with their payload; one that a crash left unprocessed is picked up again
by `recover()` (run by the outbox job), so answering 200 early loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from bot.dialogue.models import ProcessedEvent

log = logging.getLogger(__name__)
BATCH = 500


class Inbox:
    """Per process and event loop. On SQLite the flusher and the workers also take turns on an
    asyncio lock before writing: queueing here is fair and immediate, SQLite's busy-wait sleeps."""

    def __init__(self) -> None:
        self.gate: asyncio.Lock | None = asyncio.Lock() if get_settings().is_sqlite else None
        self.pending: list[tuple[str, dict[str, Any], asyncio.Future[bool]]] = []
        self.wakeup = asyncio.Event()
        self.acked = asyncio.Event()  # set while no acknowledgement is waiting for its write
        self.acked.set()
        self.flusher: asyncio.Task[None] | None = None
        # One queue per worker, chosen by user: a person's messages are handled in order.
        self.workers = 1 if get_settings().is_sqlite else 8
        self.queues: list[asyncio.Queue[tuple[str, dict[str, Any]]]] = [asyncio.Queue() for _ in range(self.workers)]
        self.tasks: list[asyncio.Task[None]] = []

    def _start(self) -> None:
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.create_task(self._flush_forever())
        if not self.tasks:
            self.tasks = [asyncio.create_task(self._work(q)) for q in self.queues]

    async def claim(self, key: str, event: dict[str, Any]) -> bool:
        """Durably record the event; True the first time its id is seen. Then it is processed."""
        self._start()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.pending.append((key, event, future))
        self.acked.clear()
        self.wakeup.set()
        return await future

    async def _flush_forever(self) -> None:
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            while self.pending:
                batch, self.pending = self.pending[:BATCH], self.pending[BATCH:]
                try:
                    fresh = await self._insert(batch)
                except Exception as exc:  # the database is down: Zalo gets a 500 and redelivers
                    for _key, _event, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for key, event, future in batch:
                    new = key in fresh
                    fresh.discard(key)  # the same id twice in one batch: only the first is new
                    if new:
                        self.enqueue(key, event)
                    if not future.done():
                        future.set_result(new)
            self.acked.set()

    async def _insert(self, batch: list[tuple[str, dict[str, Any], asyncio.Future[bool]]]) -> set[str]:
        keys = {key for key, _e, _f in batch}
        events = {key: event for key, event, _f in batch}
        async with writing(), session_scope() as session:
            seen = set((await session.scalars(select(ProcessedEvent.event_id).where(
                ProcessedEvent.channel == "zalo", ProcessedEvent.event_id.in_(keys)))).all())
            fresh = keys - seen
            for key in fresh:
                session.add(ProcessedEvent(channel="zalo", event_id=key, payload=events[key]))
            try:
                await session.flush()
            except IntegrityError:  # another process claimed some at the same moment: one by one
                await session.rollback()
                fresh = await self._insert_one_by_one(session, fresh, events)
        return fresh

    @staticmethod
    async def _insert_one_by_one(session: Any, keys: set[str], events: dict[str, Any]) -> set[str]:
        fresh: set[str] = set()
        for key in keys:
            try:
                async with session.begin_nested():
                    session.add(ProcessedEvent(channel="zalo", event_id=key, payload=events[key]))
                    await session.flush()
                fresh.add(key)
            except IntegrityError:
                pass
        return fresh

    def enqueue(self, key: str, event: dict[str, Any]) -> None:
        user = str((event.get("sender") or event.get("follower") or {}).get("id", ""))
        self.queues[zlib.crc32(user.encode()) % self.workers].put_nowait((key, event))

    async def _work(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        from bot.zalo.webhook import process

        while True:
            key, event = await queue.get()
            # Acknowledgements first: Zalo wants its 200 within 2 s, the reply can wait a moment.
            await self.acked.wait()
            try:
                await process(event, key)
            except Exception:  # process() records failures itself; never let the worker die
                log.exception("zalo worker")


_inboxes: dict[int, Inbox] = {}


def writing() -> contextlib.AbstractAsyncContextManager[Any]:
    """Take this process's SQLite write turn (nothing on PostgreSQL)."""
    gate = get_inbox().gate
    return gate if gate is not None else contextlib.nullcontext()


def get_inbox() -> Inbox:
    """One inbox per event loop (tests and servers may run several loops in one process)."""
    loop = asyncio.get_running_loop()
    inbox = _inboxes.get(id(loop))
    if inbox is None:
        inbox = _inboxes[id(loop)] = Inbox()
    return inbox


async def recover(older_than: timedelta = timedelta(minutes=5), limit: int = 200) -> dict[str, int]:
    """Process events claimed but left unprocessed (the process stopped after answering 200)."""
    from bot.zalo.webhook import process

    async with session_scope() as session:
        rows = (await session.execute(
            select(ProcessedEvent.event_id, ProcessedEvent.payload)
            .where(ProcessedEvent.channel == "zalo", ProcessedEvent.status == "received",
                   ProcessedEvent.created_at < utcnow() - older_than, ProcessedEvent.payload.is_not(None))
            .order_by(ProcessedEvent.id).limit(limit)
        )).all()
        taken = set()
        if rows:  # mark first, so that two recoverers never take the same event
            taken = set((await session.scalars(
                update(ProcessedEvent).where(
                    ProcessedEvent.channel == "zalo", ProcessedEvent.event_id.in_([r[0] for r in rows]),
                    ProcessedEvent.status == "received").values(status="retrying")
                .returning(ProcessedEvent.event_id))).all())
    rows = [r for r in rows if r[0] in taken]
    for key, payload in rows:
        await process(payload, key)
    return {"recovered": len(rows)}
