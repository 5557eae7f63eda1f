"""The IOC screen at a province's scale: 1,000,000 reports over three years on PostgreSQL.

`run(console, pg_url)` fills the database with COPY (reports spread over categories, wards,
agencies, statuses and channels, ratings on 40 % of the resolved ones, reopen events), rolls the
statistics up (both rollups, every day of the three years), then times over HTTP against a
real `phananh serve` process: the summary API, /admin/ioc and its data, the SLA view, the queue,
one report page, the portal and the report list filters, as served (the screen's figures reused
for a few seconds) and computed on every request (DASHBOARD_CACHE_SECONDS=0). Target: p95 < 100 ms.

    .venv/bin/python -m bench.dashboard            # its own PostgreSQL (backend/testing/pgserver)
    BENCH_DASHBOARD_TOTAL=200000 .venv/bin/python -m bench.dashboard
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:PORT/db .venv/bin/python -m bench.dashboard  # kept data
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import timedelta
from typing import Any

import httpx

from bench.admin import PASSWORD, USER, _login, database, migrated
from bench.api import TEXTS
from bench.api import pct as _pct

TOTAL = int(os.environ.get("BENCH_DASHBOARD_TOTAL", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
YEARS = 3
TARGET_MS = 100


def _status(days: float, rng: random.Random) -> str:
    if days < 4:
        return rng.choice(["new", "assigned", "in_progress", "in_progress", "resolved"])
    if days < 14:
        return rng.choices(["assigned", "in_progress", "resolved", "closed", "rejected"], [4, 4, 40, 47, 5])[0]
    return rng.choices(["in_progress", "closed", "rejected"], [0.3, 94.7, 5])[0]


async def fill(url: str, total: int = TOTAL) -> dict[str, Any]:
    """Migrate, load reference data, a bench admin, then COPY `total` reports (if not there yet)."""
    import asyncpg
    from sqlalchemy import func, select

    from backend.core.db import dispose_engine, session_scope, utcnow
    from backend.reports.store import CODE_ALPHABET
    from backend.staff import service as staff_service
    from backend.staff.models import User

    have, categories, pairs = await migrated(url)
    categories = [category_id for category_id, _code in categories]
    async with session_scope() as session:
        if await session.scalar(select(func.count(User.id)).where(User.username == USER)) == 0:
            await staff_service.create_user(session=session, username=USER, password=PASSWORD, role="admin")
    await dispose_engine()
    if have >= total:
        return {"inserted": 0, "seconds": 0.0}
    rng = random.Random(15)
    now = utcnow()
    span_minutes = YEARS * 365 * 24 * 60
    weights = [rng.paretovariate(1.2) for _ in pairs]  # a few busy wards, many quiet ones
    cat_weights = [rng.paretovariate(1.5) for _ in categories]
    t0 = time.perf_counter()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        next_id = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM reports")) + 1
        for start in range(have, total, 50_000):
            reports, ratings, events = [], [], []
            for index in range(start, min(start + 50_000, total)):
                rid = next_id
                next_id += 1
                agency_id, area_id, lat, lon = rng.choices(pairs, weights)[0]
                age = timedelta(minutes=int(span_minutes * rng.random() ** 1.3))  # more reports lately
                created = now - age
                status = _status(age.total_seconds() / 86400, rng)
                due = created + timedelta(days=rng.choice([1, 2, 3, 4, 5, 7, 10]))
                resolved = None
                if status in ("resolved", "closed"):
                    resolved = min(created + timedelta(hours=rng.lognormvariate(3.5, 1.0)), now)
                digits, n = "", index
                for _ in range(7):
                    n, rest = divmod(n, len(CODE_ALPHABET))
                    digits = CODE_ALPHABET[rest] + digits
                reports.append((rid, "PA-D" + digits, rng.choice(TEXTS), rng.choices(categories, cat_weights)[0],
                                round(rng.uniform(0.5, 1), 2), "nlu", False, lat + rng.uniform(-.02, .02),
                                lon + rng.uniform(-.02, .02), area_id, agency_id, status, "normal", due,
                                rng.choices(["zalo", "telegram", "hotline", "web", "camera"], [50, 15, 20, 12, 3])[0],
                                resolved or created, created, resolved, 0, 0))
                if resolved is not None and rng.random() < 0.4:
                    ratings.append((rid, rng.choices([1, 2, 3, 4, 5], [4, 6, 15, 35, 40])[0], "chat", resolved,
                                    resolved))
                if resolved is not None and rng.random() < 0.02:
                    events.append((rid, resolved + timedelta(hours=30), "citizen", "Người dân", "reopen", "resolved",
                                   "in_progress", True))
            await conn.copy_records_to_table("reports", records=reports, columns=[
                "id", "code", "description", "category_id", "category_confidence", "category_source",
                "category_unsure", "latitude", "longitude", "area_id", "agency_id", "status", "priority", "due_at",
                "channel", "updated_at", "created_at", "resolved_at", "supporters_count", "reopen_count"])
            await conn.copy_records_to_table("ratings", records=ratings, columns=[
                "report_id", "stars", "source", "created_at", "updated_at"])
            await conn.copy_records_to_table("report_events", records=events, columns=[
                "report_id", "at", "actor_kind", "actor_label", "action", "from_status", "to_status", "public"])
        await conn.execute("SELECT setval('reports_id_seq', (SELECT max(id) FROM reports))")
        await conn.execute("VACUUM (ANALYZE)")  # as autovacuum leaves a table of years: visibility map set
    finally:
        await conn.close()
    return {"inserted": total - have, "seconds": round(time.perf_counter() - t0, 1)}


PAGES = {
    "summary API": ("/api/v1/dashboard/summary", True),
    "charts API": ("/api/v1/dashboard/charts", True),
    "SLA API": ("/api/v1/dashboard/sla", True),
    "/admin/ioc": ("/admin/ioc", False),
    "/admin/ioc/data.json": ("/admin/ioc/data.json", False),
    "map.json: province (zoom 9)": ("/admin/ioc/map.json?zoom=9", False),
    "map.json: city (zoom 13)": ("/admin/ioc/map.json?zoom=13&bbox=108.0,12.62,108.09,12.72", False),
    "map.json: streets (zoom 16)": ("/admin/ioc/map.json?zoom=16&bbox=108.03,12.66,108.045,12.675", False),
    "/admin/ioc/sla": ("/admin/ioc/sla", False),
    "queue (newest)": ("/admin/", False),
    "queue overdue": ("/admin/?overdue=1", False),
    "one report page": ("/admin/reports/{code}", False),
    "portal": ("/", False),
    "list: newest": ("/api/v1/reports?limit=50", True),
    "list: status in_progress": ("/api/v1/reports?status=in_progress", True),
    "list: overdue by deadline": ("/api/v1/reports?overdue=true&sort=due_at", True),
    "list: offset 5000": ("/api/v1/reports?offset=5000", True),
    "list: one agency": ("/api/v1/reports?agency=UBND-24121", True),
}


async def _time_server(base: str, code: str, token: str, runs: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    api = {"Authorization": f"Bearer {token}"}  # httpx asks for gzip, as a browser does
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await _login(client)
        for name, (path, bearer) in PAGES.items():
            path = path.format(code=code)
            headers = api if bearer else None
            first = await client.get(path, headers=headers)
            assert first.status_code == 200, (path, first.status_code, first.text[:300])
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                r = await client.get(path, headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (path, r.status_code)
            out[name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(_pct(times, 95), 1),
                         "kb": round(len(r.content) / 1024, 1),
                         "kb_sent": round(int(r.headers.get("content-length", len(r.content))) / 1024, 1)}
    return out


async def time_pages(runs: int = RUNS) -> dict[str, dict[str, dict[str, float]]]:
    """Each page over HTTP from a real `phananh serve` process: once as it runs (the screen's
    figures reused for a few seconds, DASHBOARD_CACHE_SECONDS) and once computing every request
    (DASHBOARD_CACHE_SECONDS=0)."""
    import tempfile
    from pathlib import Path

    from sqlalchemy import select

    from backend.core.config import get_settings
    from backend.core.db import dispose_engine, session_scope
    from backend.reports.models import Report
    from backend.staff import service as staff_service
    from backend.staff.models import User
    from bench.api import _start_server

    async with session_scope() as session:
        code = await session.scalar(select(Report.code).order_by(Report.id.desc()).limit(1))
        user = await session.scalar(select(User).where(User.username == USER))
        token = staff_service.issue_token(user)
    await dispose_engine()
    url = get_settings().database_url
    var_dir = Path(tempfile.mkdtemp(prefix="phananh-bench-dashboard-"))
    out: dict[str, dict[str, dict[str, float]]] = {}
    for label, seconds in (("cached", None), ("computed", "0")):
        saved = os.environ.get("DASHBOARD_CACHE_SECONDS")
        if seconds is not None:
            os.environ["DASHBOARD_CACHE_SECONDS"] = seconds
        try:
            proc, base = await asyncio.to_thread(_start_server, url, var_dir)
        finally:
            if saved is None:
                os.environ.pop("DASHBOARD_CACHE_SECONDS", None)
            else:
                os.environ["DASHBOARD_CACHE_SECONDS"] = saved
        try:
            out[label] = await _time_server(base, str(code), token, runs)
        finally:
            proc.terminate()
            await asyncio.to_thread(proc.wait, 30)
    return out


async def run(console: Any = None, pg_url: str | None = None) -> dict[str, Any]:
    import logging

    from backend import scheduler

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with database("bench_dashboard", pg_url) as url:
        filled = await fill(url)
        t0 = time.perf_counter()
        rolled = await scheduler.run_job_once("stats-rollup")
        rollup_s = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        again = await scheduler.run_job_once("stats-rollup")
        rerun_s = round(time.perf_counter() - t0, 1)
        from backend.core.db import dispose_engine

        await dispose_engine()
        load_before = round(os.getloadavg()[0], 1)
        pages = await time_pages()
    result = {"reports": TOTAL, "fill": filled, "rollup": {**rolled, "seconds": rollup_s},
              "rollup_hourly": {**again, "seconds": rerun_s}, "pages": pages, "target_p95_ms": TARGET_MS,
              "load_average": [load_before, round(os.getloadavg()[0], 1)],
              "all_under_target": all(p["p95_ms"] < TARGET_MS for run in pages.values() for p in run.values())}
    if console is not None:
        from rich.table import Table

        table = Table(title=f"IOC screen and staff pages at {TOTAL:,} reports (PostgreSQL, over HTTP, "
                            f"one `phananh serve` process, {RUNS} requests each)")
        for col in ("page", "p50 ms", "p95 ms", "p50 ms computed", "p95 ms computed", "KB (gzip)"):
            table.add_column(col, justify="left" if col == "page" else "right")
        for name in PAGES:
            hot, cold = pages["cached"][name], pages["computed"][name]
            style = "red" if max(hot["p95_ms"], cold["p95_ms"]) >= TARGET_MS else None
            table.add_row(name, f"{hot['p50_ms']:.1f}", f"{hot['p95_ms']:.1f}", f"{cold['p50_ms']:.1f}",
                          f"{cold['p95_ms']:.1f}", f"{hot['kb']:,.0f} ({hot['kb_sent']:,.0f})", style=style)
        console.print(table)
        console.print(f"fill: {filled}; stats-rollup first run {rolled} in {rollup_s} s, hourly run {rerun_s} s; "
                      f"load average {load_before} before the pages, {os.getloadavg()[0]:.1f} after")
    return result


if __name__ == "__main__":
    from rich.console import Console

    print(asyncio.run(run(Console())))
