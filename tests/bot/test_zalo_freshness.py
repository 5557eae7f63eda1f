"""Zalo webhook replay checks (issue 17 item 9): a signed event outside the freshness window or of
another app is refused; finished event ids older than the window are pruned by a job."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

APP_ID = "1160000000000000001"
SECRET = "oa-secret"


@pytest.fixture
def zalo_env(session):
    from backend.core.config import get_settings

    os.environ.update({"ZALO_OA_SECRET_KEY": SECRET, "ZALO_APP_ID": APP_ID, "ZALO_EVENT_MAX_AGE_S": "600"})
    get_settings.cache_clear()
    yield
    for key in ("ZALO_OA_SECRET_KEY", "ZALO_APP_ID", "ZALO_EVENT_MAX_AGE_S"):
        os.environ.pop(key, None)
    get_settings.cache_clear()


def _signed(timestamp_ms: int, app_id: str = APP_ID) -> tuple[bytes, dict[str, str]]:
    event = {"app_id": app_id, "timestamp": str(timestamp_ms), "event_name": "user_seen_message",
             "sender": {"id": "u1"}, "message": {"msg_id": f"m{timestamp_ms}{app_id}"}}
    raw = json.dumps(event).encode()
    mac = hashlib.sha256(app_id.encode() + raw + str(timestamp_ms).encode() + SECRET.encode()).hexdigest()
    return raw, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


async def test_a_correctly_signed_event_from_2020_is_refused_as_stale(app_client, zalo_env):
    raw, headers = _signed(1_580_000_000_000)
    response = await app_client.post("/webhooks/zalo", content=raw, headers=headers)
    assert response.status_code == 403 and response.json()["error"] == "stale"


async def test_a_signed_event_of_another_app_is_refused(app_client, zalo_env):
    raw, headers = _signed(int(time.time() * 1000), app_id="999")
    response = await app_client.post("/webhooks/zalo", content=raw, headers=headers)
    assert response.status_code == 403 and response.json()["error"] == "foreign_app"


async def test_a_fresh_signed_event_of_our_app_is_accepted(app_client, zalo_env):
    raw, headers = _signed(int(time.time() * 1000))
    assert (await app_client.post("/webhooks/zalo", content=raw, headers=headers)).status_code == 200


async def test_finished_event_ids_older_than_the_window_are_pruned(session, zalo_env):
    from backend.core.db import utcnow
    from bot.dialogue.models import ProcessedEvent
    from bot.zalo.freshness import prune_processed

    now = utcnow()
    session.add_all([
        ProcessedEvent(channel="zalo", event_id="old-done", status="done", created_at=now - timedelta(hours=1)),
        ProcessedEvent(channel="zalo", event_id="old-pending", status="received", created_at=now - timedelta(hours=1)),
        ProcessedEvent(channel="zalo", event_id="new-done", status="done", created_at=now),
    ])
    await session.commit()
    assert (await prune_processed())["pruned"] == 1
    left = set((await session.scalars(select(ProcessedEvent.event_id))).all())
    assert left == {"old-pending", "new-done"}
