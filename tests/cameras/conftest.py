"""Fixtures of the cameras tests: a real mosquitto broker, the camera registry and rules from
data/, a running ingest, a publisher and Frigate-shaped messages."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiomqtt
import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.testing import mosquitto
from backend.testing.mosquitto import Mosquitto

NGA_SAU = "nga_sau"
CHO = "cho_bmt"


@pytest.fixture(scope="session")
def broker() -> Iterator[Mosquitto]:
    try:
        server = mosquitto.start()
    except mosquitto.MosquittoMissing as exc:
        pytest.fail(str(exc))
    yield server
    server.remove()


@pytest_asyncio.fixture(loop_scope="session")
async def cameras(session: AsyncSession) -> AsyncSession:
    """The registry, rules and traffic parameters of data/ (what `phananh seed` loads)."""
    from backend.cameras import service, traffic
    from backend.cameras.loader import load_cameras
    from backend.core.config import get_settings

    await load_cameras(session=session, data_dir=get_settings().data_dir)
    await session.commit()
    service.invalidate_cache()
    traffic.invalidate_cache()
    return session


@pytest_asyncio.fixture(loop_scope="session")
async def ingest(cameras: AsyncSession, broker: Mosquitto) -> AsyncIterator[Any]:
    """The MQTT ingest running in this event loop, subscribed (its own persistent session)."""
    from backend.cameras.ingest import Ingest

    running = Ingest(broker.url, client_id=f"test-{uuid.uuid4().hex[:8]}")
    task = asyncio.create_task(running.run())
    await asyncio.wait_for(running.subscribed.wait(), 20)
    running.task = task
    yield running
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest_asyncio.fixture(loop_scope="session")
async def publish(broker: Mosquitto) -> AsyncIterator[Callable[..., Any]]:
    """publish(topic, payload) with QoS 1 (dicts become JSON), on a fresh connection each time
    (so it works across broker restarts)."""

    async def send(topic: str, *payloads: Any) -> None:
        async with aiomqtt.Client("127.0.0.1", broker.port, identifier=f"pub-{uuid.uuid4().hex[:6]}") as client:
            for payload in payloads:
                body = json.dumps(payload) if isinstance(payload, dict) else payload
                await client.publish(topic, body, qos=1)

    yield send


_ids = itertools.count(1)


@pytest.fixture
def frigate() -> Callable[..., dict[str, Any]]:
    """A Frigate `frigate/events` message as Frigate publishes it."""

    def make(kind: str = "new", *, event_id: str | None = None, camera: str = NGA_SAU, label: str = "car",
             zones: list[str] | None = None, start: float | None = None, seconds: float = 0.0,
             score: float = 0.82, end: bool = False, has_snapshot: bool = True, stationary: bool = True,
             false_positive: bool = False) -> dict[str, Any]:
        start = start if start is not None else time.time() - 3600
        after = {
            "id": event_id or f"{start:.6f}-{next(_ids):06d}", "camera": camera, "frame_time": start + seconds,
            "snapshot": {"frame_time": start + seconds, "box": [415, 489, 528, 700], "area": 12728,
                         "region": [260, 446, 660, 846], "score": score, "attributes": []},
            "label": label, "sub_label": None, "top_score": score, "false_positive": false_positive,
            "start_time": start, "end_time": start + seconds if end else None, "score": score,
            "box": [424, 500, 536, 712], "area": 23744, "ratio": 2.11, "region": [264, 450, 667, 853],
            "current_zones": list(zones or []), "entered_zones": list(zones or []), "thumbnail": None,
            "has_snapshot": has_snapshot, "has_clip": True, "stationary": stationary, "motionless_count": 0,
            "position_changes": 1, "attributes": {},
        }
        return {"type": kind, "before": {**after, "current_zones": []}, "after": after}

    return make


async def wait_until(session: AsyncSession, query: Any, expected: Any, within: float = 20.0) -> Any:
    """Poll the database until `query` (a scalar select) gives `expected`."""
    deadline = time.monotonic() + within
    got = None
    while time.monotonic() < deadline:
        got = await session.scalar(query)
        await session.rollback()  # a fresh snapshot next time
        if got == expected:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {expected!r}, still {got!r} after {within}s")


def count_events(**where: Any) -> Any:
    from backend.cameras.models import CameraEvent

    return select(func.count()).select_from(CameraEvent).where(
        *[getattr(CameraEvent, k) == v for k, v in where.items()])


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Change settings for one test (restored afterwards)."""
    from backend.core.config import get_settings

    def change(**env: str) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield change
    monkeypatch.undo()
    get_settings.cache_clear()


def jpeg(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def candidate(cameras: AsyncSession) -> Callable[..., Any]:
    """A pending candidate (a car 15 minutes on Ngã Sáu's sidewalk), with a snapshot unless told."""
    from datetime import UTC, timedelta
    from zoneinfo import ZoneInfo

    from backend.cameras import service, snapshots
    from backend.cameras.frigate import Observation
    from backend.core.db import utcnow

    async def make(camera: str = NGA_SAU, label: str = "car", zone: str = "via_he", snapshot: bool = True,
                   minutes: int = 15) -> int:
        # The rules have hours of the day: the event ends at the last 11:00 local time (Ngã Sáu's
        # and the market's daytime rules match it whatever time the suite runs).
        local = ZoneInfo("Asia/Ho_Chi_Minh")
        now = utcnow().astimezone(local)
        end = now.replace(hour=11, minute=0, second=0, microsecond=0)
        if end > now:
            end -= timedelta(days=1)
        start = (end - timedelta(minutes=minutes)).astimezone(UTC)
        obs = Observation(source="frigate", event_id=uuid.uuid4().hex, camera=camera, label=label, score=0.9,
                          top_score=0.9, start_time=start, last_time=start + timedelta(minutes=minutes),
                          end_time=start + timedelta(minutes=minutes), zones=[zone], has_snapshot=snapshot)
        result = await service.ingest(session=cameras, observations=[obs])
        assert result.candidates, "the factory's event should match a rule of data/camera_rules.yaml"
        if snapshot:
            await snapshots.store(session=cameras, event_id=result.candidates[0], data=jpeg())
        await cameras.commit()
        return result.candidates[0]

    return make
