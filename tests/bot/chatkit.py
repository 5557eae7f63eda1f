"""Transcript helpers: a person on one channel talking to the engine, one committed turn each."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.notifications.messages import OutgoingMessage
from bot.dialogue import engine
from bot.dialogue.messages import IncomingMessage

BMT = (12.6675, 108.0378)
HANOI = (21.0285, 105.8542)
LITTER = "Có người đổ rác thải bừa bãi ra lề đường, bốc mùi hôi thối"


def jpeg(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buf, "JPEG")
    return buf.getvalue()


class Chat:
    def __init__(self, session: AsyncSession, channel: str = "cli", user_id: str = "u1", language: str | None = None):
        self.session = session
        self.channel = channel
        self.user_id = user_id
        self.language = language
        self.last: list[OutgoingMessage] = []

    async def send(self, text: str | None = None, **kw: Any) -> list[OutgoingMessage]:
        msg = IncomingMessage(channel=self.channel, user_id=self.user_id, text=text, language=self.language, **kw)
        self.last = await engine.handle(msg, session=self.session)
        await self.session.commit()
        return self.last

    async def says(self, text: str | None = None, **kw: Any) -> str:
        return "\n".join(m.text for m in await self.send(text, **kw))

    def payloads(self) -> list[str]:
        return [p for m in self.last for _label, p in m.buttons]

    async def report_until_summary(self, description: str = LITTER, where: tuple[float, float] = BMT) -> str:
        await self.send(description)
        await self.send(location=where)
        reply = await self.says("bỏ qua")
        if "ngoài" in reply or "lĩnh vực nào" in reply or "which kind" in reply.lower():
            return reply
        if "Nghị định 13" in reply or "Decree 13" in reply:
            reply = await self.says("không")
        return reply

    async def file_report(self, description: str = LITTER, where: tuple[float, float] = BMT) -> str:
        await self.report_until_summary(description, where)
        reply = await self.says("xác nhận")
        code = engine.CODE_RE.search(reply)
        assert code, reply
        return code.group(0)
