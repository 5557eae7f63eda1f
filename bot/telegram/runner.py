"""Start-up of the Telegram bot inside `phananh serve` (per TELEGRAM_MODE) and `phananh bot telegram`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from backend.core import claimers
from backend.core.config import get_settings

log = logging.getLogger(__name__)
RECLAIM_EVERY = 5.0  # seconds between looks for turns of dead workers
# Polling: each update's turn is finished before the next getUpdates, whose offset confirms the
# batch to Telegram. With a task per update (aiogram's default) the next call confirmed updates
# still being processed, and a process killed then lost them (Telegram never sends a confirmed
# update again); in order, a killed batch comes again and the turns already recorded are skipped.
# It also keeps one person's messages in order.
POLL_IN_ORDER = False  # aiogram's handle_as_tasks


@contextlib.asynccontextmanager
async def _running(app: Any) -> AsyncIterator[None]:
    settings = get_settings()
    if not settings.telegram_bot_token or settings.telegram_mode == "external":
        yield  # without a token, aiogram is not even imported (bot/telegram/channel.py says why)
        return
    from bot.telegram.app import close, get_bot, get_dispatcher

    bot = get_bot()
    if bot is None:
        yield
        return
    dp = get_dispatcher()
    # In the background: an unreachable Bot API must neither stop nor delay the web app.
    tasks = [
        asyncio.create_task(_announce(bot, settings)),
        asyncio.create_task(claimers.heartbeat_forever("web")),
        asyncio.create_task(_reclaim_forever(bot)),
    ]
    if settings.telegram_mode == "polling":
        tasks.append(
            asyncio.create_task(
                dp.start_polling(bot, handle_signals=False, close_bot_session=False, handle_as_tasks=POLL_IN_ORDER)
            )
        )
    try:
        yield
    finally:
        if settings.telegram_mode == "polling":
            with contextlib.suppress(Exception):
                await dp.stop_polling()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await close()


async def _reclaim_forever(bot: Any) -> None:
    """At start-up and every RECLAIM_EVERY: send the rest of the replies of turns a dead process
    (killed, restarted) committed but did not finish sending (bot/telegram/render.reclaim)."""
    from bot.telegram.render import reclaim

    while True:
        try:
            await reclaim(bot)
        except Exception:  # the database is away: the next look finds them
            log.exception("telegram: taking back the turns of dead workers failed")
        await asyncio.sleep(RECLAIM_EVERY)


async def _announce(bot: Any, settings: Any) -> None:
    """setMyCommands, and setWebhook in webhook mode."""
    from bot.telegram.app import set_commands

    try:
        await set_commands(bot)
        if settings.telegram_mode == "webhook":
            if not settings.telegram_webhook_secret:
                log.error("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET; webhook not set")
                return
            await bot.set_webhook(
                settings.base_url.rstrip("/") + "/webhooks/telegram", secret_token=settings.telegram_webhook_secret
            )
    except Exception as exc:
        log.warning("telegram setMyCommands/setWebhook failed: %s", exc)


def lifespan_hook(app: Any) -> contextlib.AbstractAsyncContextManager[None]:
    return _running(app)


async def poll_forever() -> None:
    """`phananh bot telegram`: long polling until interrupted."""
    from bot.telegram.app import close, get_bot, get_dispatcher, set_commands

    bot = get_bot()
    if bot is None:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    await set_commands(bot)
    await bot.delete_webhook()
    tasks = [asyncio.create_task(claimers.heartbeat_forever("telegram")), asyncio.create_task(_reclaim_forever(bot))]
    try:
        await get_dispatcher().start_polling(bot, close_bot_session=False, handle_as_tasks=POLL_IN_ORDER)
    finally:
        for task in tasks:
            task.cancel()
        await close()
