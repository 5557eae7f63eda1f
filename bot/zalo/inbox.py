"""The Zalo inbox: the webhook stores each event and answers; a worker runs the dialogue after.

Answer path (web process): claim event ids in batches (one transaction for all events arriving
together, so 50 concurrent posts cost one commit, not fifty); a redelivered id is found and
skipped. The payload is stored with the id, so answering 200 before processing loses nothing.

Processing (`ZALO_INBOX=process`, the default): a separate worker process, started by
`phananh serve` (or `phananh bot zalo-inbox`), takes stored events in arrival order and runs the
dialogue for them, each user's events in order. The web process then spends its CPU on answering
only: with the dialogue in the same event loop, each answer waited behind dialogue turns (p99
~300 ms at 50 concurrent senders). The web process wakes the worker with a datagram on a Unix
socket in VAR_DIR; without it (another host) the worker looks every second anyway.
`ZALO_INBOX=inline` processes in the web process, as before.

Taking an event is one conditional UPDATE (received -> processing, with claimed_at), so each is
processed once even with several workers or the recovery job. The turn commits with the event
"answered" and its replies stored on the row; once they are sent the event is "done" (marked a few
dozen at a time). `recover()` (the outbox job) takes events nobody took within 5 minutes, events
whose worker died while processing them, and sends the stored replies of events whose worker died
between commit and send (bot/dialogue/turns.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_

from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from bot.dialogue import turns
from bot.zalo.events import to_incoming, user_of

log = logging.getLogger(__name__)
BATCH = 500  # events claimed (stored) in one transaction
TAKE = 200  # events a worker takes for processing at a time
STALE = timedelta(minutes=5)
LANES = 8  # users processed side by side by a worker (their replies are sent concurrently)
LANE_SPACE = 1024  # an event's stored lane, from its sender: worker i of N takes lanes = i mod N
NICE = 5  # the worker's CPU priority below the web process (measured: p99 answer 128 -> 84 ms)


class Inbox:
    """Per process and event loop. On SQLite the flusher and the workers also take turns on an
    asyncio lock before writing: queueing here is fair and immediate."""

    def __init__(self) -> None:
        settings = get_settings()
        self.inline = settings.zalo_inbox == "inline"
        self.gate: asyncio.Lock | None = asyncio.Lock() if settings.is_sqlite else None
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
                                  "created_at": now, "lane": lane_of(event)})
        async with writing(), session_scope() as session:
            conn = await session.connection()
            result = await conn.execute(turns.insert_new(conn.dialect.name), list(rows.values()))
            return set(result.scalars().all())

    def enqueue(self, key: str, event: dict[str, Any]) -> None:
        self.queues[_lane(event, self.workers)].put_nowait((key, event))

    async def _work(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            key, event = await queue.get()
            # Acknowledgements first: Zalo wants its 200 within 2 s, the reply can wait a moment.
            await self.acked.wait()
            try:
                if await take_one(key):
                    await _process(event, key)
            except Exception:  # process() records failures itself; never let the worker die
                log.exception("zalo worker")


def lane_of(event: dict[str, Any]) -> int:
    """The event's lane, from its sender (0..LANE_SPACE-1): one person, one lane."""
    user = str((event.get("sender") or event.get("follower") or {}).get("id", ""))
    return zlib.crc32(user.encode()) % LANE_SPACE


