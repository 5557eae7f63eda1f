"""Fixtures of the staff-site and portal tests: a migrated SQLite database holding the small
world of backend.testing.world, staff accounts, reports, an in-process client and a live server.

Kept local (named site_*) so they do not depend on the shared conftest while it is being written."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from backend.testing.live import private_session
from backend.testing.world import ensure_reference_data

PASSWORD = "secret123"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@dataclass
class Site:
    url: str  # database URL

    def db(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session on a private engine (the app's global engine belongs to the app's loop)."""
        return private_session(self.url)

    async def user(self, username: str, role: str, agency: str | None = None) -> None:
        from backend.staff import service as staff_service

        async with self.db() as session:
            await staff_service.create_user(session=session, username=username, password=PASSWORD, role=role,
                                            agency_code=agency, full_name=username.title())

    async def report(self, description: str = "Quán cà phê bày bàn ghế chiếm hết vỉa hè",
                     latitude: float = 12.6647, longitude: float = 108.097, **extra: Any) -> str:
        from backend.core.actor import Actor
        from backend.reports import service as reports_service
        from backend.reports.schemas import ReportCreate

        async with self.db() as session:
            created = await reports_service.create(
                session=session, actor=Actor.system(),
                report_in=ReportCreate(description=description, latitude=latitude, longitude=longitude,
                                       category=extra.pop("category", "encroachment"), **extra))
            return created.report.code

    def run(self, coro: Any) -> Any:
        return run_sync(coro)


def run_sync(coro: Any) -> Any:
    """Run a coroutine to the end from sync code, in its own thread: Playwright's sync API keeps
    an event loop running in the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _prepare(tmp: Path) -> Site:
    from backend.core import db
    from backend.core.config import get_settings
    from backend.core.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp / 'site.db'}"
    os.environ.update({"DATABASE_URL": url, "MEDIA_DIR": str(tmp / "media"), "SCHEDULER_ENABLED": "false",
                       "ENVIRONMENT": "test", "MAP_TILE_URL": "", "BASE_URL": "http://testserver"})
    get_settings.cache_clear()
    db._engine, db._sessionmaker = None, None
    from admin import portal

    portal._cache.clear()
    site = Site(url)

    async def setup() -> None:
        await upgrade(url)
        async with site.db() as session:
            await ensure_reference_data(session)

    run_sync(setup())
    return site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    for key in ("DATABASE_URL", "MEDIA_DIR", "SCHEDULER_ENABLED", "ENVIRONMENT", "MAP_TILE_URL", "BASE_URL"):
        monkeypatch.setenv(key, os.environ.get(key, ""))  # restored afterwards
    yield _prepare(tmp_path)
    from backend.core import db
    from backend.core.config import get_settings

    get_settings.cache_clear()
    db._engine, db._sessionmaker = None, None  # the next test builds its engine from its own settings


@pytest_asyncio.fixture(loop_scope="function")
async def site_client(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    from backend.core.db import dispose_engine
    from backend.main import create_app

    app = create_app(with_hooks=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await dispose_engine()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    found = CSRF_RE.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    token = await csrf_of(client, "/admin/login")
    return await client.post("/admin/login", data={"username": username, "password": password,
                                                   "csrf_token": token, "next": "/admin/"})


# --- a live server for the browser ---------------------------------------------------------------


@dataclass
class Live:
    url: str
    site: Site


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def site_live(site: Site) -> Iterator[Live]:
    import uvicorn

    from backend.main import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(with_hooks=False), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "live server did not start"
    yield Live(f"http://127.0.0.1:{port}", site)
    server.should_exit = True
    thread.join(timeout=10)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps a loop running in the main thread, which the
    async tests of the next modules need free."""
    import playwright.sync_api as pw_sync

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian chromium is not installed: run `make test` (it installs it)")
    with pw_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, site_live: Live) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def browser_login(page: Any, live: Live, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live.url}/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/admin/")


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
