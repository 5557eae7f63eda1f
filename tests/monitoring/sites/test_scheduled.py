"""The site-checks job: off unless enabled, a first sweep of every site (the next checks spread
over each interval), then each site at its own interval; `phananh jobs run site-checks` checks
every site once, now; pruning keeps the rollups."""

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.monitoring.sites import scheduled, service
from backend.monitoring.sites.models import SiteDaily


async def test_the_job_does_nothing_unless_checks_are_enabled(web, make_site, check_count, monkeypatch):
    monkeypatch.delenv("SITE_CHECKS_ENABLED", raising=False)
    get_settings.cache_clear()
    web.page("/")
    site = await make_site(web.http_url + "/")
    assert "skipped" in await scheduled.site_checks()
    assert await check_count(site) == 0


async def test_the_first_run_checks_every_site_then_each_at_its_interval(checks_on, web, make_site, check_count):
    web.page("/a")
    web.page("/b")
    fast = await make_site(web.http_url + "/a", name="Nhanh", interval_s=60)
    slow = await make_site(web.http_url + "/b", name="Chậm", interval_s=86400)
    now = utcnow()
    first = await scheduled.site_checks(now=now)
    assert first["sweep"] is True and first["checked"] == 2
    assert (await scheduled.site_checks(now=now))["checked"] == 0  # both booked ahead
    later = await scheduled.site_checks(now=now + timedelta(seconds=61))
    assert later["checked"] == 1
    assert await check_count(fast) == 2 and await check_count(slow) == 1


async def test_a_disabled_site_is_not_checked(checks_on, web, make_site, check_count):
    web.page("/")
    site = await make_site(web.http_url + "/", enabled=False)
    assert (await scheduled.site_checks())["checked"] == 0
    assert await check_count(site) == 0


async def test_the_cli_checks_every_site_once_now(web, make_site, session, db_url, check_count):
    web.page("/")
    site = await make_site(web.http_url + "/")
    await session.commit()
    env = {**os.environ, "DATABASE_URL": db_url, "SITE_CHECKS_ENABLED": "true"}
    phananh = str(Path(sys.executable).parent / "phananh")
    process = await asyncio.create_subprocess_exec(phananh, "jobs", "run", "site-checks", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, out.decode()
    assert "'checked': 1" in out.decode()
    assert await check_count(site) == 1


async def test_pruning_drops_old_results_and_keeps_the_rollups(web, make_site, check, session, check_count):
    web.page("/")
    site = await make_site(web.http_url + "/")
    await check(site, now=utcnow() - timedelta(days=40))
    await check(site)
    deleted = await service.prune_results(session=session, now=utcnow())
    await session.commit()
    assert deleted == 1 and await check_count(site) == 1
    days = await session.scalar(select(func.count(SiteDaily.id)).where(SiteDaily.site_id == site.id))
    assert days == 2


async def test_sites_that_missed_their_turn_go_back_to_their_own_phase(web, make_site, session):
    web.page("/")
    now = utcnow().replace(microsecond=0)
    sites = [await make_site(web.http_url + f"/{n}", name=f"Website {n}", interval_s=60) for n in range(2)]
    for site, phase_s in zip(sites, (37, 51), strict=True):
        site.next_check_at = now - timedelta(minutes=10) + timedelta(seconds=phase_s)  # the checker stopped
    await session.commit()
    assert await service.due_sites(session=session, now=now, every=False) == [s.id for s in sites]
    await session.commit()
    booked = [(await service.get_site(session=session, site_id=s.id)).next_check_at for s in sites]
    assert [b - now for b in booked] == [timedelta(seconds=37), timedelta(seconds=51)]


async def test_a_site_whose_turn_came_during_its_sweep_check_is_not_checked_twice(web, make_site, session):
    web.page("/")
    now = utcnow().replace(microsecond=0)
    site = await make_site(web.http_url + "/", interval_s=60)
    site.last_checked_at, site.next_check_at = now - timedelta(seconds=3), now - timedelta(seconds=5)
    await session.commit()
    assert await service.due_sites(session=session, now=now, every=False) == []
    await session.commit()
    assert (await service.get_site(session=session, site_id=site.id)).next_check_at == now + timedelta(seconds=55)
