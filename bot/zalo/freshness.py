"""Replay and cross-app checks of a signed Zalo event, and the pruning of old event ids.

A valid signature proves Zalo sent the bytes once, not that they are new: an event recorded in
2020 and posted again verifies. So an event is refused when its `timestamp` (ms since the epoch)
is outside ZALO_EVENT_MAX_AGE_S of now (either side: clocks drift), or when its `app_id` is not
ZALO_APP_ID (an event of another app signed with a shared secret). Within the window the event id
table (`chat_processed_events`) catches a replay; rows older than the window can no longer be
replayed, so the `chat-event-prune` job deletes them (only finished ones: done or failed)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from bot.dialogue.models import ProcessedEvent

FINISHED = ("done", "failed")


def refusal(event: dict[str, Any], now_s: float | None = None) -> str | None:
    """Why a signed event must be refused ("stale", "foreign_app"), or None when it is fine."""
    settings = get_settings()
    if settings.zalo_app_id and str(event.get("app_id", "")) != settings.zalo_app_id:
        return "foreign_app"
    try:
        sent_s = int(str(event.get("timestamp", ""))) / 1000
    except ValueError:
        return "stale"
    now_s = time.time() if now_s is None else now_s
    if abs(now_s - sent_s) > settings.zalo_event_max_age_s:
        return "stale"
    return None


async def prune_processed(now: datetime | None = None) -> dict[str, Any]:
    """Delete finished Zalo event ids older than the freshness window (idempotent)."""
    cutoff = (now or utcnow()) - timedelta(seconds=get_settings().zalo_event_max_age_s)
    async with session_scope() as session:
        result = await session.execute(delete(ProcessedEvent).where(
            ProcessedEvent.channel == "zalo", ProcessedEvent.status.in_(FINISHED), ProcessedEvent.created_at < cutoff))
    return {"pruned": int(result.rowcount or 0)}

