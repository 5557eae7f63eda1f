"""POST /webhooks/telegram: the secret header, and each update handled once."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest_asyncio
from sqlalchemy import select
from standins import TelegramStandIn, wait_for

from backend.core.db import utcnow
from bot.dialogue.models import ProcessedEvent

UPDATE = {"update_id": 9001, "message": {"message_id": 1, "date": 0, "chat": {"id": 55, "type": "private"},
                                         "from": {"id": 55, "is_bot": False, "first_name": "B"}, "text": "giúp"}}


@pytest_asyncio.fixture(loop_scope="session")
async def telegram(session):
    from backend.core.config import get_settings
    from bot.telegram import app as tg

    server = TelegramStandIn()
    await server.start()
    env = {"TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE": server.url, "TELEGRAM_MODE": "webhook",
           "TELEGRAM_WEBHOOK_SECRET": "s3cret"}
    os.environ.update(env)
    get_settings.cache_clear()
    await tg.close()
    yield server
    await tg.close()
    for key in env:
        os.environ.pop(key, None)
    get_settings.cache_clear()
    await server.stop()


async def test_wrong_secret_is_refused(app_client, telegram):
    resp = await app_client.post("/webhooks/telegram", json=UPDATE,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert resp.status_code == 403


async def test_update_is_answered_once_even_if_redelivered(app_client, telegram):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    assert (await app_client.post("/webhooks/telegram", json=UPDATE, headers=headers)).status_code == 200
    assert (await app_client.post("/webhooks/telegram", json=UPDATE, headers=headers)).json()["duplicate"]
    await wait_for(lambda: telegram.sent_texts(), what="the reply")
    await asyncio.sleep(0.2)
    assert len(telegram.sent_texts()) == 1 and "Tra cứu" in telegram.sent_texts()[0]


async def test_the_turn_records_its_replies_and_is_marked_done_once_sent(app_client, telegram, session):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    update = {**UPDATE, "update_id": 9002}
    assert (await app_client.post("/webhooks/telegram", json=update, headers=headers)).status_code == 200
    await wait_for(lambda: telegram.sent_texts(), what="the reply")
    row = await session.scalar(select(ProcessedEvent).where(ProcessedEvent.channel == "telegram",
                                                            ProcessedEvent.event_id == "9002"))
    assert row.status == "done"
    assert [r["text"] for r in row.replies] == telegram.sent_texts()
    assert row.payload["chat_id"] == 55


async def test_replies_committed_but_never_sent_are_sent_once_by_the_recovery_job(telegram, session):
    from backend.notifications import scheduled

    session.add(ProcessedEvent(channel="telegram", event_id="9003", status="answered",
                               payload={"chat_id": 55, "lang": "vi"}, claimed_at=utcnow() - timedelta(minutes=10),
                               replies=[{"text": "Đã ghi nhận phản ánh PA-TG0001", "buttons": []}]))
    await session.commit()
    assert (await scheduled.outbox_retry())["telegram_redelivered"] == 1
    assert (await scheduled.outbox_retry())["telegram_redelivered"] == 0
    assert telegram.sent_texts() == ["Đã ghi nhận phản ánh PA-TG0001"]
    session.expire_all()
    row = await session.scalar(select(ProcessedEvent).where(ProcessedEvent.event_id == "9003"))
    assert row.status == "done"
