"""The Telegram channel as the domain sees it (backend/notifications/channels.py): its outbox
sender and its recovery hook, without importing aiogram until a message is really sent.

aiogram builds its ~400 pydantic models when it is first imported: 7.5 s of CPU on the 2-core
VM (`python -c "import aiogram.types"`), paid by every `phananh serve` process and worker at
start-up, with or without a Telegram token. Without a token nothing here imports it; with one,
the first send or recovery does (and the lifespan hook, bot/telegram/runner.py, before that)."""

from __future__ import annotations

from backend.core.config import get_settings
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage


async def send_notification(recipient: str, messages: list[OutgoingMessage]) -> None:
    """The outbox sender for Telegram (bot/telegram/render.send_notification)."""
    if not get_settings().telegram_bot_token:
        raise DeliveryError("TELEGRAM_BOT_TOKEN is not set")
    from bot.telegram import render

    await render.send_notification(recipient, messages)


async def recover(limit: int = 200) -> dict[str, int]:
    """The Telegram channel's recovery hook (bot/telegram/render.recover); nothing to do without a token."""
    if not get_settings().telegram_bot_token:
        return {"telegram_redelivered": 0}
    from bot.telegram import render

    return await render.recover(limit)
