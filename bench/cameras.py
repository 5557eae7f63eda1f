"""Cameras benchmark: Frigate events from MQTT, through a real mosquitto, into stored candidates
(`phananh cameras ingest` as its own process, on SQLite), none lost; then the verification
queue page (staff site, in-process ASGI) at 100,000 camera events.

    .venv/bin/python -m bench.cameras          (BENCH_CAMERA_MESSAGES=30000 BENCH_CAMERA_EVENTS=100000)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
N_MESSAGES = int(os.environ.get("BENCH_CAMERA_MESSAGES", "30000"))
N_EVENTS = int(os.environ.get("BENCH_CAMERA_EVENTS", "100000"))
PAGE_RUNS = int(os.environ.get("BENCH_CAMERA_PAGE_RUNS", "60"))
console = Console(width=160)
CAMERAS = ("nga_sau", "le_duan_bao_tang", "ntt_le_thanh_tong", "phan_chu_trinh", "cho_bmt", "ntt_ha_huy_tap")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _messages(n: int, offset: int = 0) -> tuple[list[bytes], int]:
    """n Frigate messages: events of 3 messages (new, update, end); one event in four is a car
    10+ minutes on a sidewalk (a candidate), the rest short stops or other labels."""
    out: list[bytes] = []
    candidates = 0
    base = time.time() - 7200
    i = 0
    while len(out) + 3 <= n:
        i += 1
        start = base + i * 0.01
        camera = CAMERAS[i % len(CAMERAS)]
        long_stop = i % 4 == 0
        candidates += long_stop
        label = "car" if long_stop or i % 3 else random.choice(["person", "bicycle", "dog"])
        seconds = 700 if long_stop else 40
        eid = f"{start:.6f}-{i + offset:08d}"
        for kind, t in (("new", 1), ("update", seconds / 2), ("end", seconds)):
            after = {"id": eid, "camera": camera, "label": label, "sub_label": None, "score": 0.86,
                     "top_score": 0.88, "start_time": start, "frame_time": start + t,
                     "end_time": start + t if kind == "end" else None, "current_zones": ["via_he"],
                     "entered_zones": ["via_he"], "stationary": True, "has_snapshot": False,
                     "false_positive": False, "motionless_count": 3}
            out.append(json.dumps({"type": kind, "before": after, "after": after}).encode())
    return out, candidates


async def _count(url: str) -> tuple[int, int]:
    """Messages stored (sum of updates) and pending candidates, read the way an observer should:
    a plain read-only SQLite connection (a WAL reader never blocks the writer; the app's engine
    would take the write lock with BEGIN IMMEDIATE on every poll and slow the ingest it measures)."""
    import sqlite3

    path = url.split("///", 1)[1]

    def read() -> tuple[int, int]:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
            row = db.execute("SELECT coalesce(sum(updates), 0), count(*) FILTER (WHERE status = 'pending') "
                             "FROM camera_events").fetchone()
            return int(row[0]), int(row[1])

    return await asyncio.to_thread(read)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _packet(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + _varint(len(body)) + body


def _publish(port: int, messages: list[bytes], topic: str = "frigate/events") -> None:
    """QoS 1 as fast as the broker takes them, from a publisher that costs next to nothing (the
    MQTT 3.1.1 packets encoded up front and written in large chunks, the broker's PUBACKs counted
    on another thread): the publisher must not be what is measured, the ingest is."""
    import socket
    import struct
    import threading

    name = topic.encode()
    packets = [_packet(0x32, struct.pack("!H", len(name)) + name + struct.pack("!H", i % 65535 + 1) + m)
               for i, m in enumerate(messages)]
    client_id = f"bench-pub-{uuid.uuid4().hex[:6]}".encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(_packet(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c" + struct.pack("!H", len(client_id)) + client_id))
        if sock.recv(4) != b"\x20\x02\x00\x00":
            raise RuntimeError("the broker refused the publisher")
        acked = [0]

        def count_acks() -> None:  # PUBACK is 4 bytes; nothing else comes on this connection
            got = 0
            while got < 4 * len(packets):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
            acked[0] = got // 4

        reader = threading.Thread(target=count_acks)
        reader.start()
        for i in range(0, len(packets), 2000):
            sock.sendall(b"".join(packets[i:i + 2000]))
        reader.join(120)
        sock.sendall(b"\xe0\x00")  # DISCONNECT
    if acked[0] != len(packets):
        raise RuntimeError(f"the broker acknowledged {acked[0]} of {len(packets)} messages")


async def mqtt_ingest(work: Path, db_url: str) -> dict[str, Any]:
    from backend.testing import mosquitto

    broker = mosquitto.start()
    env = {**os.environ, "DATABASE_URL": db_url, "MQTT_URL": broker.url, "MEDIA_DIR": str(work / "media"),
           "VAR_DIR": str(work / "var"), "MQTT_CLIENT_ID": f"bench-{uuid.uuid4().hex[:6]}"}
    def start(name: str) -> subprocess.Popen[bytes]:
        out = (work / name).open("wb")
        return subprocess.Popen([str(Path(sys.executable).parent / "phananh"), "cameras", "ingest"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    async def subscribed(process: subprocess.Popen[bytes], name: str) -> None:
        deadline = time.monotonic() + 60
        while b"mqtt subscribed" not in (work / name).read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("ingest did not start:\n" + (work / name).read_text()[-3000:])
            await asyncio.sleep(0.05)

    async def stored_at_least(n: int, since: float) -> tuple[int, int]:
        stored = pending = 0
        while time.perf_counter() - since < 600:
            stored, pending = await _count(db_url)
            if stored >= n:
                break
            await asyncio.sleep(0.2)
        return stored, pending

    ingest = start("ingest.log")
    try:
        await subscribed(ingest, "ingest.log")
        # live: published while the ingest runs (the publisher shares this machine)
        messages, expected = _messages(N_MESSAGES)
        started = time.perf_counter()
        await asyncio.to_thread(_publish, broker.port, messages)
        published = time.perf_counter() - started
        stored, pending = await stored_at_least(len(messages), started)
        elapsed = time.perf_counter() - started
        # backlog: published while the ingest was stopped (kept by the broker for its session),
        # then drained: the ingest alone, from MQTT to stored candidates
        ingest.terminate()
        ingest.wait(30)
        backlog, more = _messages(N_MESSAGES, offset=10_000_000)
        await asyncio.to_thread(_publish, broker.port, backlog)
        ingest = start("ingest2.log")
        await subscribed(ingest, "ingest2.log")
        drain_start = time.perf_counter()
        total, pending_total = await stored_at_least(len(messages) + len(backlog), drain_start)
        drained = time.perf_counter() - drain_start
    finally:
        ingest.terminate()
        ingest.wait(20)
        broker.remove()
    return {"messages": len(messages), "stored_messages": stored, "lost": len(messages) - stored,
            "candidates": pending, "expected_candidates": expected, "publish_s": round(published, 2),
            "seconds": round(elapsed, 2), "events_per_s": round(stored / elapsed),
            "backlog_messages": len(backlog), "backlog_lost": len(messages) + len(backlog) - total,
            "backlog_candidates": pending_total - pending, "backlog_expected_candidates": more,
            "backlog_drain_s": round(drained, 2), "backlog_events_per_s": round(len(backlog) / drained)}


async def queue_page(db_url: str) -> dict[str, Any]:
    """Fill to N_EVENTS camera events (5% pending), then time the queue page and the API."""
    import httpx
    from sqlalchemy import func, insert, select

    from backend.cameras.models import Camera, CameraEvent
    from backend.core.db import dispose_engine, get_sessionmaker, utcnow
    from backend.main import create_app
    from backend.staff import service as staff_service

    maker = get_sessionmaker()
    async with maker() as session:
        cameras = (await session.scalars(select(Camera.id))).all()
        have = await session.scalar(select(func.count()).select_from(CameraEvent)) or 0
        now = utcnow()
        rows = []
        for i in range(max(N_EVENTS - have, 0)):
            start = now - timedelta(seconds=i * 20)
            pending = i % 20 == 0
            rows.append({"source": "webhook", "external_id": f"fill-{i}", "camera_id": cameras[i % len(cameras)],
                         "label": "car", "zone": "via_he", "zones": ["via_he"], "score": 0.8, "top_score": 0.8,
                         "start_time": start, "last_time": start, "end_time": start, "stationary": True,
                         "has_snapshot": False, "false_positive": False, "updates": 1,
                         "status": "pending" if pending else "observed", "category": "encroachment" if pending
                         else None, "candidate_at": now if pending else None, "created_at": now, "updated_at": now})
            if len(rows) == 5000:
                await session.execute(insert(CameraEvent.__table__), rows)
                rows = []
        if rows:
            await session.execute(insert(CameraEvent.__table__), rows)
        await staff_service.create_user(session=session, username="benchsup", password="bench-secret-1",
                                        role="supervisor", agency_code=None, full_name="Bench")
        await session.commit()
        total = await session.scalar(select(func.count()).select_from(CameraEvent))
        pending_total = await session.scalar(select(func.count()).select_from(CameraEvent)
                                             .where(CameraEvent.status == "pending"))
    app = create_app(with_hooks=False)
    timings: dict[str, list[float]] = {"queue page": [], "queue page 10": [], "API pending": []}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        page = await client.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        await client.post("/admin/login", data={"username": "benchsup", "password": "bench-secret-1",
                                                "csrf_token": token, "next": "/admin/"})
        api = await client.post("/api/v1/auth/token", data={"username": "benchsup", "password": "bench-secret-1"})
        bearer = {"Authorization": f"Bearer {api.json()['access_token']}"}
        for _ in range(5):  # warm-up
            await client.get("/admin/cameras/queue")
        for _ in range(PAGE_RUNS):
            for name, path, headers in (("queue page", "/admin/cameras/queue", {}),
                                        ("queue page 10", "/admin/cameras/queue?page=10", {}),
                                        ("API pending", "/api/v1/camera-events?status=pending", bearer)):
                t0 = time.perf_counter()
                resp = await client.get(path, headers=headers)
                timings[name].append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200, resp.text[:300]
    await dispose_engine()
    return {"events": total, "pending": pending_total,
            **{f"{k} p50 ms": round(statistics.median(v), 1) for k, v in timings.items()},
            **{f"{k} p95 ms": round(pct(v, 95), 1) for k, v in timings.items()}}


async def _prepare(db_url: str) -> None:
    from backend.cameras.loader import load_cameras
    from backend.catalog.loader import load_reference
    from backend.core.config import get_settings
    from backend.core.db import session_scope
    from backend.core.migrate import upgrade

    await upgrade(db_url)
    async with session_scope() as session:
        await load_reference(session=session, data_dir=get_settings().data_dir)
    async with session_scope() as session:
        await load_cameras(session=session, data_dir=get_settings().data_dir)


def run() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="phananh-bench-cameras-"))
    db_url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    os.environ.update({"DATABASE_URL": db_url, "MEDIA_DIR": str(work / "media"), "VAR_DIR": str(work / "var"),
                       "SCHEDULER_ENABLED": "false", "ENVIRONMENT": "development"})
    os.environ.pop("MQTT_URL", None)
    from backend.core.config import get_settings

    get_settings.cache_clear()

    async def main() -> dict[str, Any]:
        await _prepare(db_url)
        mqtt = await mqtt_ingest(work, db_url)
        page = await queue_page(db_url)
        return {"mqtt": mqtt, "queue": page}

    load_before = os.getloadavg()[0]
    figures = asyncio.run(main())
    figures["machine"] = {"load 1 min before": round(load_before, 2), "load 1 min after": round(os.getloadavg()[0], 2),
                          "cores": os.cpu_count()}
    table = Table(title=f"Cameras on SQLite ({os.cpu_count()} cores, shared machine)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for group, values in figures.items():
        for key, value in values.items():
            table.add_row(f"{group}: {key}", str(value))
    console.print(table)
    return figures


if __name__ == "__main__":
    run()
