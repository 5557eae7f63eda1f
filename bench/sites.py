"""Website monitoring under load: 500 sites at a 60 s interval (half over HTTPS) checked while a
real `phananh serve` answers a steady stream of staff API requests; the API's p99 with the checks
running is compared with its p99 without them (the issue's bound: within 20 %).

The websites are served by a separate, niced process (one ~20 KB portal page per site, over HTTP
and HTTPS with a trustme certificate): in production they are on other machines, so here they
must not take the CPU the server needs. The checks run as `phananh serve` runs them: with
SITE_CHECKER=process (the default) in the site checker process it starts; BENCH_SITE_CHECKER=
scheduler measures the checks inside the web process for comparison.

    .venv/bin/python -m bench.sites    (BENCH_SITES=500, BENCH_SITES_SECONDS=60, BENCH_RATE=5,
                                        BENCH_SITE_CHECKER=process)
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
SITES = int(os.environ.get("BENCH_SITES", "500"))
SECONDS = int(os.environ.get("BENCH_SITES_SECONDS", "60"))
RATE = float(os.environ.get("BENCH_RATE", "5"))  # API requests per second (open loop)
CHECKER = os.environ.get("BENCH_SITE_CHECKER", "process")  # process | scheduler
REPORTS = 100


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


# --- the agency websites: one process, one page per site ------------------------------------------


def serve_websites(port: int, tls_port: int, cert_dir: str) -> None:  # pragma: no cover (child process)
    import ssl

    from aiohttp import web

    os.nice(10)  # the agencies' servers are elsewhere in production: not the server's CPU here
    news = "".join(f"<li class='item'><a href='/tin/{i}'>Tin tức sự kiện số {i} của tỉnh Đắk Lắk</a>"
                   f"<p>Tóm tắt nội dung bản tin {i}: hoạt động chỉ đạo, điều hành của Ủy ban nhân dân tỉnh.</p></li>"
                   for i in range(120))
    body = (f"<!doctype html><html lang='vi'><head><title>Cổng thông tin điện tử tỉnh Đắk Lắk</title>"
            f"<script>var a = 1;</script><style>body{{}}</style></head><body><header><h1>Cổng thông tin điện tử "
            f"tỉnh Đắk Lắk</h1></header><main><ul class='news'>{news}</ul></main><footer>Bản quyền thuộc UBND tỉnh "
            f"Đắk Lắk</footer></body></html>")

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/site/{n}", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(f"{cert_dir}/server.pem")
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await web.TCPSite(runner, "127.0.0.1", tls_port, ssl_context=context).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def make_certificates(cert_dir: Path) -> Path:
    """A CA and the websites' certificate (trustme); the CA file the server trusts."""
    import trustme

    ca = trustme.CA(organization_name="CA thử nghiệm (bench)")
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(str(cert_dir / "server.pem"))
    ca.cert_pem.write_to_path(str(cert_dir / "ca.pem"))
    return cert_dir / "ca.pem"


# --- the app --------------------------------------------------------------------------------------


async def prepare(url: str, site_bases: tuple[str, str]) -> None:
    from sqlalchemy import insert

    from backend.catalog.loader import load_reference
    from backend.core.actor import Actor
    from backend.core.config import get_settings
    from backend.core.db import dispose_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.monitoring.sites.models import Site
    from backend.reports import service as report_service
    from backend.reports.schemas import ReportCreate
    from backend.staff import service as staff_service

    await upgrade(url)
    async with session_scope() as session:
        await load_reference(session=session, data_dir=get_settings().data_dir)
        await staff_service.create_user(session=session, username="bench", password="bench-pass", role="supervisor")
        await session.execute(insert(Site), [
            {"name": f"Website đơn vị {n}", "url": f"{site_bases[n % 2]}/site/{n}", "interval_s": 60, "timeout_s": 10.0,
             "conditions": ["[STATUS] == 200", "[RESPONSE_TIME] < 5000"], "keywords_required": ["Đắk Lắk"],
             "keywords_forbidden": [], "status": "unknown", "enabled": True, "failure_threshold": 3,
             "success_threshold": 2, "slow_ms": 3000, "change_threshold": 0.4, "failures": 0, "successes": 0,
             "slow_count": 0, "changed_count": 0} for n in range(SITES)])
    for i in range(REPORTS):
        async with session_scope() as session:
            await report_service.create(session=session, actor=Actor.system(), channel="api", report_in=ReportCreate(
                description=f"Quán cà phê bày bàn ghế chiếm vỉa hè đường Lê Duẩn số {i}",
                latitude=12.6675 + (i % 17) * 0.001, longitude=108.0378 + (i % 13) * 0.001))
    await dispose_engine()


def spawn_websites(port: int, tls_port: int, cert_dir: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "bench.sites", "serve", str(port), str(tls_port), str(cert_dir)],
                               cwd=ROOT)
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/site/0", timeout=1)
            httpx.get(f"https://127.0.0.1:{tls_port}/site/1", timeout=1, verify=str(cert_dir / "ca.pem"))
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the websites did not start")


