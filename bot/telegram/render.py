"""Engine replies and outbox messages -> Telegram; a handler's turn (bot/dialogue/turns.py)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

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
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage
from backend.reports.media import media_path
from bot.dialogue import turns
from bot.dialogue.messages import IncomingMessage
from bot.telegram.client import get_bot
from bot.telegram.keyboards import markup
from bot.telegram.middleware import UPDATE_ID

log = logging.getLogger(__name__)


async def send(bot: Bot, chat_id: int | str, messages: list[OutgoingMessage], lang: str = "vi") -> None:
    """Send in order; Telegram's errors become DeliveryError (retry later, or give up), with `sent`
    set to how many messages went out before the failure."""
    sent = 0
    try:
        for message in messages:
            if message.photo:
                path = media_path(message.photo["sha256"], message.photo["content_type"])
                if path.exists():
                    await bot.send_photo(chat_id, FSInputFile(path))
            await bot.send_message(chat_id, message.text[:4096], reply_markup=markup(message, lang))
            sent += 1
    except TelegramRetryAfter as exc:
        raise DeliveryError(str(exc), retry_at=utcnow() + timedelta(seconds=exc.retry_after), sent=sent) from exc
    except TelegramForbiddenError as exc:  # the person blocked the bot
        raise DeliveryError(str(exc), final=True, sent=sent) from exc
    except TelegramBadRequest as exc:  # chat not found and the like: retrying will not help
        raise DeliveryError(str(exc), final=True, sent=sent) from exc
    except (TelegramNetworkError, TelegramServerError) as exc:
        raise DeliveryError(str(exc), sent=sent) from exc


def channel(bot: Bot, lang: str = "vi") -> turns.Channel:
    async def send_to(chat_id: str, messages: list[OutgoingMessage]) -> None:
        await send(bot, int(chat_id), messages, lang)

    return turns.Channel("telegram", send_to)


async def converse(bot: Bot, session: AsyncSession, chat_id: int, incoming: IncomingMessage) -> None:
    """The handler's turn, in the update's transaction, recorded under the update id (a
    redelivered update is not run again); replies the Bot API cannot take now go to the outbox;
    replies of a process that died before sending are sent by `recover()`."""
    update_id = session.info.get(UPDATE_ID)
    lang = incoming.language or "vi"
    await turns.run_turn(incoming, channel=channel(bot, lang), key=str(update_id) if update_id is not None else None,
                         recipient=str(chat_id), session=session, to={"chat_id": chat_id, "lang": lang})


def _chat_of(to: dict[str, Any]) -> str | None:
    return str(to["chat_id"]) if to.get("chat_id") is not None else None


async def recover(limit: int = 200) -> dict[str, int]:
    """The Telegram channel's recovery hook (run by the outbox job): send the rest of the stored
    replies of turns whose process died between commit and the last send (provably dead: at
    once; silent: after the STALE lease)."""
    bot = get_bot()
    if bot is None:  # no token: nothing can be sent; the rows wait for one
        return {"telegram_redelivered": 0}
    dead = await turns.dead_claimers("telegram")
    return {"telegram_redelivered": await turns.recover_answered(channel(bot), _chat_of, limit, dead=dead)}


async def reclaim(bot: Bot, limit: int = 200) -> int:
    """Finish at once the turns of provably dead processes (backend/core/claimers.py): the rest
    of their stored replies is sent. Run at start-up and every few seconds by the bot's runner."""
    dead = await turns.dead_claimers("telegram")
    if not dead:
        return 0
    finished = await turns.recover_answered(channel(bot), _chat_of, limit, dead=dead)
    if finished:
        log.warning("telegram: finished %d turns of dead workers %s", finished, ", ".join(dead))
    return finished


async def send_notification(recipient: str, messages: list[OutgoingMessage]) -> None:
    """The outbox sender for Telegram."""
    bot = get_bot()
    if bot is None:
        raise DeliveryError("TELEGRAM_BOT_TOKEN is not set")
    await send(bot, int(recipient), messages)
