"""Shared fixtures: a real PostgreSQL server and SQLite, migrated and seeded once per backend;
mutable tables emptied before each test; factories; the app over ASGI and as a live server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from sqlalchemy import delete, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.testing import pgserver
from backend.testing.live import LiveApp
from backend.testing.pgserver import PgServer, free_port

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_TABLES = {
    "categories",
    "areas",
    "agencies",
    "routing_rules",
    "deadline_policies",
    "holidays",
    "settings_kv",
    "alembic_version",
    "traffic_parameters",
    "indicators",
    "indicator_target_kinds",
    "indicator_entry_deadlines",
}
BMT_CENTRE = (12.6675, 108.0378)

# Settings for the whole test session, before anything reads them.
# One directory per xdist worker: catalog stamps, models and media never cross workers.
TEST_VAR = ROOT / "var" / "test" / os.environ.get("PYTEST_XDIST_WORKER", "main")
TEST_VAR.mkdir(parents=True, exist_ok=True)
os.environ.update(
    {
        "ENVIRONMENT": "test",
        "VAR_DIR": str(TEST_VAR),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SCHEDULER_ENABLED": "false",
        "NLU_BACKEND": "builtin",
        "GEOCODER": "offline",
        # Live test servers start cold (tests/core/test_warm_up.py covers the warm-up itself).
        "WARM_UP": "false",
    }
)
for key in ("TELEGRAM_BOT_TOKEN", "ZALO_APP_ID", "ZALO_ACCESS_TOKEN", "REDIS_URL", "DATABASE_URL"):
    os.environ.pop(key, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Rasa server test first: it trains for minutes, and with `-n 2` the other worker runs
    the rest of the suite meanwhile instead of waiting for it at the end. (`make test` passes
    `--no-loadscope-reorder`: xdist otherwise sends the files with most tests first, and this
    one-test file last.)"""
    items.sort(key=lambda item: 0 if item.get_closest_marker("rasa") else 1)


# ---------------------------------------------------------------- PostgreSQL server


@pytest.fixture(scope="session", autouse=True)
def edges_installed() -> None:
    """The channels' outbox senders and the bots' jobs, wired as the composition roots do."""
    from backend.main import install_edges

    install_edges()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        server = pgserver.start()
    except pgserver.PostgresMissing as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


# ---------------------------------------------------------------- databases


def _reset_settings(**env: str) -> None:
    from backend.core.config import get_settings

    os.environ.update(env)
    get_settings.cache_clear()


