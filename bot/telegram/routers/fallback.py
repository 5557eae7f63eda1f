"""Anything else (stickers, voice, video, files, polls...): a helpful reply, never silence."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.render import converse
from bot.telegram.routers.common import incoming

router = Router(name=__name__)


@router.message()
async def on_anything(message: Message, bot: Bot, session: AsyncSession) -> None:
    kind = message.content_type
    await converse(bot, session, message.chat.id, incoming(message, unsupported=str(kind)))
