"""The Zalo inbox: the webhook stores each event and answers; a worker runs the dialogue after.

Answer path (web process): claim event ids in batches (one transaction for all events arriving
together, so 50 concurrent posts cost one commit, not fifty); a redelivered id is found and
skipped. The payload is stored with the id, so answering 200 before processing loses nothing.
Then the inbox worker (bot/zalo/worker.py) is woken by its doorbell.

`ZALO_INBOX=inline` processes in the web process instead: the new events go to in-process
queues, one per worker task, chosen by user (a person's messages in order).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow, writing
from bot.dialogue import turns
from bot.zalo import worker
from bot.zalo.doorbell import Doorbell

log = logging.getLogger(__name__)
BATCH = 500  # events claimed (stored) in one transaction


class Inbox:
    """Per process and event loop. On SQLite the flusher and the workers also take turns on the
    process's write gate (backend.core.db.writing) before writing: queueing there is fair and
    immediate."""

    def __init__(self) -> None:
        settings = get_settings()
        self.inline = settings.zalo_inbox == "inline"
        self.pending: list[tuple[str, dict[str, Any], asyncio.Future[bool]]] = []
        self.wakeup = asyncio.Event()
        self.acked = asyncio.Event()  # set while no acknowledgement is waiting for its write
        self.acked.set()
        self.flusher: asyncio.Task[None] | None = None
        # Inline mode: one queue per worker task, chosen by user (a person's messages in order).
        self.workers = 1 if settings.is_sqlite else 8
        self.queues: list[asyncio.Queue[tuple[str, dict[str, Any]]]] = [asyncio.Queue() for _ in range(self.workers)]
        self.tasks: list[asyncio.Task[None]] = []
        self.doorbell = Doorbell(settings.var_dir, workers=settings.zalo_inbox_workers)

    def _start(self) -> None:
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.create_task(self._flush_forever())
        if self.inline and not self.tasks:
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
                rang = False
                for key, event, future in batch:
                    new = key in fresh
                    fresh.discard(key)  # the same id twice in one batch: only the first is new
                    if new and self.inline:
                        self.enqueue(key, event)
                    elif new and not rang:
                        self.doorbell.ring()
                        rang = True
                    if not future.done():
                        future.set_result(new)
            self.acked.set()

    async def _insert(self, batch: list[tuple[str, dict[str, Any], asyncio.Future[bool]]]) -> set[str]:
        """Store the batch in one statement; the ids not seen before come back (ON CONFLICT DO
        NOTHING ... RETURNING: a redelivery, or another process storing the same id at the same
        moment, is simply not returned)."""
        rows, now = {}, utcnow()
        for key, event, _f in batch:
            rows.setdefault(key, {"channel": "zalo", "event_id": key, "payload": event, "status": "received",
                                  "created_at": now, "lane": worker.lane_of(event)})
        async with writing(), session_scope() as session:
            conn = await session.connection()
            result = await conn.execute(turns.insert_new(conn.dialect.name), list(rows.values()))
            return set(result.scalars().all())

    def enqueue(self, key: str, event: dict[str, Any]) -> None:
        self.queues[worker.lane(event, self.workers)].put_nowait((key, event))

    async def _work(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            key, event = await queue.get()
            # Acknowledgements first: Zalo wants its 200 within 2 s, the reply can wait a moment.
            await self.acked.wait()
            try:
                if await worker.take_one(key):
                    await worker.process(event, key)
            except Exception:  # the turn records failures itself; never let the worker die
                log.exception("zalo worker")


_inboxes: dict[int, Inbox] = {}


def get_inbox() -> Inbox:
    """One inbox per event loop (tests and servers may run several loops in one process)."""
    loop = asyncio.get_running_loop()
    inbox = _inboxes.get(id(loop))
    if inbox is None:
        inbox = _inboxes[id(loop)] = Inbox()
    return inbox
