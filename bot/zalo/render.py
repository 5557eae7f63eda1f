"""OutgoingMessage -> Zalo OA messages. Buttons are unsettled on the OA API, so their labels are
written into the text as words to type (the engine understands them typed)."""

from __future__ import annotations

import logging
import re

from backend.core.config import get_settings
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage
from backend.reports.media import media_path
from bot.dialogue.texts import t
from bot.zalo.client import ZaloClient, ZaloError

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


async def send_messages(user_id: str, messages: list[OutgoingMessage], client: ZaloClient | None = None) -> int:
    """Send in order; returns how many were sent. Raises DeliveryError (final or not) on failure,
    with `sent` set to how many went out before it."""
    own = client is None
    client = client or ZaloClient()
    sent = 0
    try:
        for message in messages:
            if message.photo:
                photo = message.photo
                path = media_path(photo["sha256"], photo["content_type"])
                if path.exists():
                    attachment = await client.upload_image(path.read_bytes(), path.name, photo["content_type"])
                    await client.send_image(user_id, attachment_id=attachment)
            await client.send_text(user_id, as_text(message))
            if message.request_contact:
                await _request_contact(client, user_id)
            sent += 1
    except ZaloError as exc:
        raise DeliveryError(str(exc), final=exc.final, retry_at=exc.retry_at, sent=sent) from exc
    except Exception as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", sent=sent) from exc
    finally:
        if own:
            await client.aclose()
    return sent
