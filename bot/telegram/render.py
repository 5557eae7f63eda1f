"""Engine replies and outbox messages -> Telegram."""

from __future__ import annotations

import logging

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

from backend.core.db import session_scope, utcnow
from backend.reports.media import media_path
from bot.dialogue import engine, turns
from bot.dialogue.messages import IncomingMessage, OutgoingMessage
from bot.telegram.keyboards import markup
from bot.telegram.middleware import UPDATE_ID

log = logging.getLogger(__name__)


async def send(bot: Bot, chat_id: int | str, messages: list[OutgoingMessage], lang: str = "vi") -> None:
    for message in messages:
        if message.photo:
            path = media_path(message.photo["sha256"], message.photo["content_type"])
            if path.exists():
                await bot.send_photo(chat_id, FSInputFile(path))
        await bot.send_message(chat_id, message.text[:4096], reply_markup=markup(message, lang))


async def converse(bot: Bot, session: AsyncSession, chat_id: int, incoming: IncomingMessage) -> None:
    """Engine, then the turn and its replies committed together (a reply never announces what was
    not saved, and the update id is recorded once: a redelivered update is not run again), then
    the replies sent and the update marked done. Replies the Bot API cannot take now go to the
    outbox; replies of a process that died before sending are sent by `recover()`."""
    from backend.citizens import service as citizens_service
    from backend.notifications.sender import queue_reply

    update_id = session.info.get(UPDATE_ID)
    key = str(update_id) if update_id is not None else None
    lang = incoming.language or "vi"
    replies = await engine.handle(incoming, session=session)
    if key is not None and not await turns.record(session, "telegram", key, replies,
                                                  {"chat_id": chat_id, "lang": lang}):
        await session.rollback()  # this update was handled before (a redelivery)
        return
    await session.commit()
    try:
        await send(bot, chat_id, replies, lang)
    except (TelegramNetworkError, TelegramRetryAfter, TelegramServerError) as exc:
        citizen = await citizens_service.get_or_create(session=session, channel="telegram",
                                                       external_id=incoming.user_id)
        await queue_reply(session, citizen=citizen, messages=replies, error=str(exc))
    if key is not None:
        await turns.mark(session, "telegram", key, "done")
    await session.commit()


async def recover(limit: int = 200) -> dict[str, int]:
    """Send the stored replies of turns whose process died between commit and send."""
    from backend.notifications.sender import DeliveryError

    stale = await turns.take_stale("telegram", limit)
    sent = 0
    for key, to, replies in stale:
        try:
            await send_notification(str(to.get("chat_id", "")), replies)
            sent += 1
        except DeliveryError as exc:
            if not exc.final:  # tried again by the next run
                log.warning("telegram replies of update %s not sent (%s)", key, exc)
                continue
            log.warning("telegram replies of update %s given up (%s)", key, exc)
        async with session_scope() as session:
            await turns.mark(session, "telegram", key, "done")
    return {"telegram_redelivered": sent}


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
