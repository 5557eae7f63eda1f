"""OutgoingMessage -> Zalo OA messages. Buttons are unsettled on the OA API, so their labels are
written into the text as words to type (the engine understands them typed)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import httpx

from backend.core.config import get_settings
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage
from backend.reports.media import media_path
from bot.dialogue.texts import t
from bot.zalo.client import ZaloClient, ZaloError
from bot.zalo.media import PhotoNotSendable, to_zalo_jpeg

log = logging.getLogger(__name__)
EMOJI = re.compile(r"[^\w\s/().,-]", re.UNICODE)


def as_text(message: OutgoingMessage) -> str:
    text = message.text
    payloads = [p for _label, p in message.buttons]
    if payloads and all(p.startswith("rate:") for p in payloads):
        return text  # the text already asks for a digit 1..5
    labels = [EMOJI.sub("", label).strip() for label, p in message.buttons if not p.startswith(("cat:", "status:"))]
    if labels:
        text += "\n👉 " + " | ".join(labels)
    return text


async def _request_contact(client: ZaloClient, user_id: str) -> None:
    """Zalo's "share your information" form (name and phone; it comes back as a user_submit_info
    event). Best effort: the text already asked for the number, which can also be typed."""
    try:
        await client.request_user_info(
            user_id,
            title=t("contact_form_title", "vi"),
            subtitle=t("contact_form_subtitle", "vi"),
            image_url=f"{get_settings().base_url.rstrip('/')}/static/img/share-phone.png",
        )
    except ZaloError as exc:
        log.warning("zalo: the share-your-phone form to %s was not sent (%s)", user_id, exc)


async def _send_photo(client: ZaloClient, user_id: str, photo: dict[str, Any]) -> dict[str, Any] | None:
    """Upload a stored photo re-encoded to a JPEG under Zalo's limit and send it; None (logged)
    when it cannot be: a photo is a bonus, never a reason to lose or repeat the text before it."""
    path = media_path(photo["sha256"], photo["content_type"])
    try:
        data = await asyncio.to_thread(to_zalo_jpeg, path.read_bytes())  # CPU-bound: off the event loop
        attachment = await client.upload_image(data, path.stem + ".jpg", "image/jpeg")
        return await client.send_image(user_id, attachment_id=attachment)
    except (OSError, PhotoNotSendable, ZaloError, httpx.HTTPError) as exc:
        log.warning("zalo: photo %s to %s not sent (%s)", photo.get("sha256", "")[:12], user_id, exc)
        return None


async def send_one(client: ZaloClient, user_id: str, message: OutgoingMessage) -> list[dict[str, Any]]:
    """One message as consultation messages: the text first (omitted when empty), then the photo.
    Returns Zalo's receipts ({"message_id", "route"}) of what went out."""
    out: list[dict[str, Any]] = []
    for data in await client.send_text(user_id, as_text(message)):
        out.append({"message_id": str(data.get("message_id", "")), "route": "cs"})
    if message.photo:
        data = await _send_photo(client, user_id, message.photo)
        if data is not None:
            out.append({"message_id": str(data.get("message_id", "")), "route": "cs", "photo": True})
    if message.request_contact:
        await _request_contact(client, user_id)
    return out


async def send_messages(user_id: str, messages: list[OutgoingMessage], client: ZaloClient | None = None) -> int:
    """Send in order; returns how many were sent. Raises DeliveryError (final or not) on failure,
    with `sent` set to how many went out before it."""
    own = client is None
    client = client or ZaloClient()
    sent = 0
    try:
        for message in messages:
            await send_one(client, user_id, message)
            sent += 1
    except ZaloError as exc:
        raise DeliveryError(str(exc), final=exc.final, retry_at=exc.retry_at, sent=sent) from exc
    except Exception as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", sent=sent) from exc
    finally:
        if own:
            await client.aclose()
    return sent
