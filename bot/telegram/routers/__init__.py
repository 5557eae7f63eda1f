"""Routers joined in order: commands, buttons, report content, then the fallback last."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.routers import callbacks, commands, content, fallback


def build_router() -> Router:
    root = Router(name="phananh")
    root.include_routers(commands.router, callbacks.router, content.router, fallback.router)
    return root
