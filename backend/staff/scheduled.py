"""Scheduled jobs of the staff domain: expired sign-in sessions and finished throttle streaks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.db import session_scope, utcnow
from backend.core.jobs import Job
from backend.staff import sessions, throttle


async def staff_session_cleanup(now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    async with session_scope() as session:
        ended = await sessions.prune(session=session, now=now)
        streaks = await throttle.prune(session=session, now=now)
    return {"sessions": ended, "throttle_rows": streaks}


JOBS: list[Job] = [
    Job("staff-session-cleanup", staff_session_cleanup, 3600, "mỗi giờ",
        "Xóa phiên đăng nhập đã hết hạn và lượt đăng nhập sai đã cũ"),
]
