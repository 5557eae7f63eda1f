"""Zalo webhook events -> IncomingMessage (tolerant: ids and coordinates arrive as strings or numbers)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from backend.citizens.service import normalize_phone
from backend.core.config import get_settings
from backend.core.errors import ValidationFailed
from bot.dialogue.messages import IncomingMessage, PhotoRef

RECEIPTS = {"user_received_message", "user_seen_message"}
UNSUPPORTED = {"sticker", "file", "audio", "video", "gif", "link", "business_card"}
PHOTO_FILES = {"jpg", "jpeg", "png"}  # a photo sent "as a file" (full quality) is still a photo
ANONYMOUS = "anon:"  # user ids of people writing without following: anon:<anonymous id>:<conversation>


def is_echo(event: dict[str, Any]) -> bool:
    return str(event.get("event_name", "")).startswith("oa_send")


def admin_of(event: dict[str, Any]) -> str | None:
    """The staff member who typed an echoed OA message in Zalo's own chat tool (None: the bot)."""
    sender = event.get("sender") or {}
    return str(sender["admin_id"]) if isinstance(sender, dict) and sender.get("admin_id") else None


def ignored(event_name: str, event: dict[str, Any] | None = None) -> bool:
    """Events never answered and with nothing to record: the echoes of the bot's own messages.
    Receipts and echoes typed by staff are recorded (bot/zalo/system.py), never answered."""
    return event_name.startswith("oa_send") and (event is None or admin_of(event) is None)


def is_system(event: dict[str, Any]) -> bool:
    """Events handled without the dialogue: receipts, staff echoes, consent withdrawal."""
    name = str(event.get("event_name", ""))
    return name in RECEIPTS or name == "user_withdraw" or (is_echo(event) and admin_of(event) is not None)


def event_key(event: dict[str, Any]) -> str:
    """The idempotency key: msg_id when there is one (prefixed for receipts and echoes, whose
    msg_id is the OA message's), else the whole event's digest."""
    name = str(event.get("event_name", ""))
    msg_id = (event.get("message") or {}).get("msg_id")
    if msg_id:
        prefix = "r:" if name == "user_received_message" else "e:" if is_echo(event) else ""
        return (prefix + str(msg_id))[:128]
    basis = "|".join(str(event.get(k, "")) for k in ("event_name", "timestamp", "sender", "follower", "info",
                                                        "message"))
    return "h:" + hashlib.sha256(basis.encode()).hexdigest()[:60]


def user_of(event: dict[str, Any]) -> str | None:
    """The person's id; for echoes (OA -> person) the recipient; for anonymous people an
    `anon:` id carrying what a reply needs (anonymous id and conversation id)."""
    name = str(event.get("event_name", ""))
    if name.startswith("anonymous_send_"):
        sender = event.get("sender") or {}
        message = event.get("message") or {}
        conversation = message.get("conversation_id") or event.get("conversation_id") or ""
        anonymous = sender.get("id") if isinstance(sender, dict) else None
        return f"{ANONYMOUS}{anonymous}:{conversation}" if anonymous else None
    keys = ("recipient", "follower", "user") if is_echo(event) or name in RECEIPTS else ("sender", "follower", "user")
    for key in keys:
        value = event.get(key)
        if isinstance(value, dict) and value.get("id"):
            return str(value["id"])
    return str(event["user_id"]) if event.get("user_id") else None


def recipient_of(user_id: str) -> dict[str, str]:
    """The `recipient` object of a send to this person (anonymous people by their ids)."""
    if user_id.startswith(ANONYMOUS):
        anonymous, _, conversation = user_id.removeprefix(ANONYMOUS).partition(":")
        return {"anonymous_id": anonymous, "conversation_id": conversation}
    return {"user_id": user_id}


def phone_to_zns(phone: str) -> str | None:
    """ZNS wants 84xxxxxxxxx."""
    local = normalize_phone(phone)
    return "84" + local[1:] if local.startswith("0") and len(local) >= 10 else None


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
    return (str(name) if name else None), (normalize_phone(str(phone)) if phone else None)


def photo_url(attachment: dict[str, Any]) -> str | None:
    """Where to fetch a photo: an image's url (its thumbnail when the url is missing), or a file
    that is a JPG/PNG."""
    payload = attachment.get("payload") or {}
    kind = attachment.get("type")
    if kind == "image":
        return payload.get("url") or payload.get("thumbnail") or None
    if kind == "file":
        ext = str(payload.get("type") or str(payload.get("name", "")).rpartition(".")[2]).lower().lstrip(".")
        return payload.get("url") if ext in PHOTO_FILES else None
    return None


def to_incoming(event: dict[str, Any]) -> IncomingMessage | None:
    """None for events that need no answer (unfollow, unknown system events)."""
    name = str(event.get("event_name", ""))
    user = user_of(event)
    if not user or is_system(event) or ignored(name, event) or name == "unfollow":
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
    if not name.startswith(("user_send_", "anonymous_send_")):
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
    photos = [PhotoRef(fetch=lambda url=url: fetch_image(url), label=url)
              for url in (photo_url(att) for att in attachments) if url]
    if photos:
        caption = text if text and text.strip() not in ("", "[image]") else None
        return IncomingMessage(photos=photos, text=caption, **base)
    kind = name.removeprefix("user_send_").removeprefix("anonymous_send_")
    if kind in UNSUPPORTED or (attachments and not text):
        return IncomingMessage(unsupported=kind, **base)
    return IncomingMessage(text=text or "", **base)
