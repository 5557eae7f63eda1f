"""Jobs of website monitoring.

`site-checks` runs every few seconds and checks the sites that are due, each at its own interval.
The first run in a process checks every enabled site (the start-up sweep): that is what
`phananh jobs run site-checks` does, a fresh process checking every site once, now. The
scheduler runs it only when SITE_CHECKS_ENABLED (unset: on in production, off elsewhere), and
with SITE_CHECKER=process (the default) not at all: the site checker process checks the sites
(backend/monitoring/sites/checker.py), the web process and `phananh scheduler` leave them to it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from backend.core.jobs import Job
from backend.monitoring.sites import checker, flows, service
from backend.monitoring.sites.models import SiteIncident

TICK_S = 5
_swept = False  # has this process checked every site once yet?


async def site_checks(now: datetime | None = None) -> dict[str, Any]:
    global _swept
    settings = get_settings()
    if not settings.site_checks_on:
        return {"skipped": "SITE_CHECKS_ENABLED=false: set it to true to check the sites"}
    if checker.checks_left_to_checker():
        return {"skipped": "SITE_CHECKER=process: the site checker process checks the sites"}
    every = not _swept
    async with session_scope() as session:
        due = await service.due_sites(session=session, now=now or utcnow(), every=every)
    _swept = True
    result = await service.run_round(due)
    return {"sweep": every, **result}


async def site_incident_reminders(now: datetime | None = None) -> dict[str, Any]:
    """Remind staff of open incidents nobody acknowledged, every SITE_ALERT_REMINDER_MINUTES;
    an incident whose opening alert never went out (a process died after committing it) gets it now."""
    now = now or utcnow()
    every = timedelta(minutes=get_settings().site_alert_reminder_minutes)
    reminded = late_opened = 0
    async with session_scope() as session:
        rows = (await session.scalars(select(SiteIncident).where(
            SiteIncident.closed_at.is_(None), SiteIncident.acknowledged_at.is_(None)).limit(500))).all()
        for incident in rows:
            if incident.last_alert_at is None:
                if incident.opened_at > now - timedelta(minutes=2):  # its round is still sending
                    continue
                await flows.site_incident_opened_flow(session=session, incident=incident, now=now)
                late_opened += 1
            elif incident.last_alert_at <= now - every:
                await flows.site_incident_reminder_flow(session=session, incident=incident, now=now)
                reminded += 1
    return {"reminded": reminded, "opened_late": late_opened}


async def site_results_prune(now: datetime | None = None) -> dict[str, Any]:
    async with session_scope() as session:
        deleted = await service.prune_results(session=session, now=now or utcnow())
    return {"deleted": deleted}


JOBS: list[Job] = [
    Job("site-checks", site_checks, TICK_S, f"mỗi {TICK_S} giây",
        "Kiểm tra các website đến lượt (mỗi website theo chu kỳ riêng)"),
    Job("site-incident-reminders", site_incident_reminders, 300, "mỗi 5 phút",
        "Nhắc lại sự cố website chưa có người tiếp nhận"),
    Job("site-results-prune", site_results_prune, 3600, "mỗi giờ",
        "Xóa kết quả kiểm tra website cũ (giữ số liệu tổng hợp theo ngày)"),
]
