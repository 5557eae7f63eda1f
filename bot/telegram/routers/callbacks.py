"""Inline buttons: confirm / category / rating / report actions."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogue.messages import IncomingMessage
from bot.telegram.keyboards import ActionCb, CategoryCb, RatingCb, ReportCb, unpack
from bot.telegram.render import converse

router = Router(name=__name__)


async def _pressed(query: CallbackQuery, callback_data: CallbackData, bot: Bot, session: AsyncSession) -> None:
    await query.answer()
    chat_id = query.message.chat.id if query.message else query.from_user.id
    user = query.from_user
    msg = IncomingMessage(channel="telegram", user_id=str(user.id), payload=unpack(callback_data),
                          display_name=user.full_name, language=user.language_code)
    await converse(bot, session, chat_id, msg)


for cb in (CategoryCb, RatingCb, ReportCb, ActionCb):
    router.callback_query.register(_pressed, cb.filter())
