"""Scheduled jobs of the cameras module, the ingest lease and Frigate's snapshots over HTTP."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from aiohttp import web
from sqlalchemy import select, update

from backend.cameras.models import Camera, CameraEvent, CameraIncident
from backend.core.db import utcnow
from tests.bot.standins import Server
from tests.cameras.conftest import NGA_SAU, jpeg, wait_until


async def test_a_silent_camera_goes_offline_once_with_one_incident(cameras):
    from backend.cameras.scheduled import camera_offline_watch

    now = utcnow()
    await cameras.execute(update(Camera).values(last_seen_at=now - timedelta(minutes=5), status="online"))
    await cameras.execute(update(Camera).where(Camera.code == NGA_SAU)
                          .values(last_seen_at=now - timedelta(minutes=30)))
    await cameras.commit()
    first = await camera_offline_watch(now=now)
    again = await camera_offline_watch(now=now + timedelta(minutes=1))
    assert first == {"offline": 1, "cameras": [NGA_SAU]}
    assert again["offline"] == 0
    incidents = (await cameras.scalars(select(CameraIncident))).all()
    assert [(i.kind, i.camera.code, i.closed_at) for i in incidents] == [("offline", NGA_SAU, None)]


async def test_candidates_nobody_verified_expire(cameras, candidate):
    from backend.cameras.scheduled import camera_pending_expiry

    old, fresh = await candidate(), await candidate()
    await cameras.execute(update(CameraEvent).where(CameraEvent.id == old)
                          .values(candidate_at=utcnow() - timedelta(days=4)))
    await cameras.commit()
    assert await camera_pending_expiry() == {"expired": 1}
    found = dict((await cameras.execute(select(CameraEvent.id, CameraEvent.status))).all())
    assert found == {old: "expired", fresh: "pending"}


async def test_one_ingest_leader_at_a_time(cameras):
    from backend.core.lease import acquire_lease, release_lease

    now = utcnow()
    assert await acquire_lease("camera-ingest", "web-1", now=now)
    assert not await acquire_lease("camera-ingest", "web-2", now=now)
    assert await acquire_lease("camera-ingest", "web-2", now=now + timedelta(seconds=61))  # expired
    await release_lease("camera-ingest", "web-2")
    assert await acquire_lease("camera-ingest", "web-1")


async def test_a_candidates_snapshot_is_fetched_from_frigates_http_api(cameras, broker, publish, frigate,
                                                                         settings_env):
    from backend.cameras.ingest import Ingest

    asked: list[str] = []
    server = Server()

    async def snapshot(request: web.Request) -> web.Response:
        asked.append(request.match_info["event_id"])
        return web.Response(body=jpeg(), content_type="image/jpeg")

    server.app.router.add_get("/api/events/{event_id}/snapshot.jpg", snapshot)
    await server.start()
    settings_env(FRIGATE_URL=server.url)
    running = Ingest(broker.url, client_id=f"snap-{time.time_ns()}")
    task = asyncio.create_task(running.run())
    try:
        await asyncio.wait_for(running.subscribed.wait(), 20)
        start = time.time() - 3600
        await publish("frigate/events", frigate("end", event_id="with-snapshot", zones=["via_he"], start=start,
                                                seconds=900, end=True),
                      frigate("end", event_id="not-a-candidate", zones=["via_he"], start=start, seconds=30,
                              end=True))
        await wait_until(cameras, select(CameraEvent.snapshot_type)
                         .where(CameraEvent.external_id == "with-snapshot"), "image/jpeg")
        assert asked == ["with-snapshot"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()


async def test_an_offline_camera_alerts_the_ioc_staff_once_and_again_when_it_is_back(cameras, make_user):
    from backend.cameras import service
    from backend.cameras.scheduled import camera_offline_watch
    from backend.notifications.models import Outbox

    supervisor = await make_user("supervisor")
    supervisor.email = "giamsat@ioc.daklak.gov.vn"
    await cameras.execute(update(Camera).values(last_seen_at=utcnow(), status="online"))
    await cameras.execute(update(Camera).where(Camera.code == NGA_SAU)
                          .values(last_seen_at=utcnow() - timedelta(hours=1)))
    await cameras.commit()
    await camera_offline_watch()
    await camera_offline_watch()
    camera_id = await cameras.scalar(select(Camera.id).where(Camera.code == NGA_SAU))
    await service.seen_cameras(session=cameras, camera_ids={camera_id}, now=utcnow())
    await cameras.commit()
    alerts = (await cameras.scalars(select(Outbox).order_by(Outbox.id))).all()
    assert [(a.recipient, a.payload["alert"]) for a in alerts] == [
        ("giamsat@ioc.daklak.gov.vn", "camera_offline"), ("giamsat@ioc.daklak.gov.vn", "camera_offline_closed")]
    assert "mất tín hiệu" in alerts[0].payload["text"]
