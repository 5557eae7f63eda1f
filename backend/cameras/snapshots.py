"""Snapshots of Frigate events, from its HTTP API (`FRIGATE_URL/api/events/{id}/snapshot.jpg`),
stored like citizens' photos (type checked by content, stored once by sha256)."""

from __future__ import annotations

import base64
import binascii

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras.models import CameraEvent
from backend.core.config import get_settings
from backend.core.errors import ValidationFailed
from backend.core.logging import get_logger
from backend.reports import media

log = get_logger(__name__)


async def fetch(client: httpx.AsyncClient, frigate_id: str) -> bytes | None:
    """The event's best snapshot, or None (Frigate not configured, down, or no snapshot)."""
    base = get_settings().frigate_url
    if not base:
        return None
    url = f"{base.rstrip('/')}/api/events/{frigate_id}/snapshot.jpg"
    try:
        response = await client.get(url, params={"bbox": 1}, timeout=10)
    except httpx.HTTPError as exc:
        log.warning("frigate snapshot fetch failed", event_id=frigate_id, error=str(exc))
        return None
    if response.status_code != 200:
        log.warning("frigate snapshot not available", event_id=frigate_id, status=response.status_code)
        return None
    return response.content


def decode_b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed("snapshot_b64 không phải base64 hợp lệ",
                               field="snapshot_b64") from exc


async def store(*, session: AsyncSession, event_id: int, data: bytes) -> bool:
    """Keep the image with the event (checked by content: anything not an image is refused)."""
    try:
        stored = media.store(data)
    except ValidationFailed as exc:
        log.warning("camera snapshot refused", event_id=event_id, reason=exc.message)
        return False
    await session.execute(update(CameraEvent).where(CameraEvent.id == event_id)
                          .values(snapshot_sha256=stored.sha256, snapshot_type=stored.content_type)
                          .execution_options(synchronize_session=False))
    return True
