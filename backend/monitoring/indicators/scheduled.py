"""Scheduled work of the indicators: data-entry reminders and late notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.db import session_scope
from backend.core.jobs import Job
from backend.monitoring.indicators import service
from backend.monitoring.indicators.flows import indicator_entry_due_flow


async def indicator_deadlines(now: datetime | None = None) -> dict[str, Any]:
    """Remind each owner agency in the days before its deadline of what it has not entered yet;
    once the deadline has passed, tell it and the IOC's supervisors (each once per period)."""
    today = service.local_today(now)
    reminded = late = 0
    async with session_scope() as session:
        for due in await service.entries_due(session=session, today=today):
            kind = "late" if today > due.due else "remind" if today >= due.remind_from else None
            if kind is None:
                continue
            if await indicator_entry_due_flow(session=session, kind=kind, agency_id=due.agency.id,
                                              agency_name=due.agency.name, period=due.period, due=due.due,
                                              missing=due.missing):
                reminded += kind == "remind"
                late += kind == "late"
    return {"reminded": reminded, "late": late}


JOBS: list[Job] = [
    Job("indicator-deadlines", indicator_deadlines, 3600, "mỗi giờ",
        "Nhắc đơn vị nhập số liệu chỉ tiêu trước hạn; báo chậm khi quá hạn"),
]
