"""`phananh chat`: the report bot in the terminal (channel `cli`), the same engine as Zalo and Telegram.

Type as you would in a chat; a location is an address or `lat,lon`; `/anh PATH` sends a photo;
buttons are shown as the words to type (or their number). Ctrl-D leaves.
"""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from backend.citizens import service as citizens_service
from backend.core.db import dispose_engine, session_scope
from backend.notifications.messages import OutgoingMessage
from backend.notifications.sender import deliver_due
from bot.dialogue import engine
from bot.dialogue.messages import IncomingMessage


def show(console: Console, replies: list[OutgoingMessage]) -> list[str]:
    """Print the replies; returns the button payloads, numbered as shown."""
    payloads: list[str] = []
    for reply in replies:
        body = reply.text
        numbered = [(label, p) for label, p in reply.buttons if not p.startswith("cat:")]
        if numbered:
            start = len(payloads) + 1
            body += "\n" + "  ".join(f"[{start + i}] {label}" for i, (label, _p) in enumerate(numbered))
            payloads.extend(p for _label, p in numbered)
        console.print(Panel(body, title="PhanAnh", title_align="left", border_style="green"))
    return payloads


def parse(line: str, user_id: str, payloads: list[str]) -> IncomingMessage:
    text = line.strip()
    if text.startswith("/anh ") or text.startswith("/photo "):
        path = Path(text.split(" ", 1)[1].strip()).expanduser()
        data = path.read_bytes() if path.is_file() else b""
        return IncomingMessage(channel="cli", user_id=user_id, photos=[data])
    if text.startswith("[") and text.endswith("]") and text[1:-1].isdigit():
        text = text[1:-1]
    if text.startswith("#") and text[1:].isdigit() and 0 < int(text[1:]) <= len(payloads):
        return IncomingMessage(channel="cli", user_id=user_id, payload=payloads[int(text[1:]) - 1])
    return IncomingMessage(channel="cli", user_id=user_id, text=line)


async def show_pushed(console: Console, citizen_id: int) -> int:
    """Messages the outbox holds for this terminal user (a resolution, a rating request, an
    officer's question): shown here, which is their delivery. Returns how many rows were shown."""

    async def printer(_recipient: str, messages: list[OutgoingMessage]) -> None:
        show(console, messages)

    return (await deliver_due(citizen_id=citizen_id, senders={"cli": printer}))["sent"]


async def _watch(console: Console, citizen_id: int, every: float = 3.0) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await show_pushed(console, citizen_id)
        except Exception as exc:  # the database busy or gone for a moment: try again next time
            console.print(f"[dim](chưa lấy được tin mới: {exc})[/]")


async def main(console: Console | None = None, user_id: str | None = None) -> None:
    console = console or Console()
    user_id = user_id or f"{getpass.getuser()}@terminal"
    console.print("[bold]PhanAnh[/] — phản ánh hiện trường. Gõ \"giúp\" để xem hướng dẫn; "
                  "\"#số\" bấm nút; \"/anh đường-dẫn\" gửi ảnh; Ctrl-D để thoát.")
    payloads: list[str] = []
    async with session_scope() as session:
        citizen = await citizens_service.get_or_create(session=session, channel="cli", external_id=user_id)
        citizen_id = citizen.id
    await show_pushed(console, citizen_id)
    watcher = asyncio.create_task(_watch(console, citizen_id))
    try:
        while True:
            try:
                line = await asyncio.to_thread(console.input, "[bold cyan]Bạn>[/] ")
            except (EOFError, KeyboardInterrupt):
                console.print("\nTạm biệt!")
                return
            async with session_scope() as session:
                replies = await engine.handle(parse(line, user_id, payloads), session=session)
            payloads = show(console, replies)
            await show_pushed(console, citizen_id)
    finally:
        watcher.cancel()
        await dispose_engine()
