"""Telegram message -> IncomingMessage."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.types import Message

from backend.core.config import get_settings
from backend.core.errors import ValidationFailed
from bot.dialogue.messages import IncomingMessage, PhotoRef


def incoming(message: Message, **kw: Any) -> IncomingMessage:
    user = message.from_user
    return IncomingMessage(
        channel="telegram", user_id=str(user.id if user else message.chat.id),
        display_name=user.full_name if user else None, language=user.language_code if user else None,
        message_id=str(message.message_id), **kw,
    )


def photo_ref(bot: Bot, file_id: str, size: int | None) -> PhotoRef:
    async def fetch() -> bytes:
        limit = get_settings().photo_max_bytes
        if size and size > limit:
            raise ValidationFailed(f"Ảnh quá lớn (tối đa {limit // (1024 * 1024)} MB)")
        file = await bot.get_file(file_id)
        if file.file_size and file.file_size > limit:
            raise ValidationFailed(f"Ảnh quá lớn (tối đa {limit // (1024 * 1024)} MB)")
        assert file.file_path is not None
        buffer = await bot.download_file(file.file_path)
        assert buffer is not None
        return buffer.read()

    return PhotoRef(fetch=fetch, label=file_id)
