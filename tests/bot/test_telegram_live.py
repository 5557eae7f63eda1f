"""Telegram end to end: the app's own aiogram dispatcher polls a Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from standins import jpeg, wait_for

from backend.reports.models import Attachment, Report


@pytest.fixture(scope="module")
def app(telegram, live_app_factory):
    return live_app_factory(env={"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE": telegram.url,
                                 "TELEGRAM_MODE": "polling"})


async def say(telegram, callback_query=None, **message) -> str:
    before = len(telegram.sent_texts())
    telegram.push(message or None, callback_query=callback_query)
    await wait_for(lambda: len(telegram.sent_texts()) > before, within=30, what=f"a reply to {message}")
    await asyncio.sleep(0.3)
    return "\n".join(telegram.sent_texts()[before:])


async def test_commands_are_registered_with_set_my_commands(app, telegram):
    await wait_for(lambda: telegram.called("setMyCommands"), within=30, what="setMyCommands")
    commands = telegram.called("setMyCommands")[0]["commands"]
    for name in ("start", "help", "baocao", "tracuu", "huy"):
        assert f'"{name}"' in commands


async def test_citizen_files_a_report_on_telegram_and_gets_the_code(app, telegram):
    assert "Xin chào" in await say(telegram, text="/start", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}])
    reply = await say(telegram, text="Quán cà phê bày bàn ghế chiếm hết vỉa hè đường Lê Duẩn")
    assert "ở đâu" in reply
    markup = telegram.called("sendMessage")[-1].get("reply_markup", "")
    assert "request_location" in markup
    reply = await say(telegram, location={"latitude": 12.6675, "longitude": 108.0378})
    assert "Đã ghi nhận vị trí" in reply
    telegram.files["ph1"] = jpeg()
    reply = await say(telegram, photo=[{"file_id": "ph1", "file_unique_id": "uph1", "width": 40, "height": 30,
                                        "file_size": len(telegram.files["ph1"])}])
    assert "1/5" in reply
    assert telegram.called("getFile") and telegram.downloads == 1
    reply = await say(telegram, text="xong")
    if "Nghị định 13" in reply:
        reply = await say(telegram, text="không")
    assert "Ảnh: 1" in reply
    assert "act:confirm" in telegram.called("sendMessage")[-1]["reply_markup"]
    reply = await say(telegram, callback_query={
        "id": "cb1", "chat_instance": "ci", "data": "act:confirm",
        "from": {"id": 777, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
        "message": {"message_id": 1, "date": 0, "chat": {"id": 777, "type": "private"}, "text": "x"}})
    assert "Mã tra cứu: PA-" in reply
    code = reply.split("Mã tra cứu: ")[1].split()[0]
    async with app.session() as s:
        report = await s.scalar(select(Report).where(Report.code == code))
        assert report.channel == "telegram"
        assert len((await s.scalars(select(Attachment).where(Attachment.report_id == report.id))).all()) == 1
    assert code in await say(telegram, text=f"tra cứu {code}")


async def test_a_sticker_gets_a_helpful_reply(app, telegram):
    reply = await say(telegram, sticker={"file_id": "st", "file_unique_id": "ust", "type": "regular",
                                         "width": 1, "height": 1, "is_animated": False, "is_video": False})
    assert "nhãn dán" in reply
