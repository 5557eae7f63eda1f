"""Benchmark: the Zalo webhook under 50 concurrent senders against a live server.

Starts `phananh serve` on a fresh SQLite database (and on PostgreSQL when a URL is given), a Zalo
stand-in for the replies and a bare FastAPI endpoint for comparison; posts signed events, some of
them twice (Zalo redelivers), and counts that every distinct event was processed exactly once.

    python -m bench.webhook [--events 3000] [--concurrency 50] [--pg postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

APP_ID, OA_SECRET = "bench-app", "bench-oa-secret"
WARM_UP = 200  # events sent before the timed run
BARE_APP = (
    "from fastapi import FastAPI, Request\n"
    "app = FastAPI()\n"
    "@app.post('/webhooks/zalo')\n"
    "async def hook(request: Request):\n"
    "    await request.body()\n"
    "    return {'ok': True}\n"
    "@app.get('/healthz')\n"
    "async def health():\n"
    "    return {'status': 'ok'}\n"
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Replies:
    """A Zalo OpenAPI stand-in that counts the replies per user."""

    def __init__(self) -> None:
        self.count = 0
        self.port = _port()
        self.runner: Any = None

    async def start(self) -> None:
        from aiohttp import web

        async def send(request: web.Request) -> web.Response:
            await request.read()
            self.count += 1
            return web.json_response({"error": 0, "message": "Success", "data": {"message_id": str(self.count)}})

        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", send)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        await self.runner.cleanup()


def _signed(i: int, user: str) -> tuple[bytes, dict[str, str]]:
    event = {"app_id": APP_ID, "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)),
             "sender": {"id": user}, "recipient": {"id": "oa"}, "message": {"msg_id": f"bench-{i}", "text": "giúp"}}
    raw = json.dumps(event).encode()
    mac = hashlib.sha256(APP_ID.encode() + raw + event["timestamp"].encode() + OA_SECRET.encode()).hexdigest()
    return raw, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


async def _wait_up(url: str, proc: asyncio.subprocess.Process, within: float = 120) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url + "/healthz", timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError("server did not start")


async def _load(url: str, events: int, concurrency: int, duplicates: int, first: int = 0) -> dict[str, float]:
    """Post events `first`..`first + events` plus `duplicates` redeliveries from `concurrency`
    senders."""
    ids = range(first, first + events)
    jobs = [(i, f"user{i % 200}") for i in ids] + [(i, f"user{i % 200}") for i in ids[:duplicates]]
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    import aiohttp  # much lighter than httpx per request: the client must not be the bottleneck

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def sender() -> None:
            nonlocal errors
            while not queue.empty():
                i, user = queue.get_nowait()
                raw, headers = _signed(i, user)
                start = time.perf_counter()
                async with client.post(url + "/webhooks/zalo", data=raw, headers=headers) as resp:
                    await resp.read()
                    latencies.append(time.perf_counter() - start)
                    errors += resp.status != 200

        began = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "seconds": elapsed, "per_second": len(latencies) / elapsed,
            "p50_ms": latencies[len(latencies) // 2] * 1000, "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000}


async def _processed(db_url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from backend.core.db import make_engine
    from bot.dialogue.models import ProcessedEvent

    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(ProcessedEvent.status, func.count()).group_by(ProcessedEvent.status)))
            return {status: n for status, n in rows.all()}
    finally:
        await engine.dispose()


async def _bench_app(db_url: str, label: str, events: int, concurrency: int, console: Console) -> dict[str, Any]:
    replies = Replies()
    await replies.start()
    work = Path(tempfile.mkdtemp(prefix="phananh-bench-"))
    port = _port()
    env = {**os.environ, "DATABASE_URL": db_url, "MEDIA_DIR": str(work / "media"), "SCHEDULER_ENABLED": "false",
           "ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": "s", "ZALO_OA_SECRET_KEY": OA_SECRET,
           "ZALO_ACCESS_TOKEN": "bench-token", "ZALO_REFRESH_TOKEN": "bench-refresh",
           "ZALO_API_BASE": f"http://127.0.0.1:{replies.port}", "ZALO_OAUTH_BASE": f"http://127.0.0.1:{replies.port}",
           "TELEGRAM_BOT_TOKEN": "", "ENVIRONMENT": "test"}
    phananh = str(Path(sys.executable).parent / "phananh")
    await asyncio.to_thread(subprocess.run, [phananh, "seed"], env=env, check=True, capture_output=True)
    log = (work / "server.log").open("wb")
    proc = await asyncio.create_subprocess_exec(phananh, "serve", "--port", str(port), env=env, stdout=log,
                                                stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        await _wait_up(url, proc)
        duplicates = events // 20
        console.print(f"[bold]{label}[/]: {events} events + {duplicates} redeliveries, {concurrency} senders…")
        # Warm-up, not timed (first connections, first statements compiled, caches filled): both
        # servers get the same; the events count in the exactly-once check.
        await _load(url, WARM_UP, concurrency, 0, first=events)
        result = await _load(url, events, concurrency, duplicates)
        began = time.perf_counter()
        deadline = began + 300
        counts: dict[str, int] = {}
        while time.perf_counter() < deadline:
            counts = await _processed(db_url)
            if sum(counts.values()) >= events + WARM_UP and not counts.get("received") and not counts.get("processing"):
                break
            await asyncio.sleep(0.5)
        drained = time.perf_counter() - began
        result.update(
            processed=counts.get("done", 0), failed=counts.get("failed", 0), replies=replies.count,
            drain_seconds=drained, processed_per_second=events / (result["seconds"] + drained),
            exactly_once=counts.get("done", 0) == events + WARM_UP and replies.count == events + WARM_UP,
        )
        return result
    finally:
        await _stop(proc)
        await replies.stop()


async def _bench_bare(events: int, concurrency: int) -> dict[str, Any]:
    port = _port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BARE_APP + f"import uvicorn; uvicorn.run(app, port={port}, log_level='warning')")
    try:
        url = f"http://127.0.0.1:{port}"
        await _wait_up(url, proc)
        await _load(url, WARM_UP, concurrency, 0, first=events)
        return await _load(url, events, concurrency, events // 20)
    finally:
        await _stop(proc)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        proc.kill()


async def run_async(console: Console, *, events: int = 3000, concurrency: int = 50,
                    pg_url: str | None = None) -> dict[str, Any]:
    results: dict[str, Any] = {"bare": await _bench_bare(events, concurrency)}
    sqlite = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='phananh-bench-db-')}/bench.db"
    results["sqlite"] = await _bench_app(sqlite, "SQLite", events, concurrency, console)
    if pg_url:
        results["postgresql"] = await _bench_app(pg_url, "PostgreSQL", events, concurrency, console)
    table = Table(title=f"Zalo webhook, {concurrency} concurrent senders (targets: p99 < 100 ms, ≥ 500 events/s)")
    for col in ("run", "answers/s", "p50 ms", "p99 ms", "errors", "processed", "replies", "drain s",
                "processed/s", "once", "p99/bare", "rate/bare"):
        table.add_column(col, justify="right")
    bare = results["bare"]
    for name, r in results.items():
        table.add_row(
            name, f"{r['per_second']:.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", str(r["errors"]),
            str(r.get("processed", "-")), str(r.get("replies", "-")), f"{r.get('drain_seconds', 0):.1f}",
            f"{r['processed_per_second']:.0f}" if "processed_per_second" in r else "-",
            str(r.get("exactly_once", "-")), f"{r['p99_ms'] / bare['p99_ms']:.2f}×",
            f"{r['per_second'] / bare['per_second']:.2f}",
        )
    console.print(table)
    return results


def run(console: Console, *, events: int = 3000, concurrency: int = 50, pg_url: str | None = None) -> dict[str, Any]:
    return asyncio.run(run_async(console, events=events, concurrency=concurrency, pg_url=pg_url))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--pg", help="a migrated-or-empty PostgreSQL database URL to run against as well")
    args = parser.parse_args()
    run(Console(width=150), events=args.events, concurrency=args.concurrency, pg_url=args.pg)
