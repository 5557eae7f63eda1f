"""Checks against real HTTP and HTTPS servers on 127.0.0.1: thresholds, recovery, slowness,
keywords, certificates, defacement, maintenance windows."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.monitoring.sites import service
from backend.monitoring.sites.models import SiteCheck, SiteIncident, SiteMaintenance
from tests.monitoring.sites.standins import GAMBLING, HACKED, portal


async def _incidents(session, site, kind=None):
    query = (select(SiteIncident).where(SiteIncident.site_id == site.id).order_by(SiteIncident.id)
             .execution_options(populate_existing=True))
    if kind:
        query = query.where(SiteIncident.kind == kind)
    return list((await session.scalars(query)).all())


async def test_a_healthy_site_is_up_with_its_response_time(web, make_site, check):
    web.page("/")
    site = await check(await make_site(web.http_url + "/"))
    assert site.status == "up"
    assert site.response_ms is not None and site.response_ms < 5000
    assert site.last_error is None


async def test_a_site_is_down_only_after_three_failed_checks(web, make_site, check, session):
    web.page("/", status=503, body="Service Unavailable")
    site = await make_site(web.http_url + "/")
    site = await check(site, times=2)
    assert site.status == "unknown" and site.failures == 2
    assert await _incidents(session, site) == []
    site = await check(site)
    assert site.status == "down"
    [incident] = await _incidents(session, site, "down")
    assert incident.closed_at is None and "[STATUS] < 400" in incident.summary


async def test_an_unreachable_site_is_down_with_the_reason(make_site, check):
    from tests.bot.standins import free_port

    site = await check(await make_site(f"http://127.0.0.1:{free_port()}/"), times=3)
    assert site.status == "down"
    assert site.last_error.startswith("connect:")


async def test_a_down_site_recovers_after_two_good_checks_and_the_incident_closes(web, make_site, check, session):
    web.page("/", status=500)
    site = await check(await make_site(web.http_url + "/"), times=3)
    web.page("/")
    site = await check(site)
    assert site.status == "down"
    site = await check(site)
    assert site.status == "up"
    [incident] = await _incidents(session, site, "down")
    assert incident.closed_at is not None and incident.open_key is None
    actions = [e.action for e in incident.events]
    assert actions[0] == "opened" and "resolved" in actions


async def test_one_incident_per_site_and_kind_however_long_it_lasts(web, make_site, check, session):
    web.page("/", status=500)
    site = await check(await make_site(web.http_url + "/"), times=6)
    assert len(await _incidents(session, site, "down")) == 1


async def test_a_slow_site_opens_a_slow_incident_but_stays_up(web, make_site, check, session):
    web.page("/", delay_s=0.4)
    site = await check(await make_site(web.http_url + "/", slow_ms=100), times=3)
    assert site.status == "up"
    [incident] = await _incidents(session, site, "slow")
    assert "ngưỡng 100 ms" in incident.summary


async def test_a_check_that_exceeds_its_timeout_fails(web, make_site, check):
    web.page("/", delay_s=2)
    site = await check(await make_site(web.http_url + "/", timeout_s=0.5))
    assert site.failures == 1 and site.last_error.startswith("timeout")


async def test_a_missing_required_keyword_fails_the_check(web, make_site, check):
    web.page("/", body="<html><body><p>Trang đang xây dựng</p></body></html>")
    site = await check(await make_site(web.http_url + "/", keywords_required=["Đắk Lắk"]))
    assert site.failures == 1 and "thiếu từ khóa «Đắk Lắk»" in site.last_error


async def test_a_condition_on_the_body_decides_the_check(web, make_site, check):
    web.page("/")
    site = await check(await make_site(web.http_url + "/", conditions=["[BODY] contains Sở Y tế"]))
    assert site.failures == 1 and "[BODY] contains Sở Y tế" in site.last_error


async def test_redirects_are_followed_and_recorded(web, make_site, check, session):
    web.page("/old", redirect_to="/")
    web.page("/")
    site = await check(await make_site(web.http_url + "/old"))
    assert site.status == "up"
    row = await session.scalar(select(SiteCheck).where(SiteCheck.site_id == site.id))
    assert row.final_url == web.http_url + "/" and row.redirects[0]["status"] == 302


async def test_https_records_the_certificate_expiry_and_issuer(web, make_site, check, session):
    web.page("/")
    site = await check(await make_site(web.https_url + "/"))
    assert site.status == "up"
    assert site.cert_expires_at - datetime.now(UTC) > timedelta(days=150)
    assert "CA phục vụ các cơ quan Nhà nước" in site.cert_issuer
    assert await _incidents(session, site) == []


async def test_a_certificate_expiring_in_five_days_opens_a_warning(web, make_site, check, session):
    web.page("/")
    site = await check(await make_site(web.https_expiring_url + "/"))
    assert site.status == "up"
    [incident] = await _incidents(session, site, "cert_expiring")
    assert "còn 5 ngày" in incident.summary and incident.evidence["step"] == 7


async def test_the_certificate_condition_fails_the_check_below_its_limit(web, make_site, check):
    web.page("/")
    site = await check(await make_site(web.https_expiring_url + "/", conditions=["[CERTIFICATE_EXPIRATION] > 14d"]))
    assert site.failures == 1 and "[CERTIFICATE_EXPIRATION] > 14d" in site.last_error


async def test_the_next_certificate_step_warns_once_more(web, make_site, check, session):
    web.page("/")
    site = await check(await make_site(web.https_expiring_url + "/"))
    site = await check(site, now=datetime.now(UTC) + timedelta(days=4, hours=12), times=2)
    [incident] = await _incidents(session, site, "cert_expiring")
    assert [e.data["step"] for e in incident.events if e.action == "warning"] == [1]


async def test_an_untrusted_certificate_is_a_failed_check(web, make_site, check, monkeypatch):
    from backend.core.config import get_settings
    from backend.monitoring.sites import probe

    monkeypatch.delenv("SITE_CHECK_CA_BUNDLE")
    get_settings.cache_clear()
    probe._ssl_context.cache_clear()
    web.page("/")
    site = await check(await make_site(web.https_url + "/"))
    assert site.failures == 1 and site.last_error.startswith("tls:")


async def test_a_forbidden_keyword_marks_the_site_defaced_at_once(web, make_site, check, session):
    web.page("/", body=GAMBLING)
    site = await check(await make_site(web.http_url + "/"))
    assert site.status == "defaced"
    [incident] = await _incidents(session, site, "defaced")
    assert incident.evidence["forbidden"] == ["nổ hũ"]


async def test_a_rotated_news_list_after_a_baseline_is_not_a_defacement(web, make_site, check, session):
    web.page("/", body=portal(news_from=0))
    site = await make_site(web.http_url + "/")
    await service.accept_baseline(session=session, site=site, actor="giamsat")
    await session.commit()
    web.page("/", body=portal(news_from=2, day=5, clock="10:10"))
    site = await check(site, times=3)
    assert site.status == "up" and await _incidents(session, site) == []


async def test_a_replaced_page_after_a_baseline_is_a_defacement(web, make_site, check, session):
    web.page("/")
    site = await make_site(web.http_url + "/")
    await service.accept_baseline(session=session, site=site, actor="giamsat")
    await session.commit()
    web.page("/", body=HACKED)
    site = await check(site, times=3)
    assert site.status == "defaced"
    [incident] = await _incidents(session, site, "defaced")
    assert "HACKED BY ANONYMOUS TEAM" in incident.evidence["after"]
    assert "Đắk Lắk là tỉnh thuộc vùng Tây Nguyên" in incident.evidence["before"]


async def test_a_defacement_stays_open_when_the_page_returns_until_staff_close_it(web, make_site, check, session):
    from backend.monitoring.sites import incidents

    web.page("/", body=GAMBLING)
    site = await check(await make_site(web.http_url + "/"))
    web.page("/")
    site = await check(site, times=3)
    assert site.status == "defaced"
    [incident] = await _incidents(session, site, "defaced")
    await incidents.act(session=session, incident=incident, action="resolve", actor="giamsat",
                        note="Đã gỡ mã độc, khôi phục từ bản sao lưu")
    await session.commit()
    site = await service.get_site(session=session, site_id=site.id)
    assert site.status == "up" and incident.closed_at is not None


async def test_accepting_the_new_content_closes_a_defacement_as_a_false_alarm(web, make_site, check, session):
    web.page("/")
    site = await make_site(web.http_url + "/")
    await service.accept_baseline(session=session, site=site, actor="giamsat")
    await session.commit()
    web.page("/", body="<html><body><h1>Giao diện mới của Cổng thông tin</h1><p>Đang cập nhật</p></body></html>")
    site = await check(site, times=3)
    [incident] = await _incidents(session, site, "defaced")
    await service.accept_baseline(session=session, site=site, actor="giamsat", incident=incident)
    await session.commit()
    site = await check(site)
    assert site.status == "up"
    assert [i.closed_at is not None for i in await _incidents(session, site, "defaced")] == [True]


async def _window(session, **kw):
    session.add(SiteMaintenance(**{"active": True, "weekdays": [], "on_holidays": False, **kw}))
    await session.commit()


async def test_no_incident_during_a_one_off_maintenance_window(web, make_site, check, session):
    web.page("/", status=503)
    site = await make_site(web.http_url + "/")
    now = datetime.now(UTC)
    await _window(session, name="Nâng cấp máy chủ", site_id=site.id, starts_at=now - timedelta(hours=1),
                  ends_at=now + timedelta(hours=1))
    site = await check(site, times=4)
    assert site.status == "unknown" and await _incidents(session, site) == []
    rows = (await session.scalars(select(SiteCheck).where(SiteCheck.site_id == site.id))).all()
    assert len(rows) == 4 and all(r.maintenance for r in rows)


async def test_a_recurring_window_on_public_holidays_follows_the_calendar(web, make_site, check, session):
    web.page("/", status=503)
    site = await make_site(web.http_url + "/")
    await _window(session, name="Bảo trì ngày lễ", start_time="08:00", end_time="12:00", on_holidays=True)
    national_day = datetime(2026, 9, 2, 3, 0, tzinfo=UTC)  # 10:00 in Buôn Ma Thuột, Quốc khánh
    site = await check(site, now=national_day, times=3)
    assert await _incidents(session, site) == []
    working_day = datetime(2026, 9, 3, 3, 0, tzinfo=UTC)
    site = await check(site, now=working_day, times=3)
    assert len(await _incidents(session, site, "down")) == 1


async def test_uptime_comes_from_the_daily_rollups(web, make_site, check, session):
    web.page("/")
    site = await make_site(web.http_url + "/")
    await check(site, times=3)
    web.page("/", status=500)
    await check(site)
    [row] = await service.present_many(session=session, sites=[site])
    assert row["uptime_30d"] == 75.0 and row["uptime_7d"] == 75.0


async def test_a_response_slowed_by_the_checkers_own_lag_is_not_counted_as_slow(web, make_site, session):
    from backend.monitoring.sites import checks
    from backend.monitoring.sites.probe import Probe

    site = await make_site(web.http_url + "/", slow_ms=100)
    ctx = await service.context(session=session)
    late = Probe(url=site.url, connected=True, status_code=200, response_ms=300, checker_lag_ms=250, body="")
    await checks.record(session=session, site=site, probe=late, now=datetime.now(UTC), ctx=ctx)
    assert site.slow_count == 0
    slow = Probe(url=site.url, connected=True, status_code=200, response_ms=300, checker_lag_ms=20, body="")
    await checks.record(session=session, site=site, probe=slow, now=datetime.now(UTC), ctx=ctx)
    assert site.slow_count == 1
    stored = (await session.scalars(select(SiteCheck).where(SiteCheck.site_id == site.id)
                                    .order_by(SiteCheck.id))).all()
    assert [c.checker_lag_ms for c in stored] == [250, 20]
