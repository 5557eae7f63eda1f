"""What a report is made of: text, location, photos (also photos sent as files), shared contact."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.render import converse
from bot.telegram.routers.common import incoming, photo_ref

router = Router(name=__name__)


@router.message(F.location)
async def on_location(message: Message, bot: Bot, session: AsyncSession) -> None:
    loc = message.location
    assert loc is not None
    await converse(bot, session, message.chat.id, incoming(message, location=(loc.latitude, loc.longitude)))


@router.message(F.photo)
async def on_photo(message: Message, bot: Bot, session: AsyncSession) -> None:
    best = message.photo[-1]  # type: ignore[index]
    ref = photo_ref(bot, best.file_id, best.file_size)
    await converse(bot, session, message.chat.id, incoming(message, photos=[ref], text=message.caption))


@router.message(F.document.mime_type.startswith("image/"))
async def on_image_file(message: Message, bot: Bot, session: AsyncSession) -> None:
    doc = message.document
    assert doc is not None
    ref = photo_ref(bot, doc.file_id, doc.file_size)
    await converse(bot, session, message.chat.id, incoming(message, photos=[ref], text=message.caption))


@router.message(F.contact)
async def on_contact(message: Message, bot: Bot, session: AsyncSession) -> None:
    contact = message.contact
    assert contact is not None
    own = message.from_user is not None and contact.user_id == message.from_user.id
    msg = incoming(message, contact_phone=contact.phone_number) if own else incoming(message, unsupported="contact")
    await converse(bot, session, message.chat.id, msg)


@router.message(F.text)
async def on_text(message: Message, bot: Bot, session: AsyncSession) -> None:
    await converse(bot, session, message.chat.id, incoming(message, text=message.text))
