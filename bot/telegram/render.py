"""Engine replies and outbox messages -> Telegram."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import FSInputFile
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.reports.media import media_path
from bot.dialogue import engine
from bot.dialogue.messages import IncomingMessage, OutgoingMessage
from bot.telegram.keyboards import markup


async def send(bot: Bot, chat_id: int | str, messages: list[OutgoingMessage], lang: str = "vi") -> None:
    for message in messages:
        if message.photo:
            path = media_path(message.photo["sha256"], message.photo["content_type"])
            if path.exists():
                await bot.send_photo(chat_id, FSInputFile(path))
        await bot.send_message(chat_id, message.text[:4096], reply_markup=markup(message, lang))


async def converse(bot: Bot, session: AsyncSession, chat_id: int, incoming: IncomingMessage) -> None:
    """Engine, commit (the reply must never announce what was not saved), then reply; a reply
    the Bot API could not take now goes to the outbox and is retried."""
    from backend.citizens import service as citizens_service
    from backend.notifications.sender import queue_reply

    replies = await engine.handle(incoming, session=session)
    await session.commit()
    try:
        await send(bot, chat_id, replies, incoming.language or "vi")
    except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as exc:
        citizen = await citizens_service.get_or_create(session=session, channel="telegram",
                                                       external_id=incoming.user_id)
        await queue_reply(session, citizen=citizen, messages=replies, error=str(exc))
        await session.commit()


async def send_notification(recipient: str, messages: list[OutgoingMessage]) -> None:
    """The outbox sender for Telegram: maps Telegram's errors onto retry / give up."""
    from datetime import timedelta

    from backend.notifications.sender import DeliveryError
    from bot.telegram.app import get_bot

    bot = get_bot()
    if bot is None:
        raise DeliveryError("TELEGRAM_BOT_TOKEN is not set")
    try:
        await send(bot, int(recipient), messages)
    except TelegramRetryAfter as exc:
        raise DeliveryError(str(exc), retry_at=utcnow() + timedelta(seconds=exc.retry_after)) from exc
    except TelegramForbiddenError as exc:  # the person blocked the bot
        raise DeliveryError(str(exc), final=True) from exc
    except TelegramBadRequest as exc:  # chat not found and the like: retrying will not help
        raise DeliveryError(str(exc), final=True) from exc
    except TelegramNetworkError as exc:
        raise DeliveryError(str(exc)) from exc
