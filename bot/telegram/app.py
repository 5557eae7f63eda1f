"""The Dispatcher, built once per process (the Bot itself is in bot/telegram/client.py)."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand

from bot.telegram.client import close, get_bot, make_bot
from bot.telegram.middleware import DbSessionMiddleware
from bot.telegram.routers import build_router

__all__ = ["COMMANDS", "close", "get_bot", "get_dispatcher", "make_bot", "set_commands"]

_dispatcher: Dispatcher | None = None

COMMANDS = [
    ("start", "Bắt đầu"),
    ("help", "Hướng dẫn"),
    ("baocao", "Gửi phản ánh"),
    ("tracuu", "Tra cứu phản ánh"),
    ("huy", "Hủy"),
]


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
