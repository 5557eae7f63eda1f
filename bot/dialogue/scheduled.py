"""The chat's scheduled job, registered at start-up by the composition roots
(backend/main.py: install_edges)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.db import session_scope, utcnow
from backend.core.jobs import Job
from bot.dialogue import state


async def conversation_cleanup(now: datetime | None = None) -> dict[str, Any]:
    """Delete expired chat conversations from the database (bot/dialogue/state.py: cleanup)."""
    async with session_scope() as session:
        return await state.cleanup(session=session, now=now or utcnow())


JOBS: list[Job] = [
    Job("conversation-cleanup", conversation_cleanup, 3600, "mỗi giờ",
        "Xóa hội thoại chat đã hết hạn (bản nháp quá 24 giờ, dữ liệu quá 30 ngày)"),
]
