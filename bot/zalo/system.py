"""Zalo events handled without the dialogue: delivery and seen receipts, messages typed by staff in
Zalo's own OA chat tool (`oa_send_*` with `sender.admin_id`), and consent withdrawal
(`user_withdraw`). None of them is ever answered, except the withdrawal's confirmation."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens import service as citizens_service
from backend.core.config import get_settings
from backend.notifications import receipts
from backend.notifications.messages import OutgoingMessage
from backend.reports import questions
from bot.dialogue import contact
from bot.dialogue.state import get_store
from bot.dialogue.texts import t
from bot.zalo.events import admin_of, is_echo, user_of

log = logging.getLogger(__name__)


def _message_ids(event: dict[str, Any]) -> list[str]:
    message = event.get("message") or {}
    ids = message.get("msg_ids") or []
    if message.get("msg_id"):
        ids = [*ids, message["msg_id"]]
    return [str(i) for i in ids if i]


def _echo_text(event: dict[str, Any]) -> str:
    message = event.get("message") or {}
    text = str(message.get("text") or "").strip()
    if text:
        return text
    kinds = [str(a.get("type", "")) for a in message.get("attachments") or [] if isinstance(a, dict)]
    return f"({', '.join(k for k in kinds if k) or 'tin nhắn'})"


async def erase_person(session: AsyncSession, channel: str, user_id: str, source: str) -> int:
    """Erase a person's data (any channel) and their conversation state; returns how many reports
    were made anonymous."""
    citizen = await citizens_service.get_or_create(session=session, channel=channel, external_id=user_id)
    entry = await citizens_service.erase(session=session, citizen=citizen, source=source)
    await get_store().save(session, channel, user_id, {})
    await contact.forget_events(session, channel, user_id)
    return entry.reports


async def handle(event: dict[str, Any], *, session: AsyncSession) -> list[OutgoingMessage]:
    """Record one system event in the caller's transaction; the replies to send (the withdrawal's
    confirmation), usually none."""
    name = str(event.get("event_name", ""))
    if name == "user_received_message":
        await receipts.mark(session=session, channel="zalo", message_ids=_message_ids(event), status="received")
        return []
    if name == "user_seen_message":
        await receipts.mark(session=session, channel="zalo", message_ids=_message_ids(event), status="seen")
        return []
    user = user_of(event)
    if not user:
        return []
    if is_echo(event):
        admin = admin_of(event)
        if admin is None:
            return []
        citizen = await citizens_service.get_or_create(session=session, channel="zalo", external_id=user)
        pause = timedelta(minutes=get_settings().zalo_human_pause_minutes)
        await questions.record_staff_message(session=session, citizen=citizen, text=_echo_text(event),
                                             admin_id=admin, pause=pause)
        return []
    if name == "user_withdraw":
        count = await erase_person(session, "zalo", user, "zalo_withdraw")
        log.info("zalo: a person withdrew consent, %d reports made anonymous", count)
        return [OutgoingMessage(t("erased", "vi", reports=count))]
    return []
