"""Jobs for the scheduler. Idempotent; each returns what it did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.jobs import Job
from backend.notifications.channels import RECOVERIES
from backend.notifications.sender import deliver_due


async def outbox_retry(now: datetime | None = None) -> dict[str, Any]:
    """Send due outbox messages (new ones and retries), after each channel's recovery hook has
    finished the chat turns a crash left behind (Zalo events not processed, replies of a turn
    committed but not sent)."""
    recovered: dict[str, Any] = {}
    for recover in list(RECOVERIES.values()):
        recovered.update(await recover())
    return {**await deliver_due(limit=200), **recovered}


JOBS: list[Job] = [
    Job("outbox-retry", outbox_retry, 30, "mỗi 30 giây", "Gửi và gửi lại tin nhắn trong hàng đợi"),
]
