"""Report core: throughput and latency on SQLite and PostgreSQL (`python -m bench.api`).

10,000 reports created through the service layer, then about as many through the HTTP API (a real
`phananh serve`, with 2 worker processes and with 1; 16 connections from wrk, or aiohttp when wrk
is missing), then list/filter queries at 100,000 reports (BENCH_REPORTS, BENCH_TOTAL).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console(width=160)  # wide tables stay readable in logs
ROOT = Path(__file__).resolve().parents[1]
N_CREATE = int(os.environ.get("BENCH_REPORTS", "10000"))
N_TOTAL = int(os.environ.get("BENCH_TOTAL", "100000"))
TEXTS = [
    "Quán cà phê bày bàn ghế chiếm hết vỉa hè",
    "Đổ rác thải sinh hoạt bừa bãi ra lề đường",
    "Nước thải từ cơ sở chế biến cà phê chảy ra mương",
    "Dán tờ rơi quảng cáo khoan cắt bê tông lên cột điện",
    "Người bán hàng rong tụ tập trước cổng trường",
    "Nhà dân xây thêm tầng không có giấy phép",
    "Đèn đường hỏng nhiều ngày, tối om",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def point() -> tuple[float, float]:
    return 12.6675 + random.uniform(-0.03, 0.03), 108.0378 + random.uniform(-0.03, 0.03)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _use(url: str, var_dir: Path) -> None:
    from backend.core.config import get_settings

    os.environ.update(
        {
            "DATABASE_URL": url,
            "MEDIA_DIR": str(var_dir / "media"),
            "SCHEDULER_ENABLED": "false",
            "ENVIRONMENT": "development",
        }
    )
    get_settings.cache_clear()


async def _prepare(url: str) -> None:
    from backend.catalog.loader import load_reference
    from backend.core.config import get_settings
    from backend.core.db import dispose_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.staff import service as staff_service

    await dispose_engine()
    await upgrade(url)
    async with session_scope() as session:
        await load_reference(session=session, data_dir=get_settings().data_dir)
        await staff_service.create_user(session=session, username="bench", password="bench-pass", role="supervisor")


async def bench_service(n: int) -> dict[str, float]:
    from backend.core.actor import Actor
    from backend.core.db import session_scope
    from backend.reports import service as report_service
    from backend.reports.schemas import ReportCreate

    latencies: list[float] = []
    start = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task("service: create", total=n)
        for i in range(n):
            lat, lon = point()
            t0 = time.perf_counter()
            async with session_scope() as session:
                await report_service.create(
                    session=session,
                    actor=Actor.system(),
                    channel="api",
                    report_in=ReportCreate(description=TEXTS[i % len(TEXTS)], latitude=lat, longitude=lon),
                )
            latencies.append((time.perf_counter() - t0) * 1000)
            bar.advance(task)
    elapsed = time.perf_counter() - start
    return {"reports_per_s": n / elapsed, "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99)}


def _start_server(url: str, var_dir: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    from backend.testing.pgserver import free_port

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "BASE_URL": f"http://127.0.0.1:{port}"}
    log = (var_dir / f"server-{port}.log").open("wb")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "phananh"), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


WRK_SCRIPT = """
local texts = {%s}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
request = function()
  i = i + 1
  local lat = 12.6675 + (math.random() - 0.5) * 0.06
  local lon = 108.0378 + (math.random() - 0.5) * 0.06
  local text = texts[(i %% #texts) + 1]
  local body = string.format('{"description": "%%s", "latitude": %%f, "longitude": %%f}', text, lat, lon)
  return wrk.format(nil, "/api/v1/reports", nil, body)
end
"""


async def _token(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-pass"})
        return str(r.json()["access_token"])


def _ms(value: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


async def _warm_workers(base: str, token: str, requests: int = 40) -> None:
    """A few reports, each on a new connection, so that every worker process has answered before
    the clock starts (the kernel spreads new connections between the workers' sockets): the
    figure is the steady state, not one cold worker's first requests."""
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(requests):
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            lat, lon = point()
            r = await client.post("/api/v1/reports", headers=headers,
                                  json={"description": TEXTS[i % len(TEXTS)], "latitude": lat, "longitude": lon})
            r.raise_for_status()


async def bench_api(base: str, n: int, concurrency: int = 16) -> dict[str, float]:
    """POST /api/v1/reports from `concurrency` connections. The load comes from wrk (C, a few % of
    a core) when installed: a Python client would take a good part of this 2-core machine from the
    server it measures. Without wrk: aiohttp, the lightest Python client."""
    token = await _token(base)
    await _warm_workers(base, token)
    wrk = shutil.which("wrk")
    if wrk:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_SCRIPT % (", ".join(json.dumps(t, ensure_ascii=False) for t in TEXTS), token))
        seconds = max(5, round(n / 250))
        console.print(f"wrk: {concurrency} connections, {seconds} s (about {n:,} reports)…")
        out = await asyncio.to_thread(
            subprocess.run, [wrk, "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", f.name, base],
            capture_output=True, text=True, check=True)
        os.unlink(f.name)
        lines = {line.split()[0]: line.split() for line in out.stdout.splitlines() if line.split()}
        done = int(next(line.split()[0] for line in out.stdout.splitlines() if " requests in " in line))
        errors = int(lines["Non-2xx"][-1]) if "Non-2xx" in lines else 0
        return {"reports_per_s": float(lines["Requests/sec:"][1]), "p50_ms": _ms(lines["50%"][1]),
                "p99_ms": _ms(lines["99%"][1]), "errors": errors, "requests": done, "client": "wrk"}
    import aiohttp

    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base_url=base, connector=aiohttp.TCPConnector(limit=concurrency)) as client:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                i = queue.get_nowait()
                lat, lon = point()
                t0 = time.perf_counter()
                async with client.post("/api/v1/reports", headers=headers, json={
                        "description": TEXTS[i % len(TEXTS)], "latitude": lat, "longitude": lon}) as r:
                    await r.read()
                    errors += r.status != 201
                latencies.append((time.perf_counter() - t0) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"reports_per_s": n / elapsed, "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99),
            "errors": errors, "requests": n, "client": "aiohttp"}


async def bulk_fill(total: int) -> None:
    """Top the table up to `total` reports with core inserts (realistic spread of statuses)."""
    from sqlalchemy import func, insert, select

    from backend.catalog.models import Agency, Area, Category
    from backend.core.db import session_scope, utcnow
    from backend.reports.models import Report

    async with session_scope() as session:
        have = await session.scalar(select(func.count(Report.id))) or 0
        categories = (await session.scalars(select(Category.id))).all()
        agencies = (await session.scalars(select(Agency.id))).all()
        areas = (await session.scalars(select(Area.id))).all()
    statuses = ["new", "assigned", "in_progress", "resolved", "closed", "rejected"]
    now = utcnow()
    with _progress() as bar:
        task = bar.add_task(f"fill to {total:,} reports", total=max(total - have, 0))
        for start in range(have, total, 5000):
            rows = []
            for n in range(start, min(start + 5000, total)):
                created = now - timedelta(minutes=random.randint(0, 60 * 24 * 365))
                lat, lon = point()
                rows.append(
                    {
                        "code": f"PA-B{n:07d}",  # unique by construction
                        "description": random.choice(TEXTS),
                        "category_id": random.choice(categories),
                        "latitude": lat,
                        "longitude": lon,
                        "area_id": random.choice(areas),
                        "agency_id": random.choice(agencies),
                        "status": random.choice(statuses),
                        "priority": "normal",
                        "channel": random.choice(["zalo", "telegram", "hotline", "web"]),
                        "created_at": created,
                        "updated_at": created,
                        "due_at": created + timedelta(days=4),
                        "category_source": "nlu",
                        "category_unsure": False,
                        "supporters_count": 0,
                        "reopen_count": 0,
                        "reporter_phone": f"09{random.randint(0, 10**8):08d}",
                    }
                )
            async with session_scope() as session:
                await session.execute(insert(Report), rows)
            bar.advance(task, len(rows))
        async with session_scope() as session:
            from sqlalchemy import text

            await session.execute(text("ANALYZE"))


QUERIES: dict[str, dict[str, str]] = {
    "list newest": {},
    "status=assigned": {"status": "assigned"},
    "category+agency": {"category": "encroachment", "agency": "UBND-24121"},
    "overdue, by deadline": {"overdue": "true", "sort": "due_at"},
    "channel+offset 5000": {"channel": "zalo", "offset": "5000"},
    "text search": {"q": "vỉa hè"},
    "phone search": {"q": "0912"},
}


async def bench_service_queries(runs: int = 30) -> dict[str, dict[str, float]]:
    """The same queries through `reports.queries.list_reports` in process (no HTTP, no auth)."""
    from backend.core.actor import Actor
    from backend.core.db import session_scope
    from backend.reports import queries

    out: dict[str, dict[str, float]] = {}
    for name, params in QUERIES.items():
        kw: dict[str, object] = {
            k: (v == "true" if k == "overdue" else int(v) if k == "offset" else v) for k, v in params.items()
        }
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            async with session_scope() as session:
                await queries.list_reports(
                    session=session, actor=Actor.system(), flt=queries.ReportFilter(limit=50, **kw)
                )  # type: ignore[arg-type]
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = {"p50_ms": statistics.median(times), "p95_ms": pct(times, 95)}
    return out


async def bench_queries(base: str, runs: int = 30) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        token = (await client.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-pass"})).json()[
            "access_token"
        ]
        headers = {"Authorization": f"Bearer {token}"}
        for name, params in QUERIES.items():
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                r = await client.get("/api/v1/reports", params={**params, "limit": "50"}, headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
            out[name] = {"p50_ms": statistics.median(times), "p95_ms": pct(times, 95), "total": r.json()["total"]}
    return out


async def core(url: str, label: str, var_dir: Path) -> dict[str, Any]:
    from backend.core.db import dispose_engine

    _use(url, var_dir)
    await _prepare(url)
    result: dict[str, Any] = {"service": await bench_service(N_CREATE)}
    await dispose_engine()
    proc, base = _start_server(url, var_dir, workers=2)
    try:
        result["api, 2 workers"] = await bench_api(base, N_CREATE)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    proc, base = _start_server(url, var_dir)
    try:
        result["api"] = await bench_api(base, N_CREATE)
        await bulk_fill(N_TOTAL)
        await dispose_engine()
        result["queries"] = await bench_queries(base)
        result["service_queries"] = await bench_service_queries()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    await dispose_engine()
    return result


def _print_core(results: dict[str, dict[str, Any]]) -> None:
    table = Table(title=f"Report core: create {N_CREATE:,} reports")
    for col in ("database", "path", "reports/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(col, justify="right" if col not in ("database", "path") else "left")
    for db, r in results.items():
        for path in ("service", "api", "api, 2 workers"):
            m = r[path]
            table.add_row(db, path, f"{m['reports_per_s']:.0f}", f"{m['p50_ms']:.1f}", f"{m['p99_ms']:.1f}",
                          str(m.get("errors", 0)))
    console.print(table)
    console.print(_query_table(results, "queries", f"GET /api/v1/reports at {N_TOTAL:,} reports (over HTTP, limit 50)"))
    console.print(
        _query_table(
            results, "service_queries", f"reports.service.list_reports at {N_TOTAL:,} reports (in process, limit 50)"
        )
    )


def _query_table(results: dict[str, dict[str, Any]], key: str, title: str) -> Table:
    table = Table(title=title)
    table.add_column("query")
    for db in results:
        table.add_column(f"{db} p50 ms", justify="right")
        table.add_column(f"{db} p95 ms", justify="right")
    for name in QUERIES:
        row = [name]
        for r in results.values():
            m = r[key][name]
            row += [f"{m['p50_ms']:.1f}", f"{m['p95_ms']:.1f}"]
        table.add_row(*row)
    return table


async def run(console: Console = console, pg_url: str | None = None) -> dict[str, Any]:
    """The report core on SQLite and (with `pg_url`) PostgreSQL; prints its tables."""
    random.seed(7)
    var_dir = Path(tempfile.mkdtemp(prefix="phananh-bench-"))
    targets = {"sqlite": f"sqlite+aiosqlite:///{var_dir / 'bench.db'}"}
    if pg_url:
        targets["postgresql"] = pg_url
    results: dict[str, dict[str, Any]] = {}
    for label, url in targets.items():
        console.rule(f"[bold]Report core on {label}")
        results[label] = await core(url, label, var_dir)
    _print_core(results)
    return results


if __name__ == "__main__":
    from backend.testing import pgserver

    server = pgserver.start()
    try:
        asyncio.run(run(console, server.createdb("bench")))
    finally:
        server.stop()
