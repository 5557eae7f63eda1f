"""Dashboard jobs: the daily per-agency statistics behind the portal scorecards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backend.core.db import session_scope, utcnow
from backend.core.jobs import Job
from backend.dashboard import service as dashboard_service


async def stats_rollup(now: datetime | None = None) -> dict[str, Any]:
    """Daily statistics per agency for the portal scorecards: today and yesterday each run
    (late changes land), and every day since the last rollup (or the first report) when behind."""
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


JOBS: list[Job] = [
    Job("stats-rollup", stats_rollup, 3600, "mỗi giờ",
        "Tổng hợp số liệu theo ngày cho từng đơn vị (bảng điểm trên cổng thông tin)"),
]
