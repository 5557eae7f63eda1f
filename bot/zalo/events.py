"""Zalo webhook events -> IncomingMessage (tolerant: ids and coordinates arrive as strings or numbers)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from backend.core.config import get_settings
from backend.core.errors import ValidationFailed
from bot.dialogue.messages import IncomingMessage, PhotoRef

IGNORED = {"user_received_message", "user_seen_message"}
UNSUPPORTED = {"sticker", "file", "audio", "video", "gif", "link", "business_card"}


def ignored(event_name: str) -> bool:
    """Echoes and receipts: answering them would loop."""
    return event_name in IGNORED or event_name.startswith("oa_send")


def event_key(event: dict[str, Any]) -> str:
    """The idempotency key: msg_id when there is one, else the whole event's digest."""
    msg_id = (event.get("message") or {}).get("msg_id")
    if msg_id:
        return str(msg_id)[:128]
    basis = "|".join(str(event.get(k, "")) for k in ("event_name", "timestamp", "sender", "follower", "info"))
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()[:60]


def user_of(event: dict[str, Any]) -> str | None:
    for key in ("sender", "follower", "user"):
        value = event.get(key)
        if isinstance(value, dict) and value.get("id"):
            return str(value["id"])
    return str(event["user_id"]) if event.get("user_id") else None


async def fetch_image(url: str) -> bytes:
    """Download an attachment with size and type checks (the content is checked again on store)."""
    limit = get_settings().photo_max_bytes
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed("Ảnh không tải được")
    async with httpx.AsyncClient(timeout=20, follow_redirects=True) as client, client.stream("GET", url) as resp:
        resp.raise_for_status()
        kind = resp.headers.get("content-type", "image/")
        if not kind.startswith(("image/", "application/octet-stream")):
            raise ValidationFailed(f"Tệp không phải ảnh ({kind})")
        data = bytearray()
        async for chunk in resp.aiter_bytes():
            data.extend(chunk)
            if len(data) > limit:
                raise ValidationFailed(f"Ảnh quá lớn (tối đa {limit // (1024 * 1024)} MB)")
    return bytes(data)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _info(event: dict[str, Any]) -> tuple[str | None, str | None]:
    info = event.get("info") or {}
    if isinstance(info.get("full_address"), dict):
        info = {**info["full_address"], **{k: v for k, v in info.items() if k != "full_address"}}
    name = info.get("name") or info.get("full_name")
    phone = info.get("phone") or info.get("phone_number")
    return (str(name) if name else None), (str(phone) if phone else None)


def to_incoming(event: dict[str, Any]) -> IncomingMessage | None:
    """None for events that need no answer (unfollow, unknown system events)."""
    name = str(event.get("event_name", ""))
    user = user_of(event)
    if not user or ignored(name) or name == "unfollow":
        return None
    message = event.get("message") or {}
    base = {"channel": "zalo", "user_id": user, "message_id": message.get("msg_id")}
    if name == "follow":
        return IncomingMessage(text="/start", **base)
    if name == "user_submit_info":
        display, phone = _info(event)
        if phone:
            return IncomingMessage(contact_phone=phone, display_name=display, **base)
        return IncomingMessage(text="", display_name=display, **base)
    if not name.startswith("user_send_"):
        return None
    text = message.get("text")
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
    for att in attachments:
        payload = att.get("payload") or {}
        if att.get("type") == "location":
            coords = payload.get("coordinates") or payload
            lat, lon = _float(coords.get("latitude")), _float(coords.get("longitude"))
            if lat is not None and lon is not None:
                return IncomingMessage(location=(lat, lon), **base)
    photos: list[bytes | PhotoRef] = []
    for att in attachments:
        url = (att.get("payload") or {}).get("url")
        if att.get("type") == "image" and url:
            photos.append(PhotoRef(fetch=lambda url=url: fetch_image(url), label=url))
    if photos:
        caption = text if text and text.strip() not in ("", "[image]") else None
        return IncomingMessage(photos=photos, text=caption, **base)
    kind = name.removeprefix("user_send_")
    if kind in UNSUPPORTED or (attachments and not text):
        return IncomingMessage(unsupported=kind, **base)
    return IncomingMessage(text=text or "", **base)
