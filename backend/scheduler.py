"""Scheduled work (APScheduler 3, AsyncIOScheduler): the job registry, the leader lease and the
runner. The jobs themselves live with their domain (`backend/<domain>/scheduled.py: JOBS`);
edges (the bots) add theirs at start-up with `backend.core.jobs.register()`.

Runs inside `phananh serve` (SCHEDULER_ENABLED=true, the default) or alone as `phananh scheduler`.
Whichever way, a job runs only in the process holding the leader lease (lease "scheduler" in
`scheduler_lease`, with holder id and expiry, renewed well before it expires), so several web
workers or schedulers never run the same job twice.

Every job is a plain async function taking an injectable `now` (tests control the clock), is
idempotent (a rerun finds nothing left to do) and returns a dict of what it did, which is logged.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from backend.cameras.scheduled import JOBS as CAMERA_JOBS
from backend.core import jobs as job_registry
from backend.core import lease
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import NotFound
from backend.core.jobs import Job
from backend.core.logging import get_logger
from backend.dashboard.scheduled import JOBS as DASHBOARD_JOBS
from backend.monitoring.indicators.scheduled import JOBS as INDICATOR_JOBS
from backend.monitoring.sites.scheduled import JOBS as SITE_JOBS
from backend.notifications.scheduled import JOBS as NOTIFICATION_JOBS
from backend.reports.scheduled import JOBS as REPORT_JOBS
from backend.staff.scheduled import JOBS as STAFF_JOBS

log = get_logger(__name__)

LEASE_NAME = "scheduler"
LEASE_SECONDS = 60
RENEW_SECONDS = 20


# The domains' jobs, one line per domain module.
DOMAIN_JOBS: list[Job] = [
    *REPORT_JOBS,
    *NOTIFICATION_JOBS,
    *DASHBOARD_JOBS,
    *CAMERA_JOBS,
    *SITE_JOBS,
    *INDICATOR_JOBS,
    *STAFF_JOBS,
]


def all_jobs() -> list[Job]:
    """The domains' jobs, then those the edges registered at start-up (a registered job of the same
    name replaces the domain's)."""
    by_name = {job.name: job for job in DOMAIN_JOBS}
    by_name.update({job.name: job for job in job_registry.registered()})
    return list(by_name.values())


async def run_job_once(name: str, now: datetime | None = None) -> dict[str, Any]:
    """Run one job now (CLI `phananh jobs run NAME`, tests); no leader check."""
    jobs = {job.name: job for job in all_jobs()}
    job = jobs.get(name)
    if job is None:
        raise NotFound(f"unknown job {name}; jobs: {', '.join(jobs)}")
    started = utcnow()
    result = await job.func(now=now)
    log.info("job done", job=name, ms=int((utcnow() - started).total_seconds() * 1000), **result)
    return result


# --- leader lease (backend.core.lease, lease "scheduler") -----------------------------------------


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def acquire_lease(holder: str, now: datetime | None = None, seconds: int = LEASE_SECONDS) -> bool:
    """Take or renew the scheduler's lease; True when `holder` is the leader until now + seconds."""
    return await lease.acquire_lease(LEASE_NAME, holder, now=now, seconds=seconds)


async def release_lease(holder: str) -> None:
    await lease.release_lease(LEASE_NAME, holder)


class Runner:
    """One scheduler instance: renews the lease and runs the jobs while it is the leader."""

    def __init__(self, holder: str | None = None) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self.holder = holder or new_holder_id()
        self.leader = False
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def renew(self) -> bool:
        try:
            leader = await acquire_lease(self.holder)
        except Exception as exc:  # database down: stop running jobs until it answers again
            log.warning("scheduler lease check failed", error=str(exc))
            leader = False
        if leader != self.leader:
            log.info("scheduler leadership", holder=self.holder, leader=leader)
        self.leader = leader
        return leader

    async def run_if_leader(self, name: str, now: datetime | None = None) -> dict[str, Any] | None:
        if not self.leader:
            return None
        try:
            return await run_job_once(name, now=now)
        except Exception as exc:  # one failing job must not stop the others
            log.exception("job failed", job=name, error=str(exc))
            return {"error": str(exc)}

    def start(self) -> None:
        self.scheduler.add_job(self.renew, "interval", seconds=RENEW_SECONDS, id="lease", next_run_time=utcnow(),
                               max_instances=1, coalesce=True)
        for job in all_jobs():
            self.scheduler.add_job(self.run_if_leader, "interval", seconds=job.seconds, args=[job.name], id=job.name,
                                   max_instances=1, coalesce=True,
                                   next_run_time=utcnow() + timedelta(seconds=5))
        self.scheduler.start()

    async def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        if self.leader:
            try:
                await release_lease(self.holder)
            except Exception as exc:
                log.warning("could not release the scheduler lease", error=str(exc))
        self.leader = False


async def run_forever() -> None:
    """`phananh scheduler`: the jobs alone, until interrupted."""
    runner = Runner()
    runner.start()
    log.info("scheduler started", holder=runner.holder, jobs=[j.name for j in all_jobs()])
    try:
        await asyncio.Event().wait()
    finally:
        await runner.stop()


def lifespan_hook(app: Any) -> Any:
    """In-process scheduler for `phananh serve` when SCHEDULER_ENABLED."""

    @asynccontextmanager
    async def scheduler_lifespan() -> AsyncIterator[None]:
        if not get_settings().scheduler_enabled:
            yield
            return
        runner = Runner()
        runner.start()
        app.state.scheduler = runner
        try:
            yield
        finally:
            await runner.stop()

    return scheduler_lifespan()
