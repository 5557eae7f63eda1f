"""Staff pages of website monitoring: the list, one site (chart data, diff, incidents), the
incidents page, accept-baseline and confirm with CSRF, the monthly report, roles."""

from datetime import timedelta

from sqlalchemy import select

from backend.core.db import utcnow
from backend.monitoring.sites import checks, service
from backend.monitoring.sites import content as page
from backend.monitoring.sites.models import Site, SiteContent, SiteIncident
from backend.monitoring.sites.probe import Probe
from tests.admin.conftest import csrf_of, login
from tests.monitoring.sites.standins import HACKED, portal


def _probe(url: str, body: str, status: int = 200, ms: int = 180) -> Probe:
    return Probe(url=url, connected=True, status_code=status, response_ms=ms, http_version="HTTP/2", ip="10.0.0.8",
                 final_url=url, body=body, content_type="text/html; charset=utf-8",
                 cert_expires_at=utcnow() + timedelta(days=12), cert_issuer="Viettel CA (Viettel-CA SHA-256)")


async def seed_world(site) -> int:
    """A watched portal with a day of checks, an accepted baseline, then a defacement; a second
    site that is down. Recorded through the real `checks.record`."""
    async with site.db() as session:
        portal_site = Site(name="Cổng thông tin điện tử tỉnh Đắk Lắk", url="https://daklak.gov.vn/", status="unknown",
                           conditions=["[STATUS] == 200"], keywords_required=[], keywords_forbidden=[],
                           failures=0, successes=0, slow_count=0, changed_count=0)
        down_site = Site(name="Sở Y tế tỉnh Đắk Lắk", url="https://syt.daklak.gov.vn/", status="unknown",
                         conditions=[], keywords_required=[], keywords_forbidden=[], failures=0, successes=0,
                         slow_count=0, changed_count=0)
        session.add_all([portal_site, down_site])
        await session.flush()
        good = page.extract(portal())
        session.add(SiteContent(site_id=portal_site.id, kind="baseline", text=good.text, structure=good.structure,
                                content_hash=good.hash, accepted_by="giamsat"))
        ctx = await service.context(session=session)
        start = utcnow() - timedelta(hours=6)
        for n in range(12):
            await checks.record(session=session, site=portal_site, probe=_probe(portal_site.url, portal(news_from=n),
                                ms=150 + 20 * n), now=start + timedelta(minutes=30 * n), ctx=ctx)
        for n in range(3):
            await checks.record(session=session, site=portal_site, probe=_probe(portal_site.url, HACKED),
                                now=utcnow() - timedelta(minutes=3 - n), ctx=ctx)
            await checks.record(session=session, site=down_site,
                                probe=Probe(url=down_site.url, error="connect: [Errno 111] Connection refused",
                                            response_ms=3), now=utcnow() - timedelta(minutes=3 - n), ctx=ctx)
        return portal_site.id


async def test_the_sites_list_shows_status_response_uptime_and_certificate(site, site_client):
    await site.user("giamsat", "supervisor")
    await seed_world(site)
    await login(site_client, "giamsat")
    response = await site_client.get("/admin/monitoring/sites")
    assert response.status_code == 200
    text = response.text
    assert "Cổng thông tin điện tử tỉnh Đắk Lắk" in text and "Bị thay đổi giao diện" in text
    assert "Mất kết nối" in text and "còn 11 ngày" in text and "ms" in text
    assert 'id="count-down">1<' in text and 'id="count-defaced">1<' in text


async def test_one_site_shows_the_diff_the_chart_and_the_incident(site, site_client):
    await site.user("giamsat", "supervisor")
    site_id = await seed_world(site)
    await login(site_client, "giamsat")
    text = (await site_client.get(f"/admin/monitoring/sites/{site_id}")).text
    assert "HACKED BY ANONYMOUS TEAM" in text and 'class="d-add"' in text
    assert "Nghi bị tấn công thay đổi giao diện" in text
    assert 'id="rt-chart"' in text and "/static/vendor/echarts/echarts.min.js" in text
    assert "Xác nhận bị tấn công" in text and "Nội dung mới là hợp lệ" in text


async def test_staff_confirm_a_defacement_with_csrf(site, site_client):
    await site.user("giamsat", "supervisor")
    site_id = await seed_world(site)
    await login(site_client, "giamsat")
    async with site.db() as session:
        incident = await session.scalar(select(SiteIncident).where(SiteIncident.kind == "defaced"))
    refused = await site_client.post(f"/admin/monitoring/incidents/{incident.id}/action", data={"action": "confirm"})
    assert refused.status_code in (400, 403)
    token = await csrf_of(site_client, f"/admin/monitoring/sites/{site_id}")
    done = await site_client.post(f"/admin/monitoring/incidents/{incident.id}/action",
                                  data={"csrf_token": token, "action": "confirm", "note": "Đã báo Công an tỉnh"})
    assert done.status_code == 303
    async with site.db() as session:
        incident = await session.get(SiteIncident, incident.id)
        assert incident.confirmed and incident.closed_at is None


async def test_accepting_the_new_content_closes_the_defacement(site, site_client):
    await site.user("giamsat", "supervisor")
    site_id = await seed_world(site)
    await login(site_client, "giamsat")
    async with site.db() as session:
        incident = await session.scalar(select(SiteIncident).where(SiteIncident.kind == "defaced"))
    token = await csrf_of(site_client, f"/admin/monitoring/sites/{site_id}")
    done = await site_client.post(f"/admin/monitoring/sites/{site_id}/baseline",
                                  data={"csrf_token": token, "incident": str(incident.id)})
    assert done.status_code == 303
    async with site.db() as session:
        incident = await session.get(SiteIncident, incident.id)
        portal_site = await session.get(Site, site_id)
        assert incident.closed_at is not None and portal_site.status == "up"


async def test_the_incidents_page_lists_open_incidents(site, site_client):
    await site.user("giamsat", "supervisor")
    await seed_world(site)
    await login(site_client, "giamsat")
    text = (await site_client.get("/admin/monitoring/incidents")).text
    assert "Website không truy cập được" in text and "Nghi bị tấn công thay đổi giao diện" in text
    assert "Chưa tiếp nhận" in text


async def test_the_monthly_report_downloads_as_excel(site, site_client):
    await site.user("giamsat", "supervisor")
    await seed_world(site)
    await login(site_client, "giamsat")
    month = utcnow().strftime("%Y-%m")
    response = await site_client.get(f"/admin/monitoring/report.xlsx?month={month}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert (await site_client.get("/admin/monitoring/report.csv?month=tháng-mười")).status_code == 422


async def test_hotline_staff_cannot_open_the_monitoring_pages(site, site_client):
    await site.user("tongdai", "hotline")
    await login(site_client, "tongdai")
    response = await site_client.get("/admin/monitoring/sites")
    assert response.status_code == 403 and "giám sát" in response.text
