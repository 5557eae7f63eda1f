"""What the domain hands a chat channel: channel-neutral messages (the dialogue's replies, the
outbox's notifications). Channels render them; the domain never sees a channel's types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class OutgoingMessage:
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, payload)
    request_location: bool = False
    request_contact: bool = False  # offer the channel's "share my phone number" (Telegram, Zalo)
    photo: dict | None = None  # {"sha256", "content_type", "id"}: a stored photo to show
    # A notice about the person's report ({"kind", "code", "status", "note"}): a channel with a
    # messaging window (Zalo) may send it another way once the window has passed.
    notice: dict | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (stored with a chat event, or in the outbox, until it is delivered)."""
        out: dict[str, Any] = {"text": self.text, "buttons": [list(b) for b in self.buttons]}
        if self.request_location:
            out["request_location"] = True
        if self.request_contact:
            out["request_contact"] = True
        if self.photo:
            out["photo"] = self.photo
        if self.notice:
            out["notice"] = self.notice
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutgoingMessage:
        return cls(
            str(data.get("text", "")),
            [(str(label), str(payload)) for label, payload in data.get("buttons") or []],
            bool(data.get("request_location")),
            request_contact=bool(data.get("request_contact")),
            photo=data.get("photo"),
            notice=data.get("notice"),
        )
