"""/start /help /baocao /tracuu /huy: passed to the engine as the typed commands they are."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.render import converse
from bot.telegram.routers.common import incoming

router = Router(name=__name__)


@router.message(Command("start", "help", "baocao", "tracuu", "huy", "cancel"))
async def on_command(message: Message, bot: Bot, session: AsyncSession) -> None:
    command = (message.text or "").split()[0].split("@")[0].lower()
    await converse(bot, session, message.chat.id, incoming(message, text=command))
