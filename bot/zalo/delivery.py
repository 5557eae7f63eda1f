"""The outbox's Zalo sender: consultation messages inside the interaction window, and for notices
about a person's report past it a transaction message, else a ZNS template to the phone number
they shared, else a final "unreachable" error (the report page says so and the hotline gets a call
back task). Returns Zalo's receipts (message id and which route carried the message)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from backend.citizens.models import Citizen
from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage
from backend.notifications.texts import status_label
from bot.zalo.client import WINDOW_PASSED, ZaloClient, ZaloError
from bot.zalo.events import phone_to_zns
from bot.zalo.render import as_text, send_one

log = logging.getLogger(__name__)

UNREACHABLE = "unreachable"  # the start of the error text when no route reaches the person


async def _contact(user_id: str) -> tuple[Any, str | None]:
    """(last time the person wrote to us, the phone they agreed to share)."""
    async with session_scope() as session:
        row = (await session.execute(
            select(Citizen.last_seen_at, Citizen.phone, Citizen.consent_at)
            .where(Citizen.channel == "zalo", Citizen.external_id == user_id)
        )).first()
    if row is None:
        return None, None
    return row.last_seen_at, (row.phone if row.consent_at is not None else None)


def window_open(last_seen: Any) -> bool:
    hours = get_settings().zalo_cs_window_hours
    return last_seen is None or last_seen > utcnow() - timedelta(hours=hours)


async def _past_window(client: ZaloClient, user_id: str, message: OutgoingMessage,
                       phone: str | None) -> list[dict[str, Any]]:
    notice = message.notice or {}
    code = str(notice.get("code", ""))
    status = status_label(str(notice.get("status", "")), "vi") if notice.get("status") else ""
    reasons: list[str] = []
    try:
        data = await client.send_transaction(
            user_id, title=f"Phản ánh {code}".strip(), text=as_text(message),
            rows=[("Mã phản ánh", code), ("Trạng thái", status)] if code else [])
        return [{"message_id": str(data.get("message_id", "")), "route": "transaction"}]
    except ZaloError as exc:
        if not exc.final:
            raise
        reasons.append(f"tin giao dịch: {exc}")
    settings = get_settings()
    zns_phone = phone_to_zns(phone) if phone else None
    if settings.zalo_zns_template_id and zns_phone:
        try:
            data = await client.send_zns(zns_phone, template_id=settings.zalo_zns_template_id, data={
                "code": code, "status": status, "note": str(notice.get("note") or "")[:200]},
                tracking_id=f"{code}:{notice.get('kind', '')}")
            return [{"message_id": str(data.get("msg_id", "")), "route": "zns"}]
        except ZaloError as exc:
            if not exc.final:
                raise
            reasons.append(f"ZNS: {exc}")
    elif not settings.zalo_zns_template_id:
        reasons.append("ZNS chưa cấu hình mẫu")
    else:
        reasons.append("ZNS: người dân chưa chia sẻ số điện thoại")
    raise DeliveryError(f"{UNREACHABLE}: quá thời hạn nhắn tin tư vấn; " + "; ".join(reasons), final=True)


async def send_outbox(user_id: str, messages: list[OutgoingMessage]) -> list[dict[str, Any]]:
    """Send one outbox row's messages; raises DeliveryError like every channel sender."""
    last_seen, phone = await _contact(user_id)
    open_now = window_open(last_seen)
    receipts: list[dict[str, Any]] = []
    async with ZaloClient() as client:
        try:
            for message in messages:
                if message.notice and not open_now:
                    receipts += await _past_window(client, user_id, message, phone)
                    continue
                try:
                    receipts += await send_one(client, user_id, message)
                except ZaloError as exc:
                    if exc.code not in WINDOW_PASSED or not message.notice:
                        raise
                    log.info("zalo: window passed for %s, the notice goes another way", user_id)
                    open_now = False
                    receipts += await _past_window(client, user_id, message, phone)
        except ZaloError as exc:
            if exc.code in WINDOW_PASSED:
                raise DeliveryError(f"{UNREACHABLE}: {exc}", final=True) from exc
            raise DeliveryError(str(exc), final=exc.final, retry_at=exc.retry_at) from exc
    return receipts
