"""What a channel hands the engine: channel-neutral. (What the engine hands back, OutgoingMessage,
is in backend/notifications/messages.py: the outbox sends the same messages.)"""

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