async def prepare_database(url: str) -> None:
    """Migrate and load reference data into an empty database."""
    from backend.catalog.loader import load_reference
    from backend.core.config import get_settings
    from backend.core.db import make_engine
    from backend.core.migrate import upgrade
    from backend.monitoring.indicators.registry import load_registry

    await upgrade(url)
    engine = make_engine(url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        await load_reference(session=session, data_dir=get_settings().data_dir)
        await load_registry(session=session, data_dir=get_settings().data_dir)
        await session.commit()
    await engine.dispose()


@pytest_asyncio.fixture(scope="session", params=["sqlite", "postgresql"], loop_scope="session")
async def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The test database, on SQLite and on a real PostgreSQL server in turn."""
    from backend.core.db import dispose_engine
    from backend.geo import service as geo_service

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    else:
        url = request.getfixturevalue("pg_server").createdb("phananh_test")
    await dispose_engine()
    _reset_settings(DATABASE_URL=url, MEDIA_DIR=str(tmp_path_factory.mktemp("media")))
    await prepare_database(url)
    geo_service.invalidate_cache()
    yield url
    await dispose_engine()


async def empty_mutable_tables(session: AsyncSession) -> None:
    import backend.models  # noqa: F401
    from backend.core.db import Base

    await session.execute(update(Base.metadata.tables["reports"]).values(duplicate_of_id=None))
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in REFERENCE_TABLES:
            await session.execute(delete(table))
    seeded = "key NOT IN ('working_hours', 'question_policy')"  # from data/deadlines.yaml
    await session.execute(delete(Base.metadata.tables["settings_kv"]).where(text(seeded)))
    await session.commit()


@pytest_asyncio.fixture(loop_scope="session")
async def session(db_url: str) -> AsyncIterator[AsyncSession]:
    """A session on a migrated, seeded database; everything but reference data is emptied first."""
    from backend.catalog import service as catalog_service
    from backend.core.db import get_sessionmaker
    from backend.dashboard import cache as dashboard_cache
    from backend.geo import service as geo_service

    catalog_service.invalidate_cache()
    geo_service.invalidate_cache()
    dashboard_cache.clear()
    maker = get_sessionmaker()
    async with maker() as s:
        await empty_mutable_tables(s)
    async with maker() as s:
        yield s
        await s.rollback()


@pytest_asyncio.fixture(loop_scope="session")
async def sqlite_session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncSession]:
    """Like `session`, SQLite only (for tests whose subject is not the database)."""
    from backend.core.db import dispose_engine, get_sessionmaker

    await dispose_engine()
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite1') / 'one.db'}"
    _reset_settings(DATABASE_URL=url, MEDIA_DIR=str(tmp_path_factory.mktemp("media1")))
    await prepare_database(url)
    async with get_sessionmaker()() as s:
        yield s
        await s.rollback()
    await dispose_engine()


@pytest.fixture
def media_dir() -> Path:
    from backend.core.config import get_settings

    return get_settings().media_dir


# ---------------------------------------------------------------- factories


@pytest.fixture
def make_user(session: AsyncSession) -> Callable[..., Awaitable[Any]]:
    counter = {"n": 0}

    async def make(
        role: str, agency_code: str | None = None, password: str = "secret123", username: str | None = None
    ) -> Any:
        from backend.staff import service as staff_service

        counter["n"] += 1
        user = await staff_service.create_user(
            session=session,
            username=username or f"{role}{counter['n']}",
            password=password,
            role=role,
            agency_code=agency_code,
            full_name=f"{role.title()} {counter['n']}",
        )
        await session.commit()
        return user

    return make


@pytest.fixture
def report_factory(session: AsyncSession) -> Callable[..., Awaitable[Any]]:
    async def make(
        description: str = "Quán cà phê bày bàn ghế chiếm hết vỉa hè đường Lê Duẩn",
        latitude: float | None = BMT_CENTRE[0],
        longitude: float | None = BMT_CENTRE[1],
        citizen: Any = None,
        channel: str = "hotline",
        commit: bool = True,
        **kw: Any,
    ) -> Any:
        from backend.core.actor import Actor
        from backend.reports import service as report_service
        from backend.reports.schemas import ReportCreate

        created = await report_service.create(
            session=session,
            actor=Actor.system(),
            citizen=citizen,
            channel=channel,
            report_in=ReportCreate(description=description, latitude=latitude, longitude=longitude, **kw),
        )
        if commit:
            await session.commit()
        return await report_service.get(session=session, code=created.report.code)

    return make


def auth_headers(user: Any) -> dict[str, str]:
    from backend.staff import service as staff_service

    return {"Authorization": f"Bearer {staff_service.issue_token(user)}"}


@pytest_asyncio.fixture(loop_scope="session")
async def app_client(session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    from backend.main import create_app

    app = create_app(with_hooks=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


# ---------------------------------------------------------------- live server (a real process)


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"live app exited early:\n{log.read_text(errors='replace')[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"live app did not answer in {timeout}s:\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture(scope="session")
def live_app_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveApp]]:
    """Start the real app (`phananh serve`) in its own process on a fresh SQLite database."""
    started: list[LiveApp] = []

    def start(env: dict[str, str] | None = None, demo: bool = False, args: list[str] | None = None) -> LiveApp:
        work = tmp_path_factory.mktemp("live")
        port = free_port()
        db = f"sqlite+aiosqlite:///{work / 'live.db'}"
        full_env = {
            **os.environ,
            "DATABASE_URL": db,
            "MEDIA_DIR": str(work / "media"),
            "BASE_URL": f"http://127.0.0.1:{port}",
            "SCHEDULER_ENABLED": "false",
            **(env or {}),
        }
        phananh = str(Path(sys.executable).parent / "phananh")
        subprocess.run(
            [phananh, "seed", *(["--demo"] if demo else [])], env=full_env, check=True, capture_output=True, cwd=ROOT
        )
        log = work / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [phananh, "serve", "--host", "127.0.0.1", "--port", str(port), *(args or [])],
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        app = LiveApp(url=f"http://127.0.0.1:{port}", db_url=db, env=full_env, process=process, log=log)
        started.append(app)
        _wait_http(app.url, process, log)
        return app

    yield start
    for app in started:
        app.process.terminate()
        try:
            app.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.process.kill()


@pytest.fixture(scope="session")
def live_app(live_app_factory: Callable[..., LiveApp]) -> LiveApp:
    return live_app_factory(demo=True)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Each test starts with full rate-limit buckets (backend/core/ratelimit.py keeps them in memory)."""
    from backend.core import ratelimit

    ratelimit.reset()
    yield


# ---------------------------------------------------------------- a real SMTP server


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1, with SMTP_URL pointing at it for one test."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _reset_settings(SMTP_URL=f"smtp://127.0.0.1:{port}")
    yield inbox
    controller.stop()
    os.environ.pop("SMTP_URL", None)
    _reset_settings()
