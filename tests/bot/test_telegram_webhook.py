"""POST /webhooks/telegram: the secret header, and each update handled once."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest_asyncio
from sqlalchemy import select
from standins import TelegramStandIn, wait_for

from backend.core.db import utcnow
from backend.notifications import scheduled
from backend.notifications.models import Outbox
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


async def _post(app_client, update_id: int) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    resp = await app_client.post("/webhooks/telegram", json={**UPDATE, "update_id": update_id}, headers=headers)
    assert resp.status_code == 200


async def _event_status(session, update_id: int) -> str:
    session.expire_all()
    row = await session.scalar(select(ProcessedEvent).where(ProcessedEvent.channel == "telegram",
                                                            ProcessedEvent.event_id == str(update_id)))
    status = row.status
    await session.commit()
    return status


async def _queued_replies(session) -> list[Outbox]:
    session.expire_all()
    rows = list((await session.scalars(select(Outbox).where(Outbox.kind == "reply"))).all())
    await session.commit()
    return rows


async def test_a_reply_the_bot_api_cannot_take_now_is_sent_once_by_the_retry_job(app_client, telegram, session):
    telegram.faults.append("5xx")
    await _post(app_client, 9004)
    assert telegram.sent_texts() == [] and await _event_status(session, 9004) == "done"
    [queued] = await _queued_replies(session)
    assert queued.status == "pending" and queued.recipient == "55"
    await session.execute(Outbox.__table__.update().values(next_attempt_at=utcnow()))
    await session.commit()
    assert (await scheduled.outbox_retry())["sent"] == 1
    assert (await scheduled.outbox_retry())["claimed"] == 0
    assert len(telegram.sent_texts()) == 1 and "Tra cứu" in telegram.sent_texts()[0]


async def test_a_person_who_blocked_the_bot_is_not_written_to_again(app_client, telegram, session):
    telegram.faults.append("blocked")
    await _post(app_client, 9005)
    assert await _event_status(session, 9005) == "done"
    assert await _queued_replies(session) == []
    assert telegram.sent_texts() == []
