"""POST /webhooks/camera: HMAC-SHA256 of the raw body in X-Signature; the same event_id again
updates its row."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from backend.cameras.models import CameraEvent
from tests.cameras.conftest import CHO, count_events, jpeg

SECRET = "edge-box-secret"


def signed(body: dict | bytes, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sig = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Signature": f"sha256={sig}", "Content-Type": "application/json"}


def event(**extra: object) -> dict:
    return {"camera": CHO, "event_id": "onvif-42", "label": "motorcycle", "zone": "via_he", "score": 0.91,
            "start_time": "2026-11-30T08:00:00+07:00", "end_time": "2026-11-30T08:20:00+07:00", **extra}


@pytest.fixture
def secret(settings_env):
    settings_env(CAMERA_WEBHOOK_SECRET=SECRET)


async def test_a_signed_event_is_stored_and_becomes_a_candidate(app_client, cameras, secret):
    raw, headers = signed(event(snapshot_b64=base64.b64encode(jpeg()).decode()))
    resp = await app_client.post("/webhooks/camera", content=raw, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["created"] and resp.json()["candidate"]
    stored = await cameras.scalar(select(CameraEvent))
    assert (stored.source, stored.status, stored.category) == ("webhook", "pending", "encroachment")
    assert stored.snapshot_type == "image/jpeg"


async def test_the_same_event_id_again_updates_never_duplicates(app_client, cameras, secret):
    first, h1 = signed(event(end_time=None, start_time="2026-11-30T08:00:00+07:00"))
    again, h2 = signed(event(score=0.95))
    await app_client.post("/webhooks/camera", content=first, headers=h1)
    resp = await app_client.post("/webhooks/camera", content=again, headers=h2)
    assert resp.json()["created"] is False
    assert await cameras.scalar(count_events()) == 1
    assert await cameras.scalar(select(CameraEvent.updates)) == 2


async def test_a_forged_signature_is_refused_and_nothing_is_stored(app_client, cameras, secret):
    raw, _ = signed(event())
    _, forged = signed(event(), secret="guessed")
    resp = await app_client.post("/webhooks/camera", content=raw, headers=forged)
    assert resp.status_code == 401
    assert (await app_client.post("/webhooks/camera", content=raw,
                                  headers={"Content-Type": "application/json"})).status_code == 401
    tampered = raw.replace(b"0.91", b"0.99")
    assert (await app_client.post("/webhooks/camera", content=tampered,
                                  headers=signed(event())[1])).status_code == 401
    assert await cameras.scalar(count_events()) == 0


async def test_without_a_configured_secret_the_webhook_refuses_everything(app_client, cameras):
    raw, headers = signed(event())
    assert (await app_client.post("/webhooks/camera", content=raw, headers=headers)).status_code == 401


@pytest.mark.parametrize(("body", "status"), [
    (event(camera="khong_co"), 404),
    (event(score=1.5), 422),
    (event(start_time="hôm qua"), 422),
    (event(start_time="2026-11-30T08:00:00"), 422),  # no time zone
    (event(end_time="2026-11-30T07:00:00+07:00"), 422),  # ends before it starts
    (event(snapshot_b64="không phải base64"), 422),
    (event(snapshot_b64=base64.b64encode(b"<html>not an image</html>").decode()), 422),
    (b"{not json", 422),
])
async def test_bad_events_get_a_4xx_with_a_message(app_client, cameras, secret, body, status):
    raw, headers = signed(body)
    resp = await app_client.post("/webhooks/camera", content=raw, headers=headers)
    assert resp.status_code == status, resp.text
    assert resp.json()["detail"]
    assert await cameras.scalar(count_events()) == 0
