"""Scheduled jobs of the reports domain (registered by backend/scheduler.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.db import session_scope
from backend.core.jobs import Job
from backend.reports import questions


async def question_reminders(now: datetime | None = None) -> dict[str, Any]:
    """Questions to citizens still unanswered: one reminder after a day, then a call-back task for
    the hotline (times in data/deadlines.yaml `questions:`). Idempotent: each step happens once."""
    async with session_scope() as session:
        return await questions.remind(session=session, now=now)


JOBS: list[Job] = [
    Job("question-reminders", question_reminders, 900, "mỗi 15 phút",
        "Nhắc người dân trả lời câu hỏi của cán bộ; quá hạn thì chuyển tổng đài gọi lại"),
]
