"""The report page tells staff how far each message got (đã gửi / đã nhận / đã xem, and by which
Zalo route) and when nothing can reach the reporter."""

from sqlalchemy import select

from backend.citizens import service as citizens_service
from backend.core.db import utcnow
from backend.notifications.models import Outbox, Receipt
from backend.reports import questions
from backend.reports.models import Report
from tests.admin.conftest import login


async def _sent(site, code: str, kind: str, route: str, status: str) -> None:
    async with site.db() as session:
        report = await session.scalar(select(Report).where(Report.code == code))
        citizen = await citizens_service.get_or_create(session=session, channel="zalo", external_id="z-page")
        row = Outbox(report_id=report.id, citizen_id=citizen.id, channel="zalo", recipient="z-page", kind=kind,
                     payload={"code": code}, status="sent", attempts=1, sent_at=utcnow())
        session.add(row)
        await session.flush()
        session.add(Receipt(outbox_id=row.id, report_id=report.id, channel="zalo", message_id=f"m-{kind}",
                            route=route, status=status, sent_at=utcnow()))


async def test_the_page_shows_received_and_seen_with_the_route(site, site_client):
    await site.user("giamsat", "supervisor")
    code = await site.report()
    await _sent(site, code, "assigned", "cs", "seen")
    await _sent(site, code, "resolved", "transaction", "received")
    await login(site_client, "giamsat")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert 'data-receipt="seen">đã xem' in page and 'data-receipt="received">đã nhận' in page
    assert "tin giao dịch" in page and "tin tư vấn" in page


async def test_the_page_says_when_nothing_reaches_the_reporter(site, site_client):
    await site.user("giamsat", "supervisor")
    code = await site.report()
    async with site.db() as session:
        report = await session.scalar(select(Report).where(Report.code == code))
        await questions.open_callback(session=session, report=report, reason="unreachable",
                                      note="Không nhắn được tin 'resolved' qua zalo")
    await login(site_client, "giamsat")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert 'id="unreachable"' in page and "Không nhắn tin được cho người dân" in page
    assert "Việc gọi lại của tổng đài" in page
