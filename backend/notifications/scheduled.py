"""Jobs for the scheduler (registered there by these names). Idempotent; each returns what it did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.jobs import Job
from backend.notifications.sender import deliver_due


async def outbox_retry(now: datetime | None = None) -> dict[str, Any]:
    """Send due outbox messages (new ones and retries); finish chat events a crash left behind
    (Zalo events not processed, replies of both channels committed but not sent)."""
    from bot.telegram.render import recover as recover_telegram
    from bot.zalo.inbox import recover

    recovered = await recover()
    return {**await deliver_due(limit=200), **recovered, **await recover_telegram()}


async def zalo_token_refresh() -> dict[str, Any]:
    """Refresh the Zalo OA tokens ahead of expiry (no-op when fresh or Zalo is not configured)."""
    from bot.zalo import tokens

    try:
        return await tokens.refresh_if_needed()
    except tokens.TokenError as exc:  # already logged loudly and stored on the token row
        return {"refreshed": False, "error": str(exc)}


JOBS: list[Job] = [
    Job("outbox-retry", outbox_retry, 30, "mỗi 30 giây", "Gửi và gửi lại tin nhắn trong hàng đợi"),
]
