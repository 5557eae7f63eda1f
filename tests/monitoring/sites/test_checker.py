"""The site checker process's loop: it checks the due sites while it holds the `site-checker`
lease (a second checker stands by), the web process and the scheduler leave the checks to it,
and a page that did not change since the last check is not parsed again."""

import pytest
from sqlalchemy import func, select

from backend.core.config import get_settings
from backend.monitoring.sites import analysis, checker, scheduled
from backend.monitoring.sites.models import SiteCheck


@pytest.fixture
def checks_on(monkeypatch):
    monkeypatch.setenv("SITE_CHECKS_ENABLED", "true")
    monkeypatch.setattr(scheduled, "_swept", False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def _count(session, site_id):
    await session.commit()
    return await session.scalar(select(func.count(SiteCheck.id)).where(SiteCheck.site_id == site_id))


async def test_the_scheduler_leaves_the_checks_to_the_checker_process(checks_on, web, make_site, session,
                                                                      monkeypatch):
    web.page("/")
    site = await make_site(web.http_url + "/")
    monkeypatch.setattr(checker, "_left_to_checker", True)
    assert "skipped" in await scheduled.site_checks()
    monkeypatch.setenv("SITE_CHECKER", "scheduler")
    get_settings.cache_clear()
    assert (await scheduled.site_checks())["checked"] == 1
    assert await _count(session, site.id) == 1


async def test_the_checker_checks_the_due_sites_while_it_holds_the_lease(checks_on, web, make_site, session):
    web.page("/")
    site = await make_site(web.http_url + "/")
    await session.commit()
    first = checker.Checker(holder="checker-a")
    assert await first.renew() is True
    assert (await first.round())["checked"] == 1  # the first round sweeps every site
    assert (await first.round())["checked"] == 0  # then each at its interval
    assert await _count(session, site.id) == 1


async def test_a_second_checker_stands_by_while_the_first_leads(session):
    await session.commit()
    first, second = checker.Checker(holder="checker-a"), checker.Checker(holder="checker-b")
    assert await first.renew() is True
    assert await second.renew() is False
    await checker.release_lease(checker.LEASE_NAME, first.holder)  # a clean stop gives it up at once
    assert await second.renew() is True


async def test_an_unchanged_page_is_not_parsed_again(web, make_site, check):
    web.page("/", body="<html><body><h1>Cổng thông tin điện tử tỉnh Đắk Lắk</h1><p>Tin tức</p></body></html>")
    site = await make_site(web.http_url + "/")
    analysis.forget()
    parsed = analysis.stats["parsed"]
    await check(site, times=2)
    assert analysis.stats["parsed"] == parsed + 1
    web.page("/", body="<html><body><h1>Cổng thông tin điện tử tỉnh Đắk Lắk</h1><p>Tin mới</p></body></html>")
    await check(site)
    assert analysis.stats["parsed"] == parsed + 2
