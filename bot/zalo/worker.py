"""The Zalo inbox worker: takes the events the webhook stored (bot/zalo/inbox.py) and runs their
turns (bot/dialogue/turns.py: dialogue, commit, send, outbox fallback, done).

`ZALO_INBOX=process` (the default): a separate worker process, started by `phananh serve` (or
`phananh bot zalo-inbox`), takes stored events in arrival order and runs the dialogue for them,
each user's events in order. The web process then spends its CPU on answering only: with the
dialogue in the same event loop, each answer waited behind dialogue turns (p99 ~300 ms at 50
concurrent senders). The web process wakes the worker with a datagram on a Unix socket in VAR_DIR
(bot/zalo/doorbell.py); without it (another host) the worker looks every second anyway.

Taking an event is one conditional UPDATE (received -> processing, with claimed_at and the
worker's id, backend/core/claimers.py), so each is processed once even with several workers or the
recovery job. The turn commits with the event "answered" and its replies stored on the row; each
reply is recorded right after it goes out, the last with "done" (bot/dialogue/turns.py).

Crash recovery (`reclaim()`, at the worker's start and every RECLAIM_EVERY): events held by a
provably dead worker (killed, restarted: its pid is gone or has another start time; on another
host, its heartbeat is older than 15 s) are taken back at once: those it was processing go back to
"received" (their turn was never committed), those it answered get the rest of their replies. The
long STALE lease (`recover()`, the outbox job) stays for a worker that is alive but hung.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import zlib
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from backend.core import claimers
from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow, writing
from bot.dialogue import turns
from bot.zalo import render, system
from bot.zalo.doorbell import Doorbell
from bot.zalo.events import is_system, to_incoming, user_of

log = logging.getLogger(__name__)
TAKE = 200  # events a worker takes for processing at a time
STALE = timedelta(minutes=5)
LANES = 8  # users processed side by side by a worker (their replies are sent concurrently)
LANE_SPACE = 1024  # an event's stored lane, from its sender: worker i of N takes lanes = i mod N
NICE = 5  # the worker's CPU priority below the web process (measured: p99 answer 128 -> 84 ms)
RECLAIM_EVERY = 5.0  # seconds between looks for events held by dead workers

# The Zalo channel for the turn runner: replies through the OA API; writes take the SQLite turn.
ZALO = turns.Channel("zalo", render.send_messages, gated=True)


def lane_of(event: dict[str, Any]) -> int:
    """The event's lane, from its person (0..LANE_SPACE-1): one person, one lane (a staff echo and
    a receipt go to the lane of the person they were sent to, so a pause is recorded in order)."""
    user = user_of(event) or ""
    return zlib.crc32(user.encode()) % LANE_SPACE


def lane(event: dict[str, Any], lanes: int, stride: int = 1) -> int:
    """The in-process lane of a worker taking every `stride`-th stored lane (spread evenly)."""
    return (lane_of(event) // stride) % lanes


async def process(event: dict[str, Any], key: str) -> None:
    """Run the turn of one taken event and deliver its replies (events that carry nothing to
    answer are just marked done; receipts, staff echoes and consent withdrawal are recorded
    without the dialogue)."""
    if is_system(event):
        async with writing(), session_scope() as session:
            replies = await system.handle(event, session=session)
            await turns.mark(session, "zalo", key, "answered" if replies else "done",
                             replies=[r.to_dict() for r in replies])
        user = user_of(event)
        if replies and user:  # the withdrawal's confirmation
            await turns.deliver(ZALO, key, user, replies)
        return
    incoming = to_incoming(event)
    if incoming is None:
        async with writing(), session_scope() as session:
            await turns.mark(session, "zalo", key, "done")
        return
    await turns.run_turn(incoming, channel=ZALO, key=key, recipient=incoming.user_id, stored=True)


# ---- taking events for processing ----------------------------------------------------------


async def take(*, limit: int = TAKE, stale_only: bool = False, share: tuple[int, int] = (0, 1),
               dead: list[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Take up to `limit` events for processing, oldest first, and mark them so (atomically: no
    event is taken twice). `stale_only` (recovery): only events nobody took within STALE, or
    whose worker took them more than STALE ago and never finished, or whose worker is among the
    `dead` (backend/core/claimers.py). `share` (i, N): worker i of
    N takes only the events whose lane is i mod N."""
    events = turns.EVENTS.c
    cutoff = utcnow() - STALE
    ready = events.status == "received"
    if stale_only:
        ready = or_(and_(ready, events.created_at < cutoff),
                    and_(events.status == "processing", events.claimed_at < cutoff),
                    *([and_(events.status == "processing", events.claimed_by.in_(dead))] if dead else []))
    worker, workers = share
    if workers > 1:
        ready = and_(ready, events.lane % workers == worker)
    where = and_(events.channel == "zalo", ready, events.payload.is_not(None))
    me = await claimers.register("zalo-inbox")
    async with writing(), session_scope() as session:
        rows = await turns.claim(session, where, limit, {"status": "processing", "claimed_at": utcnow(),
                                                         "claimed_by": me},
                                 events.event_id, events.payload)
    return [(key, payload) for key, payload in rows]


async def take_one(key: str) -> bool:
    """Take one known event (inline mode); False when someone else already has."""
    me = await claimers.register("zalo-inbox")
    async with writing(), session_scope() as session:
        return await turns.mark(session, "zalo", key, "processing", only_from="received", claimed_at=utcnow(),
                                claimed_by=me) > 0


