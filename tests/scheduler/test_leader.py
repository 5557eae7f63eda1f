"""Leader lock: of two scheduler instances only the lease holder runs jobs."""

from datetime import timedelta

from backend import scheduler
from backend.core.db import utcnow


async def test_only_one_of_two_instances_holds_the_lease(site):
    now = utcnow()
    assert await scheduler.acquire_lease("a", now=now) is True
    assert await scheduler.acquire_lease("b", now=now) is False
    assert await scheduler.acquire_lease("a", now=now + timedelta(seconds=30)) is True  # renewal


async def test_the_other_instance_takes_over_when_the_lease_expires(site):
    now = utcnow()
    assert await scheduler.acquire_lease("a", now=now)
    later = now + timedelta(seconds=scheduler.LEASE_SECONDS + 1)
    assert await scheduler.acquire_lease("b", now=later) is True
    assert await scheduler.acquire_lease("a", now=later) is False


async def test_only_the_leader_runs_jobs(site):
    first, second = scheduler.Runner("first"), scheduler.Runner("second")
    assert await first.renew() is True
    assert await second.renew() is False
    code = await site.report()
    from sqlalchemy import update

    from backend.reports.models import Report

    async with site.db() as session:
        await session.execute(update(Report).where(Report.code == code).values(due_at=utcnow() - timedelta(hours=1)))
    assert await second.run_if_leader("deadline-watch") is None
    assert (await first.run_if_leader("deadline-watch"))["escalated"] == 1


async def test_a_released_lease_is_free_for_the_next_instance(site):
    assert await scheduler.acquire_lease("a")
    await scheduler.release_lease("a")
    assert await scheduler.acquire_lease("b")


async def test_the_web_app_runs_the_scheduler_in_process_when_enabled(site, monkeypatch):
    import asyncio
    from types import SimpleNamespace

    from backend.core.config import get_settings

    monkeypatch.setenv("SCHEDULER_ENABLED", "true")
    get_settings.cache_clear()
    app = SimpleNamespace(state=SimpleNamespace())
    async with scheduler.lifespan_hook(app):
        for _ in range(50):
            if app.state.scheduler.leader:
                break
            await asyncio.sleep(0.05)
        assert app.state.scheduler.leader
    assert not app.state.scheduler.scheduler.running


async def test_the_web_app_leaves_the_jobs_to_phananh_scheduler_when_disabled(site, monkeypatch):
    from types import SimpleNamespace

    from backend.core.config import get_settings

    monkeypatch.setenv("SCHEDULER_ENABLED", "false")
    get_settings.cache_clear()
    app = SimpleNamespace(state=SimpleNamespace())
    async with scheduler.lifespan_hook(app):
        assert not hasattr(app.state, "scheduler")


async def test_the_lease_works_on_postgresql(site, pg_server, monkeypatch):
    """The conditional UPDATE / INSERT race is the part that differs by database."""
    from backend.core import db
    from backend.core.config import get_settings
    from backend.core.migrate import upgrade

    url = pg_server.createdb("lease_test")
    await upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    await db.dispose_engine()
    now = utcnow()
    assert await scheduler.acquire_lease("a", now=now)
    assert not await scheduler.acquire_lease("b", now=now)
    assert await scheduler.acquire_lease("b", now=now + timedelta(seconds=scheduler.LEASE_SECONDS + 1))
    await db.dispose_engine()
