"""What a channel hands the engine and what the engine hands back: channel-neutral."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PhotoRef:
    """A photo not yet downloaded (Telegram file id, Zalo URL): fetched only when the engine keeps it."""

    fetch: Callable[[], Awaitable[bytes]]
    label: str = ""


@dataclass
class IncomingMessage:
    channel: str  # zalo | telegram | cli | web
    user_id: str
    text: str | None = None
    location: tuple[float, float] | None = None
    photos: list[bytes | PhotoRef] = field(default_factory=list)
    payload: str | None = None  # a button pressed
    contact_phone: str | None = None
    display_name: str | None = None
    language: str | None = None
    message_id: str | None = None
    unsupported: str | None = None  # sticker | file | audio | video | gif | link | ... (kind of message)


@dataclass
class OutgoingMessage:
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, payload)
    request_location: bool = False
    request_contact: bool = False  # offer the channel's "share my phone number" (Telegram, Zalo)
    photo: dict | None = None  # {"sha256", "content_type", "id"}: a stored photo to show
