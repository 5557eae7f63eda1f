"""Outbox writes. Rows are added in the caller's transaction; senders deliver them later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.notifications.models import Outbox

# Channels with a sender; a report filed on the portal or by phone has nobody to message.
CHAT_CHANNELS = frozenset({"zalo", "telegram", "cli"})
MAX_ATTEMPTS = 8


async def enqueue_email(
    *,
    session: AsyncSession,
    address: str,
    kind: str,
    payload: dict[str, Any],
    report_id: int | None = None,
    dedupe_key: str | None = None,
) -> Outbox | None:
    """Queue one notice about a report to a reporter's e-mail address (an Open311 client's
    `email`); None when e-mail is off (no SMTP_URL) or the same notice was queued before."""
    if not get_settings().smtp_url:
        return None
    if dedupe_key is not None:
        exists = await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key))
        if exists is not None:
            return None
    row = Outbox(report_id=report_id, citizen_id=None, channel="email", recipient=address, kind=kind,
                 payload=payload, dedupe_key=dedupe_key, status="pending", next_attempt_at=utcnow())
    session.add(row)
    return row


async def enqueue(
    *,
    session: AsyncSession,
    citizen: Citizen,
    kind: str,
    payload: dict[str, Any],
    report_id: int | None = None,
    dedupe_key: str | None = None,
) -> Outbox | None:
    """Queue one message to a citizen on their channel; None when the channel cannot be
    messaged or the same message (dedupe_key) was queued before."""
    if citizen.channel not in CHAT_CHANNELS:
        return None
    if dedupe_key is not None:
        exists = await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key))
        if exists is not None:
            return None
    row = Outbox(
        report_id=report_id,
        citizen_id=citizen.id,
        channel=citizen.channel,
        recipient=citizen.external_id,
        kind=kind,
        payload=payload,
        dedupe_key=dedupe_key,
        status="pending",
        next_attempt_at=utcnow(),
    )
    session.add(row)
    return row


async def mark_sent(*, session: AsyncSession, dedupe_key: str) -> None:
    """A queued message that was said another way (a chat reply carried it): kept, as sent."""
    await session.execute(
        update(Outbox).where(Outbox.dedupe_key == dedupe_key, Outbox.status == "pending")
        .values(status="sent", sent_at=utcnow())
    )


def backoff(attempts: int) -> timedelta:
    """Capped exponential backoff: 30 s, 1 min, 2 min ... at most 1 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
