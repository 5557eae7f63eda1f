"""Fixtures of the website-monitoring tests: the local websites (HTTP, HTTPS, an expiring
certificate), settings that trust their CA, a site factory and a one-round check helper."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from tests.monitoring.sites.standins import Websites


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def websites(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Websites]:
    sites = Websites(tmp_path_factory.mktemp("websites"))
    await sites.start()
    yield sites
    await sites.stop()


@pytest.fixture
def web(websites: Websites) -> Iterator[Websites]:
    """The websites with no pages yet (each test serves its own)."""
    websites.pages.clear()
    websites.hits.clear()
    yield websites
    websites.pages.clear()


@pytest.fixture(autouse=True)
def trust_test_ca(websites: Websites) -> Iterator[None]:
    from backend.core.config import get_settings
    from backend.monitoring.sites import probe

    saved = {k: os.environ.get(k) for k in ("SITE_CHECK_CA_BUNDLE", "SITE_SCREENSHOTS", "SITE_ALERT_BURST")}
    os.environ["SITE_CHECK_CA_BUNDLE"] = str(websites.ca_file)
    os.environ["SITE_SCREENSHOTS"] = "false"  # the browser test turns them on
    get_settings.cache_clear()
    probe._ssl_context.cache_clear()
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture
def make_site(session: AsyncSession) -> Callable[..., Awaitable[Any]]:
    async def make(url: str, name: str = "Cổng thông tin điện tử tỉnh Đắk Lắk", **kw: Any) -> Any:
        from backend.monitoring.sites import service
        from backend.monitoring.sites.schemas import SiteCreate

        site = await service.create_site(session=session, site_in=SiteCreate(name=name, url=url, **kw))
        await session.commit()
        return site

    return make


@pytest.fixture
def check(session: AsyncSession) -> Callable[..., Awaitable[Any]]:
    """Check one site once (a real round: probe, record, alerts) and return it fresh."""

    async def run(site: Any, now: datetime | None = None, times: int = 1) -> Any:
        from backend.monitoring.sites import service

        site_id = site.id
        await session.commit()  # the round takes its own connections (SQLite has one)
        for _ in range(times):
            await service.run_round([site_id], now=now)
        site = await service.get_site(session=session, site_id=site_id)
        await session.commit()  # hand the connection back (the app under test needs it)
        return site

    return run


@pytest.fixture
def checks_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SITE_CHECKS_ENABLED=true, and the site-checks job not yet run in this process (its first
    run sweeps every site)."""
    from backend.core.config import get_settings
    from backend.monitoring.sites import scheduled

    monkeypatch.setenv("SITE_CHECKS_ENABLED", "true")
    monkeypatch.setattr(scheduled, "_swept", False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def check_count(session: AsyncSession) -> Callable[[Any], Awaitable[int]]:
    """The number of stored check results of a site."""

    async def count(site: Any) -> int:
        from sqlalchemy import func, select

        from backend.monitoring.sites.models import SiteCheck

        await session.commit()
        return int(await session.scalar(select(func.count(SiteCheck.id)).where(SiteCheck.site_id == site.id)) or 0)

    return count


@pytest.fixture
def outbox_rows(session: AsyncSession) -> Callable[[], Awaitable[list[Any]]]:
    async def rows() -> list[Any]:
        from sqlalchemy import select

        from backend.notifications.models import Outbox

        await session.commit()
        query = select(Outbox).order_by(Outbox.id).execution_options(populate_existing=True)
        return list((await session.scalars(query)).all())

    return rows


ROOT = Path(__file__).resolve().parents[3]
