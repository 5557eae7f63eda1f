"""Staff queue and portal latency at 100,000 reports (target p95 < 200 ms).

`run(console, db_url)` prepares the database (migrate, reference data, core bulk inserts up to
BENCH_TOTAL reports with a realistic spread of statuses and ratings), rolls the daily statistics
up, then times the pages in process (ASGI, no network): the queue with its common filters and the
portal home page (map of recent reports + agency scorecards). Called by `make bench`
(`python -m bench`); alone: `python -m bench.admin [DATABASE_URL]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.api import TEXTS
from bench.api import pct as _pct

N_TOTAL = int(os.environ.get("BENCH_TOTAL", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "40"))
USER, PASSWORD = "bench-admin", "bench-pass-123"


@contextlib.contextmanager
def database(name: str, pg_url: str | None = None) -> Iterator[str]:
    """The PostgreSQL URL a bench fills: `pg_url` (make bench's), else BENCH_PG_URL (a database an
    earlier run filled: no refill), else database `name` on a throwaway server, stopped after."""
    from backend.testing import pgserver

    pg_url = pg_url or os.environ.get("BENCH_PG_URL")
    if pg_url is not None:
        yield pg_url
        return
    server = pgserver.start()
    try:
        yield server.createdb(name)
    finally:
        server.stop()


async def migrated(url: str) -> tuple[int, list[Any], list[Any]]:
    """Point the app at `url`, migrate it and load the reference data; then the reports already
    there, the (id, code) of every category and the (agency id, area id, latitude, longitude) of
    every agency with a place: what the benches that COPY reports (admin, dashboard,
    nlu_quality) spread them over."""
    from sqlalchemy import func, select

    from backend.catalog.models import Agency, Area, Category
    from backend.core.config import get_settings
    from backend.core.db import dispose_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.reports.models import Report

    os.environ.update({"DATABASE_URL": url, "SCHEDULER_ENABLED": "false"})
    get_settings.cache_clear()
    await dispose_engine()
    await upgrade(url)
    async with session_scope() as session:
        await _reference_data(session)
    async with session_scope() as session:
        have = await session.scalar(select(func.count(Report.id))) or 0
        categories = (await session.execute(select(Category.id, Category.code))).all()
        pairs = (await session.execute(select(Agency.id, Area.id, Area.latitude, Area.longitude)
                                       .join(Area, Area.id == Agency.area_id)
                                       .where(Area.latitude.is_not(None)))).all()
    return have, list(categories), list(pairs)


async def prepare(url: str, total: int = N_TOTAL) -> int:
    """Migrated database with reference data, a bench admin and `total` reports; returns how
    many reports were inserted now."""
    from sqlalchemy import insert, select

    from backend.core.db import dispose_engine, session_scope, utcnow
    from backend.core.errors import Conflict
    from backend.reports.models import Rating, Report
    from backend.staff import service as staff_service

    have, categories, pairs = await migrated(url)
    categories = [category_id for category_id, _code in categories]
    async with session_scope() as session:
        with contextlib.suppress(Conflict):
            await staff_service.create_user(session=session, username=USER, password=PASSWORD, role="admin")
    now = utcnow()
    for start in range(have, total, 5000):
        rows, ratings = [], []
        for index in range(start, min(start + 5000, total)):
            agency_id, area_id, lat, lon = random.choice(pairs)
            created = now - timedelta(minutes=random.randint(0, 60 * 24 * 180))
            status = _status(now - created)
            resolved = created + timedelta(hours=random.uniform(2, 120)) if status in ("resolved", "closed") else None
            if resolved is not None and resolved > now:
                resolved = now
            rows.append({
                "code": _code(index), "description": random.choice(TEXTS),
                "category_id": random.choice(categories), "category_source": "nlu", "category_unsure": False,
                "category_confidence": round(random.uniform(0.5, 1), 2),
                "latitude": lat + random.uniform(-0.02, 0.02), "longitude": lon + random.uniform(-0.02, 0.02),
                "area_id": area_id, "agency_id": agency_id, "status": status, "priority": "normal",
                "channel": random.choice(["zalo", "telegram", "hotline", "web"]), "created_at": created,
                "updated_at": resolved or created, "due_at": created + timedelta(days=4), "resolved_at": resolved,
                "supporters_count": 0, "reopen_count": 0, "reporter_phone": f"09{random.randint(0, 99999999):08d}",
            })
        async with session_scope() as session:
            await session.execute(insert(Report), rows)
            if any(r["resolved_at"] for r in rows):
                ids = (await session.execute(select(Report.id, Report.resolved_at).where(
                    Report.code.in_([r["code"] for r in rows if r["resolved_at"] and random.random() < 0.4])))).all()
                ratings = [{"report_id": i, "stars": random.choice([3, 4, 4, 5, 5, 2]), "source": "chat",
                            "created_at": at, "updated_at": at} for i, at in ids]
                if ratings:
                    await session.execute(insert(Rating), ratings)
    await dispose_engine()
    return max(total - have, 0)


def _code(index: int) -> str:
    """Unique bench codes (random 6-character codes collide by the birthday bound at 100,000)."""
    from backend.reports.store import CODE_ALPHABET

    digits = ""
    for _ in range(6):
        index, rest = divmod(index, len(CODE_ALPHABET))
        digits = CODE_ALPHABET[rest] + digits
    return "PA-B" + digits


def _status(age: timedelta) -> str:
    """Status by age, as in a working IOC: recent reports are open, old ones mostly closed; a few
    per cent stay open past their deadline (the overdue queue)."""
    days = age.total_seconds() / 86400
    if days < 4:
        return random.choice(["new", "assigned", "assigned", "in_progress", "in_progress", "resolved"])
    if days < 14:
        return random.choices(["assigned", "in_progress", "resolved", "closed", "rejected"], [4, 4, 40, 47, 5])[0]
    return random.choices(["in_progress", "closed", "rejected"], [0.5, 94.5, 5])[0]


async def _reference_data(session: Any) -> None:
    """The real reference data from data/ when it loads, else the small fixed world."""
    from backend.catalog.loader import DataError, load_reference
    from backend.core.config import get_settings
    from backend.testing.world import ensure_reference_data

    try:
        async with session.begin_nested():
            await load_reference(session=session, data_dir=get_settings().data_dir)
    except (DataError, OSError, KeyError):
        await ensure_reference_data(session)


async def _login(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = await client.post("/admin/login", data={"username": USER, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text


async def time_pages(runs: int = RUNS) -> dict[str, dict[str, float]]:
    from backend.core.db import dispose_engine
    from backend.main import create_app

    pages = {
        "queue (newest)": "/admin/",
        "queue open by deadline": "/admin/?status=new,assigned,in_progress&sort=due_at",
        "queue overdue": "/admin/?overdue=1",
        "queue one agency": "/admin/?agency=UBND-24121",
        "queue search text": "/admin/?q=v%E1%BB%89a%20h%C3%A8",
        "portal home + scorecards": "/",
        "portal home, scorecards recomputed": "/",
    }
    from admin import portal
    out: dict[str, dict[str, float]] = {}
    transport = httpx.ASGITransport(app=create_app(with_hooks=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await _login(client)
        for name, path in pages.items():
            await client.get(path)  # warm
            times = []
            for _ in range(runs):
                if "recomputed" in name:
                    portal._cache.clear()  # the home page caches the scorecards for a minute
                t0 = time.perf_counter()
                r = await client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (path, r.status_code)
            out[name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(_pct(times, 95), 1)}
    await dispose_engine()
    return out


async def bench_one(url: str, console: Any = None) -> dict[str, Any]:
    from backend import scheduler

    t0 = time.perf_counter()
    inserted = await prepare(url)
    fill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rolled = await scheduler.run_job_once("stats-rollup")
    rollup_s = time.perf_counter() - t0
    from backend.core.db import dispose_engine

    await dispose_engine()
    pages = await time_pages()
    result = {"reports": N_TOTAL, "inserted_now": inserted, "fill_s": round(fill_s, 1),
              "stats_rollup": {**rolled, "seconds": round(rollup_s, 1)}, "pages": pages,
              "target_p95_ms": 200, "all_under_target": all(p["p95_ms"] < 200 for p in pages.values())}
    if console is not None:
        from rich.table import Table

        table = Table(title=f"Staff site and portal at {N_TOTAL:,} reports ({url.split(':')[0]})")
        for col in ("page", "p50 ms", "p95 ms"):
            table.add_column(col, justify="left" if col == "page" else "right")
        for name, m in pages.items():
            table.add_row(name, f"{m['p50_ms']:.1f}", f"{m['p95_ms']:.1f}")
        console.print(table)
        console.print(f"stats-rollup: {rolled} in {rollup_s:.1f} s; fill {inserted:,} reports in {fill_s:.1f} s")
    return result


async def run(console: Any = None, db_url: str | None = None, db_urls: dict[str, str] | None = None) -> dict[str, Any]:
    """One database (`db_url`) or several by label (`db_urls`)."""
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per page request drowns the table
    if db_urls:
        return {label: await bench_one(url, console) for label, url in db_urls.items()}
    url = db_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='phananh-admin-bench-')) / 'bench.db'}"
    return await bench_one(url, console)


if __name__ == "__main__":
    from rich.console import Console

    random.seed(7)
    print(asyncio.run(run(Console(), sys.argv[1] if len(sys.argv) > 1 else None)))