def start_app(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([str(Path(sys.executable).parent / "phananh"), "serve", "--port", str(port)],
                               env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


async def api_load(base: str, seconds: float) -> list[float]:
    """Open-loop staff traffic: RATE requests/s to the report list, whatever the latency."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        token = (await client.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-pass"})
                 ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        latencies: list[float] = []

        async def one() -> None:
            started = time.perf_counter()
            response = await client.get("/api/v1/reports?limit=20", headers=headers)
            response.raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            tasks.append(asyncio.create_task(one()))
            n += 1
            await asyncio.sleep(max(start + n / RATE - time.perf_counter(), 0))
        await asyncio.gather(*tasks)
    return latencies


async def checks_between(url: str, since: float, until: float, ok_only: bool = False) -> int:
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from backend.core.db import make_engine
    from backend.monitoring.sites.models import SiteCheck

    engine = make_engine(url)
    async with engine.connect() as conn:
        query = select(func.count(SiteCheck.id)).where(
            SiteCheck.checked_at >= datetime.fromtimestamp(since, UTC),
            SiteCheck.checked_at < datetime.fromtimestamp(until, UTC))
        count = await conn.scalar(query.where(SiteCheck.ok.is_(True)) if ok_only else query)
    await engine.dispose()
    return int(count or 0)


async def wait_for_sweep(url: str, since: float, within: float = 300) -> float:
    deadline = time.time() + within
    while time.time() < deadline:
        if await checks_between(url, since, time.time() + 1) >= SITES:
            return time.time() - since
        await asyncio.sleep(1)
    raise RuntimeError("the first sweep did not finish")


async def bench(work: Path) -> dict[str, Any]:
    from backend.testing.pgserver import free_port

    site_port, tls_port, app_port = free_port(), free_port(), free_port()
    ca_file = make_certificates(work)
    websites = spawn_websites(site_port, tls_port, work)
    url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(work), "MEDIA_DIR": str(work / "media"),
           "ENVIRONMENT": "development", "SCHEDULER_ENABLED": "true", "BASE_URL": f"http://127.0.0.1:{app_port}",
           "SITE_CHECK_CA_BUNDLE": str(ca_file), "SITE_CHECKER": CHECKER, "SITE_SCREENSHOTS": "false"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "VAR_DIR", "MEDIA_DIR", "ENVIRONMENT")})
    from backend.core.config import get_settings

    get_settings.cache_clear()
    try:
        await prepare(url, (f"http://127.0.0.1:{site_port}", f"https://127.0.0.1:{tls_port}"))
        base = f"http://127.0.0.1:{app_port}"
        app = start_app({**env, "SITE_CHECKS_ENABLED": "false"}, app_port, work / "off.log")
        try:
            await api_load(base, 5)  # warm-up
            without = await api_load(base, SECONDS)
            load_off = os.getloadavg()[0]
        finally:
            stop(app)
        started = time.time()
        app = start_app({**env, "SITE_CHECKS_ENABLED": "true"}, app_port, work / "on.log")
        try:
            sweep_s = await wait_for_sweep(url, started)
            window_start = time.time()
            during = await api_load(base, SECONDS)
            window_end = time.time()
            load_on = os.getloadavg()[0]
        finally:
            stop(app)
        checked = await checks_between(url, window_start, window_end)
        ok_checked = await checks_between(url, window_start, window_end, ok_only=True)
    finally:
        stop(websites)
    p99_off, p99_on = pct(without, 99), pct(during, 99)
    return {
        "sites": SITES, "checker": CHECKER, "api_rate_per_s": RATE, "seconds": SECONDS,
        "first_sweep_s": round(sweep_s, 1),
        "checks_per_min": round(checked * 60 / (window_end - window_start)),
        "api_p50_ms_without": round(pct(without, 50), 1), "api_p99_ms_without": round(p99_off, 1),
        "api_p50_ms_with": round(pct(during, 50), 1), "api_p99_ms_with": round(p99_on, 1),
        "p99_change_pct": round(100 * (p99_on - p99_off) / p99_off, 1),
        "ok_checks_pct": round(100 * ok_checked / checked, 1) if checked else 0.0,
        "requests": len(without) + len(during), "cpus": os.cpu_count(),
        "load_avg_1m_without": round(load_off, 2), "load_avg_1m_with": round(load_on, 2),
    }


def run(console: Console | None = None) -> dict[str, Any]:
    console = console or Console(width=160)
    with tempfile.TemporaryDirectory(prefix="phananh-bench-sites-") as tmp:
        result = asyncio.run(bench(Path(tmp)))
    where = "tiến trình kiểm tra riêng" if result["checker"] == "process" else "trong tiến trình web"
    table = Table(title=f"Giám sát website: {result['sites']} website mỗi 60 giây (nửa qua HTTPS), kiểm tra {where}, "
                        f"API {result['api_rate_per_s']:g} yêu cầu/giây (SQLite)")
    for column in ("", "API p50 (ms)", "API p99 (ms)", "tải máy (1 phút)"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("không kiểm tra", str(result["api_p50_ms_without"]), str(result["api_p99_ms_without"]),
                  str(result["load_avg_1m_without"]))
    table.add_row(f"đang kiểm tra ({result['checks_per_min']} lượt/phút)", str(result["api_p50_ms_with"]),
                  str(result["api_p99_ms_with"]), str(result["load_avg_1m_with"]))
    console.print(table)
    console.print(f"p99 thay đổi {result['p99_change_pct']:+.1f} % (giới hạn +20 %); {result['ok_checks_pct']} % lượt "
                  f"kiểm tra đạt; lượt quét đầu {result['first_sweep_s']} s; {result['cpus']} lõi")
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve_websites(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        run()
