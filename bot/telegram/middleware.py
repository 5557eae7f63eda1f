"""One database session (one transaction) per update, handed to handlers as `session`; the
update's id rides along in `session.info` (the turn is recorded under it: render.converse)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from backend.core.db import session_scope

UPDATE_ID = "telegram_update_id"


class DbSessionMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with session_scope() as session:
            data["session"] = session
            if isinstance(event, Update):
                session.info[UPDATE_ID] = event.update_id
            return await handler(event, data)
