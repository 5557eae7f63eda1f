"""Scheduled work (APScheduler 3, AsyncIOScheduler).

Runs inside `phananh serve` (SCHEDULER_ENABLED=true, the default) or alone as `phananh scheduler`.
Whichever way, a job runs only in the process holding the leader lease (a row in
`scheduler_lease` with holder id and expiry, renewed well before it expires), so several web
workers or schedulers never run the same job twice.

Every job is a plain async function taking an injectable `now` (tests control the clock), is
idempotent (a rerun finds nothing left to do) and returns a dict of what it did, which is logged.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from backend.core.logging import get_logger
from backend.dashboard.models import SchedulerLease
from backend.reports.models import OPEN_STATUSES, Rating, Report, Status
from backend.staff import scheduled as staff_jobs

log = get_logger(__name__)

LEASE_NAME = "scheduler"
LEASE_SECONDS = 60
RENEW_SECONDS = 20
REMIND_BEFORE = timedelta(hours=24)  # remind the agency a day before the deadline
RATING_REMINDER_AFTER = timedelta(days=3)
AUTO_CLOSE_AFTER = timedelta(days=14)
BATCH = 500


# --- jobs ---------------------------------------------------------------------------------------


async def deadline_watch(now: datetime | None = None) -> dict[str, Any]:
    """Remind the agency before the deadline; escalate overdue reports to the supervisors
    (an internal timeline event each, once per report; `escalated_at` flags it on the queue)."""
    from backend.reports.service import add_event

    now = now or utcnow()
    reminded = escalated = 0
    async with session_scope() as session:
        due_soon = (await session.scalars(
            select(Report).where(Report.status.in_(OPEN_STATUSES), Report.reminded_at.is_(None),
                                 Report.due_at > now, Report.due_at <= now + REMIND_BEFORE)
            .order_by(Report.due_at).limit(BATCH))).all()
        for report in due_soon:
            add_event(session, report, Actor.system(), "remind", public=False,
                      note=f"Sắp đến hạn xử lý ({_hours(report.due_at - now)} nữa)",
                      data={"agency": report.agency.code if report.agency else None})
            report.reminded_at = now
            reminded += 1
        overdue = (await session.scalars(
            select(Report).where(Report.status.in_(OPEN_STATUSES), Report.escalated_at.is_(None),
                                 Report.due_at < now)
            .order_by(Report.due_at).limit(BATCH))).all()
        for report in overdue:
            add_event(session, report, Actor.system(), "escalate", public=False,
                      note=f"Quá hạn {_hours(now - report.due_at)}: báo lãnh đạo/giám sát",
                      data={"agency": report.agency.code if report.agency else None})
            report.escalated_at = now
            escalated += 1
    return {"reminded": reminded, "escalated": escalated}


def _hours(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} ngày {hours % 24} giờ" if hours >= 24 else f"{hours} giờ"


async def rating_reminder(now: datetime | None = None) -> dict[str, Any]:
    """Ask once more for a rating, 3 days after resolution, when none came (outbox
    `rating_reminder`; `rating_requested_at` makes it once)."""
    from backend.citizens.models import Citizen
    from backend.notifications import service as notification_service

    now = now or utcnow()
    window = timedelta(days=get_settings().rating_window_days)
    asked = 0
    async with session_scope() as session:
        rated = select(Rating.report_id)
        reports = (await session.scalars(
            select(Report).where(Report.status == Status.resolved, Report.rating_requested_at.is_(None),
                                 Report.resolved_at <= now - RATING_REMINDER_AFTER,
                                 Report.resolved_at > now - window,
                                 Report.citizen_id.is_not(None), Report.id.not_in(rated))
            .limit(BATCH))).all()
        for report in reports:
            citizen = await session.get(Citizen, report.citizen_id)
            if citizen is not None:
                await notification_service.enqueue(
                    session=session, citizen=citizen, kind="rating_reminder",
                    payload={"code": report.code, "category": report.category.name,
                             "agency": report.agency.name if report.agency else None,
                             "rate_url": _rating_link(report.code)},
                    report_id=report.id, dedupe_key=f"{report.code}:rating_reminder:{report.reopen_count}")
            report.rating_requested_at = now
            asked += 1
    return {"asked": asked}


def _rating_link(code: str) -> str:
    from backend.core.security import sign

    return f"{get_settings().base_url.rstrip('/')}/rate/{sign({'code': code}, purpose='rate')}"


async def auto_close(now: datetime | None = None) -> dict[str, Any]:
    """Close resolved reports that got no rating within 14 days of resolution."""
    from backend.reports import service as reports_service

    now = now or utcnow()
    closed = 0
    async with session_scope() as session:
        reports = (await session.scalars(
            select(Report).where(Report.status == Status.resolved,
                                 Report.resolved_at <= now - AUTO_CLOSE_AFTER,
                                 Report.id.not_in(select(Rating.report_id)))
            .options(selectinload(Report.events)).limit(BATCH))).all()
        for report in reports:
            await reports_service.transition(session=session, report=report, action="close", actor=Actor.system(),
                                             note="Tự động đóng sau 14 ngày không có đánh giá")
            closed += 1
    return {"closed": closed}


async def stats_rollup(now: datetime | None = None) -> dict[str, Any]:
    """Daily statistics per agency for the portal scorecards: today and yesterday each run
    (late changes land), and every day since the last rollup (or the first report) when behind."""
    from backend.dashboard import service as dashboard_service

    now = now or utcnow()
    today = dashboard_service.local_day(now)
    async with session_scope() as session:
        last = await dashboard_service.last_rolled_day(session=session)
        start = last if last is not None else await dashboard_service.first_report_day(session=session)
    start = min(start or today, today - timedelta(days=1))
    days = rows = 0
    day = start
    while day <= today:
        async with session_scope() as session:  # a transaction per day keeps locks short
            rows += await dashboard_service.rollup_day(session=session, day=day)
        days += 1
        day += timedelta(days=1)
    return {"days": days, "rows": rows}


async def _optional(module: str, attr: str) -> dict[str, Any]:
    """Jobs written by other packages: skipped (and said so) while they are not installed."""
    try:
        func = getattr(importlib.import_module(module), attr)
    except (ModuleNotFoundError, AttributeError) as exc:
        log.info("job skipped", target=f"{module}.{attr}", reason=str(exc))
        return {"skipped": f"{module}.{attr} is not available"}
    result = await func()
    return result if isinstance(result, dict) else {"result": result}


async def outbox_retry(now: datetime | None = None) -> dict[str, Any]:
    return await _optional("backend.notifications.scheduled", "outbox_retry")


async def zalo_token_refresh(now: datetime | None = None) -> dict[str, Any]:
    return await _optional("backend.notifications.scheduled", "zalo_token_refresh")


async def conversation_cleanup(now: datetime | None = None) -> dict[str, Any]:
    return await _optional("bot.dialogue.store", "cleanup_expired")


async def chat_event_prune(now: datetime | None = None) -> dict[str, Any]:
    return await _optional("bot.zalo.freshness", "prune_processed")


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[..., Awaitable[dict[str, Any]]]
    seconds: int
    schedule_text: str
    doc: str


JOBS: list[Job] = [
    Job("deadline-watch", deadline_watch, 300, "mỗi 5 phút / every 5 min",
        "Nhắc đơn vị trước hạn 24 giờ; báo lãnh đạo khi quá hạn / remind before the deadline, escalate overdue"),
    Job("rating-reminder", rating_reminder, 3600, "mỗi giờ / hourly",
        "Nhắc đánh giá một lần sau 3 ngày / ask once more for a rating after 3 days"),
    Job("auto-close", auto_close, 3600, "mỗi giờ / hourly",
        "Đóng phản ánh đã xử lý 14 ngày không có đánh giá / close resolved reports unrated after 14 days"),
    Job("outbox-retry", outbox_retry, 30, "mỗi 30 giây / every 30 s",
        "Gửi và gửi lại tin nhắn trong hàng đợi / send and retry outbox messages"),
    Job("zalo-token-refresh", zalo_token_refresh, 1800, "mỗi 30 phút / every 30 min",
        "Làm mới token Zalo OA trước khi hết hạn / refresh the Zalo OA tokens"),
    Job("conversation-cleanup", conversation_cleanup, 3600, "mỗi giờ / hourly",
        "Xóa hội thoại chat đã hết hạn / delete expired chat conversations"),
    Job("stats-rollup", stats_rollup, 3600, "mỗi giờ / hourly",
        "Tổng hợp số liệu theo ngày cho từng đơn vị / daily statistics per agency (portal scorecards)"),
]
JOBS += [*staff_jobs.JOBS, Job("chat-event-prune", chat_event_prune, 3600, "mỗi giờ", "Xóa mã sự kiện Zalo cũ")]
_BY_NAME = {job.name: job for job in JOBS}


async def run_job_once(name: str, now: datetime | None = None) -> dict[str, Any]:
    """Run one job now (CLI `phananh jobs run NAME`, tests); no leader check."""
    job = _BY_NAME.get(name)
    if job is None:
        from backend.core.errors import NotFound

        raise NotFound(f"unknown job {name}; jobs: {', '.join(_BY_NAME)}")
    started = utcnow()
    result = await job.func(now=now)
    log.info("job done", job=name, ms=int((utcnow() - started).total_seconds() * 1000), **result)
    return result


# --- leader lease --------------------------------------------------------------------------------


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def acquire_lease(holder: str, now: datetime | None = None, seconds: int = LEASE_SECONDS) -> bool:
    """Take or renew the lease; True when `holder` is the leader until now + seconds. One
    conditional UPDATE (ours, or expired) then an INSERT for the very first time: atomic on
    SQLite and PostgreSQL alike."""
    now = now or utcnow()
    expires = now + timedelta(seconds=seconds)
    async with session_scope() as session:
        result = await session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME,
                   (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=expires)
            .execution_options(synchronize_session=False))
        if result.rowcount:
            return True
        exists = await session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == LEASE_NAME))
        if exists is not None:
            return False
    try:
        async with session_scope() as session:
            await session.execute(insert(SchedulerLease).values(name=LEASE_NAME, holder=holder, expires_at=expires,
                                                                acquired_at=now))
        return True
    except IntegrityError:
        return False  # another instance inserted it first


async def release_lease(holder: str) -> None:
    async with session_scope() as session:
        await session.execute(update(SchedulerLease)
                              .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
                              .values(expires_at=utcnow() - timedelta(seconds=1))
                              .execution_options(synchronize_session=False))


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
        for job in JOBS:
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
    log.info("scheduler started", holder=runner.holder, jobs=[j.name for j in JOBS])
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
