"""POST /webhooks/telegram: the secret header, and each update handled once."""

from __future__ import annotations

import asyncio
import os

import pytest_asyncio
from standins import TelegramStandIn, wait_for

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
