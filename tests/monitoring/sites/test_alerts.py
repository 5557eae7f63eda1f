"""Alerts to staff through the durable outbox: once on open, once on close, reminders at the
configured interval, one summary for a burst, never a storm."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.db import utcnow
from backend.monitoring.sites import scheduled
from backend.monitoring.sites.models import SiteIncident
from backend.staff import service as staff_service
from tests.monitoring.sites.standins import GAMBLING


@pytest.fixture
async def on_call(session, make_user):
    """An IOC supervisor on Telegram and an officer of Sở Xây dựng on Zalo and e-mail."""
    await make_user("supervisor", username="giamsat")
    await make_user("officer", agency_code="SXD", username="canbo_sxd")
    await staff_service.set_contacts(session=session, username="giamsat", telegram_chat_id="100200300")
    await staff_service.set_contacts(session=session, username="canbo_sxd", zalo_user_id="8421000000001",
                                     email="canbo@sxd.daklak.gov.vn")
    await session.commit()


def _site_alerts(rows):
    return [r for r in rows if r.kind == "staff_alert" and r.payload["alert"].startswith("site_incident")]


async def test_an_outage_alerts_the_ioc_and_the_owner_agency_once(on_call, web, make_site, check, outbox_rows):
    web.page("/", status=502)
    site = await make_site(web.http_url + "/", name="Sở Xây dựng tỉnh Đắk Lắk", agency="SXD")
    await check(site, times=6)
    rows = _site_alerts(await outbox_rows())
    assert sorted((r.channel, r.recipient) for r in rows) == [
        ("email", "canbo@sxd.daklak.gov.vn"), ("telegram", "100200300"), ("zalo", "8421000000001")]
    assert all(r.payload["alert"] == "site_incident_opened" for r in rows)
    assert "Website không truy cập được: Sở Xây dựng tỉnh Đắk Lắk" in rows[0].payload["text"]


async def test_recovery_sends_one_closing_alert(on_call, web, make_site, check, outbox_rows):
    web.page("/", status=502)
    site = await make_site(web.http_url + "/", agency="SXD")
    await check(site, times=3)
    web.page("/")
    await check(site, times=4)
    kinds = [r.payload["alert"] for r in _site_alerts(await outbox_rows())]
    assert kinds.count("site_incident_opened") == 3 and kinds.count("site_incident_closed") == 3


async def test_a_site_without_agency_alerts_the_ioc_only(on_call, web, make_site, check, outbox_rows):
    web.page("/", body=GAMBLING)
    await check(await make_site(web.http_url + "/"))
    rows = _site_alerts(await outbox_rows())
    assert [(r.channel, r.recipient) for r in rows] == [("telegram", "100200300")]
    assert "Nghi bị tấn công thay đổi giao diện" in rows[0].payload["text"]


async def test_the_timeline_says_who_was_told(on_call, web, make_site, check, session):
    web.page("/", status=500)
    site = await check(await make_site(web.http_url + "/", agency="SXD"), times=3)
    incident = await session.scalar(select(SiteIncident).where(SiteIncident.site_id == site.id)
                                    .execution_options(populate_existing=True))
    [notified] = [e for e in incident.events if e.action == "notified"]
    assert notified.data == {"step": "opened", "messages": 3}


async def test_an_unacknowledged_incident_is_reminded_at_the_interval_only(on_call, web, make_site, check,
                                                                          outbox_rows, session):
    web.page("/", status=500)
    await check(await make_site(web.http_url + "/"), times=3)
    await session.commit()
    assert (await scheduled.site_incident_reminders(now=utcnow() + timedelta(minutes=30)))["reminded"] == 0
    assert (await scheduled.site_incident_reminders(now=utcnow() + timedelta(hours=4, minutes=1)))["reminded"] == 1
    assert (await scheduled.site_incident_reminders(now=utcnow() + timedelta(hours=4, minutes=2)))["reminded"] == 0
    kinds = [r.payload["alert"] for r in _site_alerts(await outbox_rows())]
    assert kinds == ["site_incident_opened", "site_incident_reminder-1"]


async def test_an_acknowledged_incident_is_not_reminded(on_call, web, make_site, check, session):
    from backend.monitoring.sites import incidents

    web.page("/", status=500)
    site = await check(await make_site(web.http_url + "/"), times=3)
    incident = await session.scalar(select(SiteIncident).where(SiteIncident.site_id == site.id))
    await incidents.act(session=session, incident=incident, action="acknowledge", actor="giamsat")
    await session.commit()
    assert (await scheduled.site_incident_reminders(now=utcnow() + timedelta(days=1)))["reminded"] == 0


async def test_many_outages_in_one_round_are_one_summary(on_call, web, make_site, outbox_rows, monkeypatch):
    from backend.core.config import get_settings
    from backend.monitoring.sites import service

    monkeypatch.setenv("SITE_ALERT_BURST", "3")
    get_settings.cache_clear()
    ids = []
    for n in range(5):
        web.page(f"/s{n}", status=503)
        ids.append((await make_site(web.http_url + f"/s{n}", name=f"Website {n}")).id)
    for _ in range(3):
        await service.run_round(ids)
    rows = _site_alerts(await outbox_rows())
    assert [r.payload["alert"] for r in rows] == ["site_incident_burst"]
    assert rows[0].payload["text"].startswith("⚠️ 5 sự cố website cùng lúc")
