"""The Bot and Dispatcher, built once per process from settings (TELEGRAM_API_BASE honoured)."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand

from backend.core.config import get_settings
from bot.telegram.middleware import DbSessionMiddleware
from bot.telegram.routers import build_router

_bot: Bot | None = None
_dispatcher: Dispatcher | None = None

COMMANDS = [
    ("start", "Bắt đầu / start"),
    ("help", "Hướng dẫn / help"),
    ("baocao", "Gửi phản ánh / new report"),
    ("tracuu", "Tra cứu phản ánh / track a report"),
    ("huy", "Hủy / cancel"),
]


def make_bot(token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base))
    return Bot(token=token, session=session)


def get_bot() -> Bot | None:
    global _bot
    settings = get_settings()
    if _bot is None and settings.telegram_bot_token:
        _bot = make_bot(settings.telegram_bot_token, settings.telegram_api_base)
    return _bot


def get_dispatcher() -> Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        dp = Dispatcher()
        dp.update.outer_middleware(DbSessionMiddleware())
        dp.include_router(build_router())
        _dispatcher = dp
    return _dispatcher


async def set_commands(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS])


async def close() -> None:
    global _bot
    if _bot is not None:
        await _bot.session.close()
    _bot = None
