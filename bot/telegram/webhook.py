"""POST /webhooks/telegram (TELEGRAM_MODE=webhook): secret header checked in constant time; each
update_id handled once (recorded with its turn: bot/dialogue/turns.py)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backend.core.config import get_settings
from backend.core.db import session_scope
from bot.dialogue import turns

router = APIRouter(tags=["telegram"])


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request) -> JSONResponse:
    settings = get_settings()
    expected = settings.telegram_webhook_secret or ""
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    # aiogram on the first genuine update, not at start-up (bot/telegram/channel.py says why)
    from aiogram.types import Update

    from bot.telegram.app import get_bot, get_dispatcher

    bot = get_bot()
    if bot is None:
        return JSONResponse({"error": "telegram not configured"}, status_code=503)
    try:
        update = Update.model_validate(await request.json(), context={"bot": bot})
    except ValueError:
        return JSONResponse({"error": "malformed update"}, status_code=400)
    async with session_scope() as session:
        if await turns.seen(session, "telegram", str(update.update_id)):
            return JSONResponse({"ok": True, "duplicate": True})
    # The turn records the update id in its own transaction (bot/dialogue/turns.run_turn): two
    # deliveries racing each other both run, and the second is rolled back.
    await get_dispatcher().feed_update(bot, update)
    return JSONResponse({"ok": True})