def _lane(event: dict[str, Any], lanes: int, stride: int = 1) -> int:
    """The in-process lane of a worker taking every `stride`-th stored lane (spread evenly)."""
    return (lane_of(event) // stride) % lanes


async def _process(event: dict[str, Any], key: str, receipts: Any = None) -> None:
    from bot.zalo.webhook import process

    await process(event, key, receipts)


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


# ---- taking events for processing ----------------------------------------------------------


async def take(*, limit: int = TAKE, stale_only: bool = False, share: tuple[int, int] = (0, 1)
               ) -> list[tuple[str, dict[str, Any]]]:
    """Take up to `limit` events for processing, oldest first, and mark them so (atomically: no
    event is taken twice). `stale_only` (recovery): only events nobody took within STALE, or
    whose worker took them more than STALE ago and never finished. `share` (i, N): worker i of
    N takes only the events whose lane is i mod N."""
    events = turns.EVENTS.c
    cutoff = utcnow() - STALE
    ready = events.status == "received"
    if stale_only:
        ready = or_(and_(ready, events.created_at < cutoff),
                    and_(events.status == "processing", events.claimed_at < cutoff))
    worker, workers = share
    if workers > 1:
        ready = and_(ready, events.lane % workers == worker)
    where = and_(events.channel == "zalo", ready, events.payload.is_not(None))
    async with writing(), session_scope() as session:
        rows = await turns.claim(session, where, limit, {"status": "processing", "claimed_at": utcnow()},
                                 events.event_id, events.payload)
    return [(key, payload) for key, payload in rows]


async def take_one(key: str) -> bool:
    """Take one known event (inline mode); False when someone else already has."""
    async with writing(), session_scope() as session:
        return await turns.mark(session, "zalo", key, "processing", only_from="received", claimed_at=utcnow()) > 0


async def process_batch(events: list[tuple[str, dict[str, Any]]], lanes: int, stride: int = 1) -> None:
    """Run the dialogue for taken events: `lanes` at a time, each user's events in order; the
    delivered ones are marked done a few dozen at a time."""
    from bot.zalo.webhook import Receipts

    by_lane: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for key, event in events:
        by_lane.setdefault(_lane(event, lanes, stride), []).append((key, event))
    receipts = Receipts()

    async def run_lane(items: list[tuple[str, dict[str, Any]]]) -> None:
        for key, event in items:
            try:
                await _process(event, key, receipts)
                if receipts.due:
                    await receipts.flush()
            except Exception:  # process() records failures itself
                log.exception("zalo event %s", key)

    await asyncio.gather(*(run_lane(items) for items in by_lane.values()))
    try:
        await receipts.flush()
    except Exception:  # the database is away: the events stay "answered", recover() finishes them
        log.exception("zalo inbox: marking %d events done failed", len(receipts.keys))


async def run_worker(stop: asyncio.Event | None = None, idle_s: float = 1.0, share: tuple[int, int] = (0, 1)) -> None:
    """The inbox worker (`share`: worker i of N): take stored events and process them until
    `stop` is set."""
    stop = stop or asyncio.Event()
    lanes = LANES  # on SQLite their transactions take turns (writing()); their sends overlap
    doorbell = Doorbell(get_settings().var_dir, workers=share[1])
    listening = doorbell.listen(share[0])
    log.info("zalo inbox worker started (%s)", "doorbell " + str(doorbell.path) if listening else "polling")
    try:
        while not stop.is_set():
            try:
                events = await take(share=share)
            except Exception:  # the database is away: try again shortly
                log.exception("zalo inbox: taking events failed")
                events = []
                await asyncio.sleep(idle_s)
            if events:
                await process_batch(events, lanes, stride=share[1])
                continue
            await doorbell.wait(idle_s, stop)
    finally:
        doorbell.close()


async def recover(limit: int = 200) -> dict[str, int]:
    """Finish events left half-way: stored but never taken within 5 minutes (the process stopped
    after answering 200), taken by a worker that died before the turn was committed (the dialogue
    runs again: nothing of it was saved), or answered by a worker that died before its replies
    went out (the stored replies are sent)."""
    events = await take(limit=limit, stale_only=True)
    if events:
        await process_batch(events, 1)
    answered = await turns.take_stale("zalo", limit)
    from bot.zalo.webhook import deliver

    for key, event, replies in answered:
        incoming = to_incoming(event)
        user = incoming.user_id if incoming is not None else user_of(event)  # user_withdraw's confirmation
        if user:
            await deliver(key, user, replies)
    return {"recovered": len(events), "redelivered": len(answered)}


# ---- waking the worker ---------------------------------------------------------------------


class Doorbell:
    """Unix datagram sockets in VAR_DIR, one per inbox worker: the web process rings them all when
    it stored new events, each worker waits on its own between batches. Best effort: a lost ring
    costs at most the idle poll."""

    def __init__(self, var_dir: Path, workers: int = 1) -> None:
        self.dir = Path(var_dir).resolve()
        self.paths = [self._path(i) for i in range(workers)]
        self.path = self.paths[0]
        self.sock: socket.socket | None = None
        self.sender: socket.socket | None = None

    def _path(self, index: int) -> Path:
        return self.dir / ("zalo-inbox.sock" if index == 0 else f"zalo-inbox-{index}.sock")

    def ring(self) -> None:
        try:
            if self.sender is None:
                self.sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self.sender.setblocking(False)
        except OSError:
            return
        for path in self.paths:
            # OSError: no worker listening (yet), or its queue is full: it polls anyway
            with contextlib.suppress(OSError):
                self.sender.sendto(b"!", str(path))

    def listen(self, index: int = 0) -> bool:
        self.path = self._path(index)
        if len(str(self.path)) > 100:  # AF_UNIX path limit
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(self.path))
            sock.setblocking(False)
        except OSError:
            log.warning("zalo inbox: cannot listen on %s, polling instead", self.path)
            return False
        self.sock = sock
        return True

    async def wait(self, idle_s: float, stop: asyncio.Event) -> None:
        """Until a ring, `stop`, or idle_s."""
        waits = [asyncio.ensure_future(stop.wait())]
        if self.sock is not None:
            waits.append(asyncio.ensure_future(asyncio.get_running_loop().sock_recv(self.sock, 64)))
        _done, pending = await asyncio.wait(waits, timeout=idle_s, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if self.sock is None:
            return
        while True:  # swallow the rings that arrived meanwhile: one batch answers them all
            try:
                self.sock.recv(64)
            except (BlockingIOError, OSError):
                break

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        if self.sender is not None:
            self.sender.close()


def start_worker_process(index: int = 0, workers: int = 1) -> Any:
    """Start inbox worker `index` of `workers` as a child process (used by `phananh serve`); it
    runs at a lower CPU priority than the web process, whose answers Zalo times."""
    import multiprocessing

    proc = multiprocessing.get_context("spawn").Process(
        target=_worker_main, args=(index, workers), name=f"zalo-inbox-{index}", daemon=True)
    proc.start()
    return proc


def _worker_main(index: int = 0, workers: int = 1) -> None:  # pragma: no cover (child process)
    import signal

    from backend.core import sqlite_inline

    sqlite_inline.BACKGROUND = True
    with contextlib.suppress(OSError):
        os.nice(NICE)
    parent = os.getppid()
    stop = asyncio.Event()

    async def orphaned() -> None:
        """Stop with the server that started this worker, however it ended (even killed)."""
        while os.getppid() == parent:  # noqa: ASYNC110 (no event for a parent's death)
            await asyncio.sleep(1)
        log.warning("zalo inbox worker: the server process is gone, stopping")
        stop.set()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        watch = asyncio.create_task(orphaned())
        try:
            await run_worker(stop, share=(index, workers))
        finally:
            watch.cancel()

    asyncio.run(main())
