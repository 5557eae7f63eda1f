"""The Zalo inbox: the webhook stores each event and answers; a worker runs the dialogue after.

Answer path (web process): claim event ids in batches (one transaction for all events arriving
together, so 50 concurrent posts cost one commit, not fifty); a redelivered id is found and
skipped. The payload is stored with the id, so answering 200 before processing loses nothing.
Then the inbox worker (bot/zalo/worker.py) is woken by its doorbell.

`ZALO_INBOX=inline` processes in the web process instead: the new events go to in-process
queues, one per worker task, chosen by user (a person's messages in order). At start-up and every
few seconds it also takes back what a dead process held (bot/zalo/worker.reclaim) and queues the
stored events nobody took (they were in the queues of a process that is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from backend.core import claimers
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
        self.reclaimer: asyncio.Task[None] | None = None
        self.doorbell = Doorbell(settings.var_dir, workers=settings.zalo_inbox_workers)

    def _start(self) -> None:
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.create_task(self._flush_forever())
        if self.inline and not self.tasks:
            self.tasks = [asyncio.create_task(self._work(q)) for q in self.queues]
            self.reclaimer = asyncio.create_task(self._reclaim_forever())

    def start_inline(self) -> None:
        """Inline mode: start the worker tasks now (at start-up), not with the first event, so what
        a dead process left is taken back at once."""
        if self.inline:
            self._start()

    async def _reclaim_forever(self) -> None:
        first = True
        while True:
            try:
                released = (await worker.reclaim())["released"]
                if first or released:
                    for key, event in await worker.waiting():
                        self.enqueue(key, event)  # take_one skips what another process took
                first = False
            except Exception:  # the database is away: the next look finds them
                log.exception("zalo inbox: taking back the events of dead workers failed")
            await asyncio.sleep(worker.RECLAIM_EVERY)

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


@contextlib.asynccontextmanager
async def _inline_running(app: Any) -> AsyncIterator[None]:
    settings = get_settings()
    tasks: list[asyncio.Task[Any]] = []
    if settings.zalo_inbox == "inline" and (settings.zalo_oa_secret_key or settings.zalo_signature_mode == "log"):
        inbox = get_inbox()
        inbox.start_inline()
        tasks = [t for t in (inbox.reclaimer, asyncio.create_task(claimers.heartbeat_forever("web"))) if t]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()


def lifespan_hook(app: Any) -> contextlib.AbstractAsyncContextManager[None]:
    """`phananh serve` with ZALO_INBOX=inline: the inbox's workers start with the app (and take
    back at once what a dead process left)."""
    return _inline_running(app)


def get_inbox() -> Inbox:
    """One inbox per event loop (tests and servers may run several loops in one process)."""
    loop = asyncio.get_running_loop()
    inbox = _inboxes.get(id(loop))
    if inbox is None:
        inbox = _inboxes[id(loop)] = Inbox()
    return inbox
