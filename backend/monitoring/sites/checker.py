"""The site checker: the periodic checks of the watched websites, in their own process.

With `SITE_CHECKER=process` (the default) the checks do not run in the web process: 500 sites a
minute (TLS handshakes, page analysis, result writes) there made the API's p99 seven times worse
on a busy 2-core VM. `phananh serve` starts one checker process (`start_checker_process`), at a
lower CPU priority (os.nice) so the web process wins the CPU, and SQLite's write lock in the
background role (the web requests go first); `phananh monitor` runs one alone (a separate host or
container, or `phananh serve --workers N` with `phananh scheduler`). Exactly one checker checks at a
time: the holder of lease `site-checker` (backend/core/lease.py); another stands by and takes over
within a minute when the first one stops (at once when it stops cleanly: it gives the lease up).

The cadence is the scheduler's: every TICK_S the sites that are due are checked, each at its own
interval, one round at a time (a round of N sites: SITE_CHECK_CONCURRENCY probes in flight,
results written in batches); the first round of a process checks every enabled site.

The web process and `phananh scheduler` mark themselves with `leave_checks_to_checker()`; the
`site-checks` job then does nothing there. `phananh jobs run site-checks` (a process of its own)
still checks every site once, now."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.exc import OperationalError

from backend.core import sqlite_inline
from backend.core.config import get_settings
from backend.core.db import dispose_engine, session_scope, utcnow
from backend.core.lease import acquire_lease, release_lease
from backend.core.logging import get_logger
from backend.monitoring.sites import analysis, probe, service

log = get_logger(__name__)

LEASE_NAME = "site-checker"
LEASE_SECONDS = 60
RENEW_SECONDS = 20
TICK_S = 5  # as the scheduler's site-checks job
NICE = 10  # below the web process (nice 0) and the Zalo inbox worker (5)
POLICIES = {"batch": getattr(os, "SCHED_BATCH", None), "idle": getattr(os, "SCHED_IDLE", None),
            "normal": getattr(os, "SCHED_OTHER", None)}

_left_to_checker = False


def leave_checks_to_checker() -> None:
    """This process (a web process, the scheduler) does not check sites when SITE_CHECKER=process."""
    global _left_to_checker
    _left_to_checker = True


def checks_left_to_checker() -> bool:
    return _left_to_checker and get_settings().site_checker == "process"


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:site-checker:{uuid.uuid4().hex[:8]}"


class Checker:
    """One checker: holds the lease (renewed by its own task, so a long round does not lose it)
    and runs rounds of due sites while it leads."""

    def __init__(self, holder: str | None = None, tick_s: float = TICK_S) -> None:
        self.holder = holder or new_holder_id()
        self.tick_s = tick_s
        self.leader = False
        self.swept = False
        self.rounds = 0
        self.checked = 0
        settings = get_settings()
        self.prober = probe.Prober(settings.site_check_concurrency, settings.site_check_keepalive_s)

    async def renew(self) -> bool:
        try:
            leader = await acquire_lease(LEASE_NAME, self.holder, seconds=LEASE_SECONDS)
        except Exception as exc:  # database away: no checks until it answers
            log.warning("site-checker lease check failed", error=str(exc))
            leader = False
        if leader != self.leader:
            log.info("site checker leadership", holder=self.holder, leader=leader)
        self.leader = leader
        return leader

    async def round(self) -> dict[str, Any]:
        """Check the sites due now (every enabled site in the first round)."""
        every = not self.swept
        due = await self._book(every)
        self.swept = True
        result = await service.run_round(due, prober=self.prober)
        self.rounds += 1
        self.checked += result["checked"]
        if result["checked"] or result.get("incidents_opened") or result.get("incidents_closed"):
            log.info("site checks", sweep=every, cached=analysis.stats["cached"], parsed=analysis.stats["parsed"],
                     handshakes=self.prober.handshakes, reused=self.prober.reused, **result)
        return result

    async def _book(self, every: bool) -> list[int]:
        """The due sites, booked in a deferred transaction (the write lock only for the UPDATE),
        taken again when another process wrote meanwhile, at last with the lock from the start."""
        for attempt in range(service.DEFERRED_TRIES + 1):
            try:
                async with session_scope(deferred=attempt < service.DEFERRED_TRIES) as session:
                    return await service.due_sites(session=session, now=utcnow(), every=every)
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == service.DEFERRED_TRIES:
                    raise
        return []

    async def _keep_lease(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RENEW_SECONDS if self.leader else self.tick_s)
            if not stop.is_set():
                await self.renew()

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: rounds while leading, standing by otherwise; the lease given up at the end."""
        await self.renew()
        keeper = asyncio.create_task(self._keep_lease(stop))
        try:
            while not stop.is_set():
                if self.leader:
                    try:
                        await self.round()
                    except Exception:  # the database away, a bug in one round: the next one tries again
                        log.exception("site check round failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.tick_s)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            if self.leader:
                with contextlib.suppress(Exception):
                    await release_lease(LEASE_NAME, self.holder)
            self.leader = False
            await self.prober.aclose()
            analysis.shutdown()


async def run_until_signalled(stop: asyncio.Event | None = None, *, parent: int | None = None) -> Checker:
    """`phananh monitor` (and the process `phananh serve` starts): check until SIGTERM/SIGINT,
    or until the server process `parent` is gone (however it ended, even killed)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def orphaned() -> None:
        while os.getppid() == parent:  # noqa: ASYNC110 (no event for a parent's death)
            await asyncio.sleep(1)
        log.warning("site checker: the server process is gone, stopping")
        stop.set()

    watch = asyncio.create_task(orphaned()) if parent is not None else None
    checker = Checker()
    # What start-up built (modules, settings, the engine's caches) lives as long as the process:
    # out of the collector's sight, so its passes over the checks' short-lived objects stay short.
    gc.collect()
    gc.freeze()
    log.info("site checker started", holder=checker.holder, pid=os.getpid(), nice=os.nice(0),
             sched=get_settings().site_checker_sched, frozen_objects=gc.get_freeze_count())
    try:
        await checker.run(stop)
    finally:
        if watch is not None:
            watch.cancel()
        await dispose_engine()
    return checker


def lower_priority() -> dict[str, Any]:
    """The checker's CPU priority below the web process's, for every thread it has (and, as Linux
    threads and children inherit both, every thread and process it starts later: aiosqlite's,
    the resolver's, the page-analysis worker): nice NICE at least and the scheduling policy of
    SITE_CHECKER_SCHED (`batch`, the default: a CPU-bound task that does not preempt the web
    process on wake-up; `idle`: only the CPU nobody else wants, whose checks stall, and whose
    response times grow, while the machine is saturated; `normal`). SQLite's write lock in the
    background role (it never asks the web processes to let it go first)."""
    sqlite_inline.BACKGROUND = True
    policy = POLICIES.get(get_settings().site_checker_sched)
    applied = {"threads": 0, "nice": None, "policy": None}
    for tid in _threads():
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), NICE))
            applied["nice"] = os.getpriority(os.PRIO_PROCESS, tid)
        if policy is not None and hasattr(os, "sched_setscheduler"):
            with contextlib.suppress(OSError):
                os.sched_setscheduler(tid, policy, os.sched_param(0))
                applied["policy"] = get_settings().site_checker_sched
        applied["threads"] += 1
    return applied


def _threads() -> list[int]:
    """This process's thread ids (Linux), or the process alone."""
    try:
        return [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def run_checker(parent: int | None = None) -> None:
    """Run a checker in this process until signalled (the process is lowered first)."""
    lower_priority()
    asyncio.run(run_until_signalled(parent=parent))


def _checker_main(parent: int) -> None:  # pragma: no cover (child process)
    run_checker(parent)


def start_checker_process() -> Any:
    """Start the checker as a child process (used by `phananh serve`). Not a daemon: it starts
    the page-analysis worker of its own; it stops with the server (signal or orphan watch)."""
    import multiprocessing

    proc = multiprocessing.get_context("spawn").Process(
        target=_checker_main, args=(os.getpid(),), name="site-checker", daemon=False)
    proc.start()
    return proc


def stop_checker_process(proc: Any, timeout_s: float = 15) -> None:
    if proc.is_alive():
        proc.terminate()
    proc.join(timeout_s)
    if proc.is_alive():
        proc.kill()
        proc.join(5)


def lifespan_hook(app: Any) -> Any:
    """The web process leaves the periodic checks to the checker process (SITE_CHECKER=process)."""

    @asynccontextmanager
    async def checker_lifespan() -> AsyncIterator[None]:
        leave_checks_to_checker()
        yield

    return checker_lifespan()
