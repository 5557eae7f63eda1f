"""Scheduled jobs of the cameras module (run by backend/scheduler.py, or `phananh jobs run NAME`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.cameras import service, verify
from backend.core.db import session_scope
from backend.core.jobs import Job


async def camera_offline_watch(now: datetime | None = None) -> dict[str, Any]:
    """Cameras silent for CAMERA_OFFLINE_MINUTES become offline, each with an incident."""
    async with session_scope() as session:
        went = await service.offline_watch(session=session, now=now)
    return {"offline": len(went), "cameras": went}


async def camera_pending_expiry(now: datetime | None = None) -> dict[str, Any]:
    """Candidates nobody verified within CAMERA_PENDING_HOURS leave the queue as expired."""
    async with session_scope() as session:
        expired = await verify.expire_pending(session=session, now=now)
    return {"expired": expired}


JOBS: list[Job] = [
    Job("camera-offline-watch", camera_offline_watch, 60, "mỗi phút",
        "Đánh dấu camera mất tín hiệu và mở sự cố cho IOC"),
    Job("camera-pending-expiry", camera_pending_expiry, 3600, "mỗi giờ",
        "Cho hết hạn các sự kiện camera chờ xác minh quá lâu"),
]
