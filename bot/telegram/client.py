"""The Bot (the Bot API client), built once per process from settings (TELEGRAM_API_BASE honoured)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from backend.core.config import get_settings

_bot: Bot | None = None


def make_bot(token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    return Bot(token=token, session=session)


def get_bot() -> Bot | None:
    global _bot
    settings = get_settings()
    if _bot is None and settings.telegram_bot_token:
        _bot = make_bot(settings.telegram_bot_token, settings.telegram_api_base)
    return _bot


async def close() -> None:
    global _bot
    if _bot is not None:
        await _bot.session.close()
    _bot = None
