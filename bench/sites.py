"""Website monitoring under load: 500 sites at a 60 s interval (half over HTTPS) checked while a
real `phananh serve` answers a steady stream of staff API requests. The issue's condition: the
API's p99 during the checks within 20 % of its p99 without them.

One `phananh serve` (checks off) runs throughout; phases alternate, after a warm-up: without
checks, with them, without, with … (BENCH_PHASES of each, the same request mix and count in every
phase). A "with" phase starts the site checker as production runs it (`phananh monitor`: its own
niced process, SITE_CHECKER_SCHED, its analysis worker), waits for its start-up sweep to end
and then measures the steady state: checks spread over the minute. Reported per phase: API p50
and p99, the load average; for the "with" phases the checks/min achieved, the checker's own CPU
(its process and children, from /proc/<pid>/stat) per minute and per check, its event-loop lag
as recorded beside each check (p99, max), and the web process's CPU per minute. The verdict is
the median of the "with" p99s against the median of the "without" p99s.

The websites are a separate, niced process (one ~20 KB portal page per site, over HTTP and HTTPS
with a trustme certificate, each pair of sites on a loopback address of its own, so every site
is an origin of its own; idle connections closed after 75 s, as nginx does): in production they
are on other machines. BENCH_SITE_CHECKER=scheduler checks in the web process instead (each
"with" phase restarts `phananh serve` with SITE_CHECKER=scheduler), for comparison.

    .venv/bin/python -m bench.sites
    BENCH_SITES=500 BENCH_SITES_SECONDS=60 (per phase) BENCH_PHASES=3 BENCH_RATE=5 (requests/s)
    BENCH_SITE_CHECKER=process|scheduler; SITE_CHECK_KEEPALIVE_S, SITE_CHECKER_SCHED,
    SITE_CHECK_CONCURRENCY are passed on to the checker
"""

from __future__ import annotations

import asyncio
import os
import statistics
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
SECONDS = int(os.environ.get("BENCH_SITES_SECONDS", "60"))  # one phase
PHASES = int(os.environ.get("BENCH_PHASES", "3"))  # of each kind
RATE = float(os.environ.get("BENCH_RATE", "5"))  # API requests per second (open loop)
CHECKER = os.environ.get("BENCH_SITE_CHECKER", "process")  # process | scheduler
REPORTS = 100
KEEPALIVE_S = 75  # the websites close idle connections after this (nginx's default)
BOUND_PCT = 20
TICK = os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


# --- the agency websites: one process, one page per site ------------------------------------------


def host_of(n: int) -> str:
    """Site n's server address: a loopback address of its own for each pair of sites (one over
    HTTP, one over HTTPS), so each site is an origin of its own, as the agencies' sites are."""
    h = n // 2
    return f"127.0.{1 + h // 250}.{1 + h % 250}"


def hosts() -> list[str]:
    return sorted({host_of(n) for n in range(SITES)})


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
        runner = web.AppRunner(app, access_log=None, keepalive_timeout=KEEPALIVE_S)
        await runner.setup()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(f"{cert_dir}/server.pem")
        for host in hosts():
            await web.TCPSite(runner, host, port).start()
            await web.TCPSite(runner, host, tls_port, ssl_context=context).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def make_certificates(cert_dir: Path) -> Path:
    """A CA and the websites' certificate (trustme); the CA file the server trusts."""
    import trustme

    ca = trustme.CA(organization_name="CA thử nghiệm (bench)")
    ca.issue_cert("127.0.0.1", "localhost", *hosts()).private_key_and_cert_chain_pem.write_to_path(
        str(cert_dir / "server.pem"))
    ca.cert_pem.write_to_path(str(cert_dir / "ca.pem"))
    return cert_dir / "ca.pem"


# --- the app --------------------------------------------------------------------------------------


def site_url(n: int, port: int, tls_port: int) -> str:
    return f"http://{host_of(n)}:{port}/site/{n}" if n % 2 == 0 else f"https://{host_of(n)}:{tls_port}/site/{n}"


