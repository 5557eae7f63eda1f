"""The parts of a conversation that are about the person rather than a report form: the answer to
a question staff asked them (their next message that is not a command), and erasing their
personal data ("xóa dữ liệu của tôi", confirmed once). Channel-neutral; the rules are in
backend/reports/questions.py and backend/citizens/service.py."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens import service as citizens_service
from backend.citizens.models import Citizen
from backend.core.errors import DomainError
from backend.core.text import fold_words
from backend.reports import questions
from bot.dialogue.messages import IncomingMessage, PhotoRef
from bot.dialogue.models import ProcessedEvent
from bot.dialogue.words import ERASE, ERASE_NO, ERASE_YES, is_command

log = logging.getLogger(__name__)


class Turn(Protocol):
    """What this module needs of the engine's conversation."""

    session: AsyncSession
    msg: IncomingMessage
    citizen: Citizen
    data: dict[str, Any]
    lang: str

    def say(self, key: str, buttons: list[tuple[str, str]] | None = None, request_location: bool = False,
            request_contact: bool = False, **values: Any) -> None: ...

    def b(self, key: str, payload: str) -> tuple[str, str]: ...


async def intercept(turn: Turn) -> bool:
    """Handle the message here when it is an erasure request (or its confirmation) or the answer
    to a staff question (any message but a command); False: the conversation goes on as usual."""
    msg = turn.msg
    folded = fold_words(msg.text or "")
    answer = {"yes": "co", "no": "khong"}.get(msg.payload or "", folded)
    if turn.data.get("await") == "erase":
        turn.data.pop("await", None)
        if answer in ERASE_YES:
            await erase(turn)
            return True
        if answer in ERASE_NO:
            turn.say("erase_kept")
            return True
    if folded in ERASE or msg.payload == "erase":
        turn.data["await"] = "erase"
        turn.say("erase_confirm", buttons=[turn.b("btn_yes", "yes"), turn.b("btn_no", "no")])
        return True
    if msg.payload or msg.contact_phone or msg.location is not None or msg.unsupported:
        return False
    if not msg.photos and (not folded or is_command(msg.text or "")):
        return False
    question = await questions.waiting_for(session=turn.session, citizen=turn.citizen)
    if question is None:
        return False
    photos: list[bytes] = []
    for photo in msg.photos:
        try:
            photos.append(await photo.fetch() if isinstance(photo, PhotoRef) else photo)
        except Exception as exc:  # a photo that cannot be fetched: the text still answers
            log.warning("answer photo download failed: %s", exc)
    try:
        async with turn.session.begin_nested():
            report = await questions.answer(session=turn.session, question=question, citizen=turn.citizen,
                                            text=msg.text, photos=photos)
    except DomainError as exc:
        turn.say("photo_bad", reason=exc.message)
        return True
    turn.say("answer_thanks", code=report.code)
    return True


async def erase(turn: Turn) -> None:
    """Erase the person's data; the conversation state is emptied (the engine saves it so)."""
    entry = await citizens_service.erase(session=turn.session, citizen=turn.citizen, source="chat")
    await forget_events(turn.session, turn.msg.channel, turn.msg.user_id)
    turn.data.clear()
    turn.say("erased", reports=entry.reports)


async def forget_events(session: AsyncSession, channel: str, user_id: str) -> int:
    """Drop the stored payloads and replies of the person's finished chat events (kept for
    recovery only; a Zalo event names its sender). Returns how many rows were scrubbed."""
    events = ProcessedEvent.__table__
    sender = events.c.payload[("sender", "id")].as_string()
    result = await (await session.connection()).execute(
        events.update().where(events.c.channel == channel, events.c.status.in_(("done", "failed")),
                              sender == user_id).values(payload=None, replies=None))
    return int(result.rowcount or 0)
