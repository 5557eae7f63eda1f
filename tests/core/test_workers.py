"""`phananh serve --workers 2` on SQLite: two processes, one socket each, writes from both."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import func, select

from backend.reports.models import Report
from tests.conftest import LiveApp


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _listening(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    return b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline


async def test_two_workers_serve_and_write_the_same_sqlite_database(
    live_app_factory: Callable[..., LiveApp],
) -> None:
    app = live_app_factory(demo=True, args=["--workers", "2"])
    workers = [p for p in _children(app.process.pid) if _listening(p)]
    assert len(workers) == 2
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        token = (await client.post("/api/v1/auth/token", data={"username": "tongdai", "password": "demo1234"})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
    async with app.session() as session:
        before = await session.scalar(select(func.count(Report.id)))

    async def one(i: int) -> int:
        # A new connection each time: the kernel spreads them over both workers' sockets.
        async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
            r = await client.post("/api/v1/reports", headers=headers, json={
                "description": f"Quán nhậu bày bàn ghế chiếm vỉa hè số {i} Lê Duẩn",
                "latitude": 12.6675 + i * 0.0005, "longitude": 108.0378})
            return r.status_code

    codes = await asyncio.gather(*(one(i) for i in range(40)))
    assert codes == [201] * 40
    async with app.session() as session:
        assert await session.scalar(select(func.count(Report.id))) == before + 40


def test_stopping_the_server_stops_its_workers(live_app_factory: Callable[..., LiveApp]) -> None:
    app = live_app_factory(args=["--workers", "2"])
    workers = [p for p in _children(app.process.pid) if _listening(p)]
    assert len(workers) == 2
    app.process.terminate()
    app.process.wait(timeout=30)
    assert not any(_listening(p) for p in workers)
