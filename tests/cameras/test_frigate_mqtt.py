"""Frigate's own messages through a real mosquitto into the ingest: exactly the candidates the
rules of data/camera_rules.yaml should give."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from backend.cameras.models import Camera, CameraEvent
from tests.cameras.conftest import CHO, NGA_SAU, count_events, wait_until

TOPIC = "frigate/events"


def _local(hour: int, minute: int = 0) -> float:
    """A Unix time today at this local hour (Buôn Ma Thuột time)."""
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp() - 86_400


async def test_a_car_parked_on_the_sidewalk_ten_minutes_becomes_one_pending_candidate(
        cameras, ingest, publish, frigate):
    start = time.time() - 3600
    eid = f"{start:.6f}-car1"
    await publish(TOPIC, frigate("new", event_id=eid, zones=["via_he"], start=start, seconds=2),
                  frigate("update", event_id=eid, zones=["via_he"], start=start, seconds=300),
                  frigate("update", event_id=eid, zones=["via_he"], start=start, seconds=660),
                  frigate("end", event_id=eid, zones=["via_he"], start=start, seconds=700, end=True))
    await wait_until(cameras, select(CameraEvent.updates).where(CameraEvent.external_id == eid), 4)
    events = (await cameras.scalars(select(CameraEvent))).all()
    assert len(events) == 1
    event = events[0]
    assert (event.status, event.category, event.rule.code, event.zone) == (
        "pending", "encroachment", "o-to-do-via-he", "via_he")
    assert event.end_time is not None and round((event.end_time - event.start_time).total_seconds()) == 700


async def test_a_short_stop_on_the_sidewalk_is_observed_not_a_candidate(cameras, ingest, publish, frigate):
    start = time.time() - 3600
    eid = f"{start:.6f}-short"
    await publish(TOPIC, frigate("new", event_id=eid, zones=["via_he"], start=start, seconds=1),
                  frigate("end", event_id=eid, zones=["via_he"], start=start, seconds=120, end=True))
    await wait_until(cameras, select(CameraEvent.updates).where(CameraEvent.external_id == eid), 2)
    assert await cameras.scalar(count_events(status="pending")) == 0
    assert await cameras.scalar(count_events(status="observed")) == 1


async def test_labels_and_zones_no_rule_names_give_no_candidate(cameras, ingest, publish, frigate):
    start = time.time() - 3600
    await publish(TOPIC, frigate("end", label="dog", zones=["via_he"], start=start, seconds=900, end=True),
                  frigate("end", label="car", zones=["bai_do_xe"], start=start, seconds=900, end=True),
                  frigate("end", label="car", zones=["via_he"], start=start, seconds=900, end=True, score=0.4))
    await wait_until(cameras, count_events(), 3)
    assert await cameras.scalar(count_events(status="pending")) == 0


async def test_a_rule_applies_only_in_its_hours(cameras, ingest, publish, frigate):
    """Vendors in the roadway: 05:00-22:00 only."""
    day, night = _local(9), _local(23)
    await publish(TOPIC, frigate("end", event_id="vendor-day", label="person", zones=["long_duong"], camera=CHO,
                                 start=day, seconds=1000, end=True),
                  frigate("end", event_id="vendor-night", label="person", zones=["long_duong"], camera=CHO,
                          start=night, seconds=1000, end=True))
    await wait_until(cameras, count_events(), 2)
    found = dict((await cameras.execute(select(CameraEvent.external_id, CameraEvent.status))).all())
    assert found == {"vendor-day": "pending", "vendor-night": "observed"}


async def test_garbage_is_logged_and_dropped_and_the_next_message_still_works(cameras, ingest, publish, frigate):
    start = time.time() - 3600
    await publish(TOPIC, b"\xff\xfe\x00 not json", b'{"type": "new"}', b"[1, 2, 3]",
                  b'{"type": "new", "after": {"id": "x", "camera": "nga_sau", "label": "car", "start_time": "soon"}}',
                  frigate("end", camera="khong_co", zones=["via_he"], start=start, seconds=900, end=True),
                  frigate("end", event_id="after-garbage", zones=["via_he"], start=start, seconds=900, end=True))
    await wait_until(cameras, count_events(status="pending"), 1)
    assert await cameras.scalar(select(CameraEvent.external_id)) == "after-garbage"
    assert ingest.stats.dropped == 5


async def test_an_event_sent_again_updates_its_row_never_a_second_one(cameras, ingest, publish, frigate):
    start = time.time() - 3600
    message = frigate("end", event_id="again", zones=["via_he"], start=start, seconds=900, end=True)
    await publish(TOPIC, message, message, message)
    await wait_until(cameras, select(CameraEvent.updates).where(CameraEvent.external_id == "again"), 3)
    assert await cameras.scalar(count_events()) == 1
    assert await cameras.scalar(count_events(status="pending")) == 1


async def test_the_subscriber_reconnects_by_itself_after_a_broker_restart(cameras, ingest, publish, frigate,
                                                                         broker):
    start = time.time() - 3600
    await publish(TOPIC, frigate("end", event_id="before-restart", zones=["via_he"], start=start, seconds=900,
                                 end=True))
    await wait_until(cameras, count_events(), 1)
    broker.restart()
    await asyncio.sleep(0.5)
    await asyncio.wait_for(ingest.subscribed.wait(), 30)
    await publish(TOPIC, frigate("end", event_id="after-restart", zones=["via_he"], start=start, seconds=900,
                                 end=True))
    await wait_until(cameras, count_events(status="pending"), 2, within=30)
    assert ingest.stats.connects >= 2


async def test_messages_queued_while_the_ingest_was_away_survive_a_broker_restart(cameras, ingest, publish,
                                                                                  frigate, broker):
    """Persistent session: the broker keeps QoS-1 messages for our client id, across its restart."""
    from backend.cameras.ingest import Ingest

    ingest.task.cancel()
    await asyncio.gather(ingest.task, return_exceptions=True)
    start = time.time() - 3600
    await publish(TOPIC, *[frigate("end", event_id=f"queued-{i}", zones=["via_he"], start=start, seconds=900,
                                   end=True) for i in range(50)])
    broker.restart()
    again = Ingest(broker.url, client_id=ingest.client_id)
    task = asyncio.create_task(again.run())
    try:
        await wait_until(cameras, count_events(status="pending"), 50, within=30)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_status_message_brings_an_offline_camera_back_online(cameras, ingest, publish):
    from backend.cameras import service
    from backend.cameras.models import CameraIncident

    camera = await cameras.scalar(select(Camera).where(Camera.code == NGA_SAU))
    await service.mark_offline(session=cameras, camera=camera, now=camera.created_at, reason="test")
    await cameras.commit()
    await publish(f"frigate/{NGA_SAU}/status/detect", b"online")
    await wait_until(cameras, select(Camera.status).where(Camera.code == NGA_SAU), "online")
    incident = await cameras.scalar(select(CameraIncident))
    assert incident.kind == "offline" and incident.closed_at is not None


async def test_traffic_counts_arrive_on_their_topic(cameras, ingest, publish):
    from backend.cameras.models import TrafficCount

    await publish(f"phananh/traffic/{NGA_SAU}", {
        "direction": "le_duan", "interval_start": "2026-11-30T07:00:00+07:00", "interval_minutes": 15,
        "counts": {"motorbike": 900, "car": 80, "bus": 4, "truck": 6, "bicycle": 10}},
        b"not json", {"direction": "le_duan", "interval_start": "2026-11-30T07:15:00+07:00",
                      "interval_minutes": 15, "counts": {"motorbike": -3}})
    await wait_until(cameras, select(TrafficCount.vehicles), 1000)
    assert await cameras.scalar(select(TrafficCount.los)) is not None


async def test_stopping_the_ingest_mid_stream_loses_no_message(cameras, ingest, publish, frigate):
    """aiomqtt acknowledges on arrival: what has arrived is stored before the ingest stops, the
    rest the broker keeps for the session, so a restart gets every message (QoS 1 is at least
    once: one whose acknowledgement the stop cut off comes again and updates its row)."""
    from backend.cameras.ingest import Ingest

    start = time.time() - 3600
    messages = [frigate("end", event_id=f"stream-{i}", zones=["via_he"], start=start, seconds=900, end=True)
                for i in range(300)]
    sending = asyncio.create_task(publish(TOPIC, *messages))
    for _ in range(6000):  # until the first batch is stored
        if ingest.stats.events:
            break
        await asyncio.sleep(0.005)
    ingest.task.cancel()
    await asyncio.gather(ingest.task, return_exceptions=True)
    assert not ingest.held
    await sending
    again = Ingest(ingest.url, client_id=ingest.client_id)
    task = asyncio.create_task(again.run())
    try:
        await wait_until(cameras, count_events(status="pending"), 300, within=30)
        assert await cameras.scalar(count_events()) == 300
        assert 300 <= await cameras.scalar(select(func.sum(CameraEvent.updates))) <= 310
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
