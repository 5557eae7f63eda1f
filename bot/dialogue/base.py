"""What every part of the conversation shares: the turn's session, message, citizen and state,
and the way to say something (bot/dialogue/engine.py joins the parts: the report form, the
follow-ups)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.core.config import get_settings
from backend.notifications.messages import OutgoingMessage
from backend.reports.models import Report
from bot.dialogue.messages import IncomingMessage
from bot.dialogue.texts import is_english, local_time, status_label, t


def category_name(category: Any, lang: str) -> str:
    if category is None:
        return t("none", lang)
    return (category.name_en or category.name) if is_english(lang) else category.name


async def status_text(report: Report, lang: str) -> str:
    note = t("status_note", lang, note=report.resolution_note) if report.resolution_note else ""
    return t(
        "status", lang, code=report.code, status=status_label(report.status, lang),
        category=category_name(report.category, lang), area=report.area.name if report.area else t("none", lang),
        agency=report.agency.name if report.agency else t("none", lang), due=local_time(report.due_at, lang),
        note=note,
    )


# Channels that show a "send my location" button.
LOCATION_CHANNELS = frozenset({"zalo", "telegram"})


class ConversationBase:
    """One turn's conversation: who, what they sent, the state it reads and changes, the replies."""

    def __init__(self, session: AsyncSession, msg: IncomingMessage, citizen: Citizen, data: dict[str, Any]) -> None:
        self.session = session
        self.msg = msg
        self.citizen = citizen
        self.data = data
        self.lang = "en" if is_english(msg.language or citizen.language) else "vi"
        self.out: list[OutgoingMessage] = []
        self.settings = get_settings()

    def say(self, key: str, buttons: list[tuple[str, str]] | None = None, request_location: bool = False,
            request_contact: bool = False, **values: Any) -> None:
        if key == "ask_location" and self.msg.channel not in LOCATION_CHANNELS:
            key = "ask_location_typed"  # no "send location" button here: say how to type it
        self.out.append(OutgoingMessage(t(key, self.lang, **values), buttons or [], request_location,
                                        request_contact=request_contact))

    def say_text(self, text: str, buttons: list[tuple[str, str]] | None = None) -> None:
        self.out.append(OutgoingMessage(text, buttons or []))

    def b(self, key: str, payload: str) -> tuple[str, str]:
        return (t(key, self.lang), payload)

    @property
    def draft(self) -> dict[str, Any] | None:
        return self.data.get("draft")

    def new_draft(self) -> dict[str, Any]:
        self.data["draft"] = {"photos": []}
        return self.data["draft"]

    def clear(self) -> None:
        for key in ("draft", "await", "candidate", "reopen_code", "dup_code"):
            self.data.pop(key, None)

    @property
    def awaiting(self) -> str | None:
        return self.data.get("await")