async def prepare(url: str, port: int, tls_port: int) -> None:
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
            {"name": f"Website đơn vị {n}", "url": site_url(n, port, tls_port), "interval_s": 60, "timeout_s": 10.0,
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
            httpx.get(site_url(0, port, tls_port), timeout=1)
            httpx.get(site_url(SITES - 1 if SITES % 2 == 0 else 1, port, tls_port), timeout=1,
                      verify=str(cert_dir / "ca.pem"))
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


PATHS = ("/api/v1/reports?limit=20", "/api/v1/monitoring/sites/{site}", "/api/v1/reports?limit=20&offset=20",
         "/api/v1/monitoring/incidents?open=true")  # the staff's mix, the same in every phase


async def token(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-pass"})
        response.raise_for_status()
        return str(response.json()["access_token"])


async def api_load(base: str, seconds: float, bearer: str) -> list[float]:
    """Open-loop staff traffic: RATE requests/s (PATHS in turn), whatever the latency."""
    headers = {"Authorization": f"Bearer {bearer}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        latencies: list[float] = []

        async def one(n: int) -> None:
            path = PATHS[n % len(PATHS)].format(site=1 + (n * 37) % SITES)
            started = time.perf_counter()
            response = await client.get(path)
            response.raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        start = time.perf_counter()
        total = round(seconds * RATE)
        for n in range(total):
            await asyncio.sleep(max(start + n / RATE - time.perf_counter(), 0))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return latencies


def cpu_seconds(pid: int) -> float:
    """CPU (user + system) of a process and its live descendants, with its reaped children's."""
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            stats[int(entry)] = raw[raw.rindex(")") + 2:].split()  # fields from the 3rd (state) on
    total, todo, seen = 0.0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen or current not in stats:
            continue
        seen.add(current)
        fields = stats[current]
        total += sum(int(v) for v in fields[11:15]) / TICK  # utime stime cutime cstime
        todo += [child for child, f in stats.items() if int(f[1]) == current]
    return total


async def checks_between(url: str, since: float, until: float) -> dict[str, Any]:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from backend.core.db import make_engine
    from backend.monitoring.sites.models import SiteCheck

    engine = make_engine(url)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(SiteCheck.ok, SiteCheck.checker_lag_ms, SiteCheck.response_ms,
                                          SiteCheck.new_connection).where(
            SiteCheck.checked_at >= datetime.fromtimestamp(since, UTC),
            SiteCheck.checked_at < datetime.fromtimestamp(until, UTC)))).all()
    await engine.dispose()
    lags = [float(r.checker_lag_ms or 0) for r in rows]
    return {"checks": len(rows), "ok": sum(1 for r in rows if r.ok), "lag_p99_ms": pct(lags, 99),
            "lag_max_ms": max(lags, default=float("nan")),
            "response_p50_ms": pct([float(r.response_ms or 0) for r in rows], 50),
            "new_connections": sum(1 for r in rows if r.new_connection)}


async def wait_for_sweep(url: str, since: float, within: float = 300) -> float:
    deadline = time.time() + within
    while time.time() < deadline:
        if (await checks_between(url, since, time.time() + 1))["checks"] >= SITES:
            return time.time() - since
        await asyncio.sleep(0.5)
    raise RuntimeError("the start-up sweep did not finish")


def start_monitor(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(Path(sys.executable).parent / "phananh"), "monitor"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=ROOT)


class Bench:
    """The server (and in "with" phases the checker) of one run, and its phases."""

    def __init__(self, work: Path, env: dict[str, str], url: str, port: int) -> None:
        self.work, self.env, self.url, self.port = work, env, url, port
        self.base = f"http://127.0.0.1:{port}"
        self.app: subprocess.Popen[bytes] | None = None
        self.bearer = ""

    async def serve(self, checks: bool) -> None:
        if self.app is not None:
            stop(self.app)
        self.app = start_app({**self.env, "SITE_CHECKS_ENABLED": "true" if checks else "false"}, self.port,
                             self.work / "serve.log")
        self.bearer = await token(self.base)

    async def phase(self, checks: bool) -> dict[str, Any]:
        checker = None
        row: dict[str, Any] = {"checks_on": checks}
        if checks:
            started = time.time()
            if CHECKER == "scheduler":
                await self.serve(True)
            else:
                checker = start_monitor({**self.env, "SITE_CHECKS_ENABLED": "true"}, self.work / "monitor.log")
            row["sweep_s"] = round(await wait_for_sweep(self.url, started), 1)
        elif CHECKER == "scheduler":
            await self.serve(False)
        assert self.app is not None
        await asyncio.sleep(1)
        cpu_checker = cpu_seconds(checker.pid) if checker else 0.0
        cpu_web = cpu_seconds(self.app.pid)
        window_start = time.time()
        latencies = await api_load(self.base, SECONDS, self.bearer)
        window = time.time() - window_start
        per_min = 60 / window
        row.update(requests=len(latencies), api_p50_ms=round(pct(latencies, 50), 1),
                   api_p99_ms=round(pct(latencies, 99), 1), load_1m=round(os.getloadavg()[0], 2),
                   web_cpu_s_per_min=round((cpu_seconds(self.app.pid) - cpu_web) * per_min, 2))
        if checker is not None:
            row["checker_cpu_s_per_min"] = round((cpu_seconds(checker.pid) - cpu_checker) * per_min, 2)
            stop(checker)
        if checks:
            found = await checks_between(self.url, window_start, window_start + window)
            share = 100 / max(found["checks"], 1)
            row.update(checks_per_min=round(found["checks"] * per_min), ok_pct=round(found["ok"] * share, 1),
                       checker_lag_p99_ms=found["lag_p99_ms"], checker_lag_max_ms=found["lag_max_ms"],
                       site_response_p50_ms=found["response_p50_ms"],
                       new_connection_pct=round(found["new_connections"] * share, 1))
            if "checker_cpu_s_per_min" in row and found["checks"]:
                row["checker_cpu_ms_per_check"] = round(1000 * row["checker_cpu_s_per_min"] / row["checks_per_min"], 2)
        return row


def _median(rows: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if key in r]
    return round(statistics.median(values), 2) if values else float("nan")


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
    runner = Bench(work, env, url, app_port)
    rows = []
    try:
        await prepare(url, site_port, tls_port)
        await runner.serve(False)
        await api_load(runner.base, 10, runner.bearer)  # warm-up
        for _ in range(PHASES):
            for checks in (False, True):
                rows.append({"phase": len(rows) + 1, **await runner.phase(checks)})
    finally:
        if runner.app is not None:
            stop(runner.app)
        stop(websites)
    off = [r for r in rows if not r["checks_on"]]
    on = [r for r in rows if r["checks_on"]]
    p99_off, p99_on = _median(off, "api_p99_ms"), _median(on, "api_p99_ms")
    settings = get_settings()
    return {
        "sites": SITES, "checker": CHECKER, "api_rate_per_s": RATE, "phase_seconds": SECONDS, "phases_each": PHASES,
        "keepalive_s": settings.site_check_keepalive_s, "checker_sched": settings.site_checker_sched,
        "concurrency": settings.site_check_concurrency,
        "api_p99_ms_without": p99_off, "api_p99_ms_with": p99_on,
        "p99_change_pct": round(100 * (p99_on - p99_off) / p99_off, 1),
        "within_bound": p99_on <= p99_off * (1 + BOUND_PCT / 100),
        "api_p50_ms_without": _median(off, "api_p50_ms"), "api_p50_ms_with": _median(on, "api_p50_ms"),
        "checks_per_min": _median(on, "checks_per_min"), "ok_checks_pct": _median(on, "ok_pct"),
        "checker_cpu_s_per_min": _median(on, "checker_cpu_s_per_min"),
        "checker_cpu_ms_per_check": _median(on, "checker_cpu_ms_per_check"),
        "checker_lag_p99_ms": _median(on, "checker_lag_p99_ms"),
        "web_cpu_s_per_min_without": _median(off, "web_cpu_s_per_min"),
        "web_cpu_s_per_min_with": _median(on, "web_cpu_s_per_min"),
        "load_avg_1m_without": _median(off, "load_1m"), "load_avg_1m_with": _median(on, "load_1m"),
        "cpus": os.cpu_count(), "phases": rows,
    }


def _cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def run(console: Console | None = None) -> dict[str, Any]:
    console = console or Console(width=180)
    with tempfile.TemporaryDirectory(prefix="phananh-bench-sites-") as tmp:
        result = asyncio.run(bench(Path(tmp)))
    where = "tiến trình kiểm tra riêng" if result["checker"] == "process" else "trong tiến trình web"
    table = Table(title=f"Giám sát website: {result['sites']} website mỗi 60 giây (nửa qua HTTPS), kiểm tra {where}; "
                        f"API {result['api_rate_per_s']:g} yêu cầu/giây, {result['phase_seconds']} s mỗi pha (SQLite)")
    columns = {"phase": "pha", "checks_on": "kiểm tra", "requests": "yêu cầu", "api_p50_ms": "API p50 (ms)",
               "api_p99_ms": "API p99 (ms)", "load_1m": "tải máy (1 phút)", "web_cpu_s_per_min": "CPU web (s/phút)",
               "checks_per_min": "lượt/phút", "checker_cpu_s_per_min": "CPU kiểm tra (s/phút)",
               "checker_cpu_ms_per_check": "CPU (ms/lượt)", "checker_lag_p99_ms": "trễ vòng lặp p99 (ms)",
               "new_connection_pct": "kết nối mới (%)", "sweep_s": "quét đầu (s)"}
    for key, title in columns.items():
        table.add_column(title, justify="left" if key == "checks_on" else "right")
    for row in result["phases"]:
        table.add_row(*[("có" if row["checks_on"] else "không") if key == "checks_on" else _cell(row, key)
                        for key in columns])
    console.print(table)
    verdict = "đạt" if result["within_bound"] else "KHÔNG đạt"
    console.print(
        f"Trung vị p99: {result['api_p99_ms_without']} ms không kiểm tra → {result['api_p99_ms_with']} ms khi kiểm tra "
        f"({result['p99_change_pct']:+.1f} %, giới hạn +{BOUND_PCT} %: {verdict}); "
        f"{result['checks_per_min']} lượt/phút, "
        f"{result['ok_checks_pct']} % đạt; tiến trình kiểm tra {result['checker_cpu_s_per_min']} s CPU/phút = "
        f"{result['checker_cpu_ms_per_check']} ms/lượt; tải máy {result['load_avg_1m_without']} / "
        f"{result['load_avg_1m_with']}; {result['cpus']} lõi; SITE_CHECK_KEEPALIVE_S={result['keepalive_s']:g}, "
        f"SITE_CHECKER_SCHED={result['checker_sched']}")
    return result

if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve_websites(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        run()