async def process_batch(events: list[tuple[str, dict[str, Any]]], lanes: int, stride: int = 1) -> None:
    """Run the dialogue for taken events: `lanes` at a time, each user's events in order (each
    reply recorded as it goes out)."""
    by_lane: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for key, event in events:
        by_lane.setdefault(lane(event, lanes, stride), []).append((key, event))

    async def run_lane(items: list[tuple[str, dict[str, Any]]]) -> None:
        for key, event in items:
            try:
                await process(event, key)
            except Exception:  # the turn records failures itself
                log.exception("zalo event %s", key)

    await asyncio.gather(*(run_lane(items) for items in by_lane.values()))


async def reclaim(share: tuple[int, int] = (0, 1), limit: int = TAKE) -> dict[str, int]:
    """Take back at once the events held by provably dead workers (backend/core/claimers.py):
    those taken but not answered go back to "received" (the normal take runs them again, each by
    its lane's worker), and the answered ones of this worker's lanes get the rest of their
    replies. Returns {"released", "resumed"}."""
    dead = await turns.dead_claimers("zalo")
    if not dead:
        return {"released": 0, "resumed": 0}
    released = await turns.release("zalo", dead, gated=True)
    events = turns.EVENTS.c
    mine = events.lane % share[1] == share[0] if share[1] > 1 else None
    resumed = await turns.recover_answered(ZALO, _user_of, limit, dead=dead, where=mine)
    if released or resumed:
        log.warning("zalo inbox: took back %d events and finished %d answered ones of dead workers %s",
                    released, resumed, ", ".join(dead))
    return {"released": released, "resumed": resumed}


async def run_worker(stop: asyncio.Event | None = None, idle_s: float = 1.0, share: tuple[int, int] = (0, 1)) -> None:
    """The inbox worker (`share`: worker i of N): take back what dead workers held, then take
    stored events and process them until `stop` is set (looking for dead workers' events again
    every RECLAIM_EVERY seconds)."""
    stop = stop or asyncio.Event()
    lanes = LANES  # on SQLite their transactions take turns (writing()); their sends overlap
    doorbell = Doorbell(get_settings().var_dir, workers=share[1])
    listening = doorbell.listen(share[0])
    log.info("zalo inbox worker %s started (%s)", claimers.worker_id(),
             "doorbell " + str(doorbell.path) if listening else "polling")
    next_reclaim = 0.0
    beating = asyncio.create_task(claimers.heartbeat_forever("zalo-inbox", stop))
    try:
        while not stop.is_set():
            if time.monotonic() >= next_reclaim:
                next_reclaim = time.monotonic() + RECLAIM_EVERY
                try:
                    await reclaim(share)
                except Exception:  # the database is away: the next look finds them
                    log.exception("zalo inbox: taking back the events of dead workers failed")
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
        beating.cancel()
        doorbell.close()


async def waiting(limit: int = TAKE) -> list[tuple[str, dict[str, Any]]]:
    """Stored events nobody has taken, oldest first (inline mode, after a restart: they were in
    the queues of a process that is gone). Read only: each is then taken with `take_one`."""
    events = turns.EVENTS.c
    async with session_scope() as session:
        rows = (await session.execute(
            select(events.event_id, events.payload)
            .where(events.channel == "zalo", events.status == "received", events.payload.is_not(None))
            .order_by(events.id).limit(limit))).all()
    return [(key, payload) for key, payload in rows]


def _user_of(event: dict[str, Any]) -> str | None:
    incoming = to_incoming(event)
    return incoming.user_id if incoming is not None else user_of(event)


async def recover(limit: int = 200) -> dict[str, int]:
    """The Zalo channel's recovery hook (run by the outbox job): finish events left half-way:
    stored but never taken within 5 minutes (the process stopped after answering 200), taken by a
    worker that died (provably, or silent for STALE) before the turn was committed (the dialogue
    runs again: nothing of it was saved), or answered by a worker that died before all its replies
    went out (the rest of the stored replies are sent)."""
    dead = await turns.dead_claimers("zalo")
    events = await take(limit=limit, stale_only=True, dead=dead)
    if events:
        await process_batch(events, 1)
    redelivered = await turns.recover_answered(ZALO, _user_of, limit, dead=dead)
    return {"recovered": len(events), "redelivered": redelivered}


# ---- the worker process --------------------------------------------------------------------


def start_worker_process(index: int = 0, workers: int = 1) -> Any:
    """Start inbox worker `index` of `workers` as a child process (used by `phananh serve`); it
    runs at a lower CPU priority than the web process, whose answers Zalo times."""
    import multiprocessing

    # The server's pid goes with it: a server killed while the child is still importing must not
    # leave it waiting for a parent it never saw (its os.getppid() would already be 1).
    proc = multiprocessing.get_context("spawn").Process(
        target=_worker_main, args=(index, workers, os.getpid()), name=f"zalo-inbox-{index}", daemon=True)
    proc.start()
    return proc


def _worker_main(index: int, workers: int, parent: int) -> None:  # pragma: no cover (child process)
    import signal

    from backend.core import sqlite_inline

    if os.getppid() != parent:
        log.warning("zalo inbox worker: the server process is gone before the worker started, stopping")
        return
    sqlite_inline.BACKGROUND = True
    with contextlib.suppress(OSError):
        os.nice(NICE)
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
