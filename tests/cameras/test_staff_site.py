"""The staff site's camera pages over HTTP: the queue, confirm and dismiss forms (CSRF), the
camera page with its flow, the rules with their false-alarm rates."""

from __future__ import annotations

import html
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend.cameras.models import CameraEvent
from backend.reports.models import Report
from tests.admin.conftest import CSRF_RE
from tests.cameras.conftest import NGA_SAU

PASSWORD = "secret123"


async def _login(app_client, username: str) -> str:
    page = await app_client.get("/admin/login")
    token = CSRF_RE.search(page.text).group(1)
    resp = await app_client.post("/admin/login", data={"username": username, "password": PASSWORD,
                                                       "csrf_token": token, "next": "/admin/"})
    assert resp.status_code == 303, resp.text
    return token


async def _csrf(app_client, path: str) -> str:
    return CSRF_RE.search((await app_client.get(path)).text).group(1)


async def test_the_queue_shows_each_candidate_with_its_snapshot_rule_and_suggestion(app_client, make_user,
                                                                                    candidate):
    user = await make_user("supervisor")
    event_id = await candidate()
    await _login(app_client, user.username)
    page = await app_client.get("/admin/cameras/queue")
    assert page.status_code == 200
    assert f'src="/admin/cameras/events/{event_id}/snapshot"' in page.text
    for text in ("Ô tô đỗ trên vỉa hè quá 10 phút", "Ngã Sáu Ban Mê", "vỉa hè quanh vòng xoay",
                 "Lấn chiếm lòng lề đường, vỉa hè", "Phường Buôn Ma Thuột"):
        assert text in page.text
    image = await app_client.get(f"/admin/cameras/events/{event_id}/snapshot")
    assert image.headers["content-type"] == "image/jpeg"


async def test_confirming_on_the_staff_site_files_the_report_with_the_chosen_category(
        app_client, make_user, candidate, cameras):
    user = await make_user("supervisor")
    event_id = await candidate()
    await _login(app_client, user.username)
    token = await _csrf(app_client, "/admin/cameras/queue")
    resp = await app_client.post(f"/admin/cameras/events/{event_id}/confirm", data={
        "csrf_token": token, "category": "street_vending", "note": "Xe đẩy bán hàng"})
    assert resp.status_code == 303 and "msg=" in resp.headers["location"]
    report = await cameras.scalar(select(Report))
    assert report.channel == "camera"
    assert report.description.endswith("Xe đẩy bán hàng")
    assert await cameras.scalar(select(CameraEvent.status).where(CameraEvent.id == event_id)) == "confirmed"


async def test_a_form_without_its_csrf_token_is_refused(app_client, make_user, candidate, cameras):
    user = await make_user("supervisor")
    event_id = await candidate()
    await _login(app_client, user.username)
    resp = await app_client.post(f"/admin/cameras/events/{event_id}/dismiss", data={"reason": "Báo nhầm"})
    assert resp.status_code == 403
    assert "Phiên biểu mẫu không hợp lệ" in resp.text
    assert await cameras.scalar(select(CameraEvent.status).where(CameraEvent.id == event_id)) == "pending"


async def test_dismissing_on_the_staff_site_shows_on_the_rules_page(app_client, make_user, candidate):
    user = await make_user("supervisor")
    event_id = await candidate()
    await _login(app_client, user.username)
    token = await _csrf(app_client, "/admin/cameras/queue")
    resp = await app_client.post(f"/admin/cameras/events/{event_id}/dismiss", data={
        "csrf_token": token, "reason": "Phát hiện sai đối tượng", "reason_text": ""})
    assert resp.status_code == 303
    rules = await app_client.get("/admin/cameras/rules")
    row = rules.text.split('data-rule="o-to-do-via-he"')[1].split("</tr>")[0]
    assert "100%" in row


async def test_the_camera_page_shows_its_events_and_flow_by_interval_and_direction(app_client, make_user, candidate):
    from backend.cameras import traffic
    from backend.cameras.schemas import TrafficCountsIn
    from backend.core.db import get_sessionmaker, utcnow

    user = await make_user("supervisor")
    await candidate()
    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    async with get_sessionmaker()() as s:
        for direction in ("le_duan", "phan_chu_trinh"):
            await traffic.record(session=s, counts_in=TrafficCountsIn(
                direction=direction, interval_start=start, interval_minutes=15, counts={"motorbike": 800}),
                camera_code=NGA_SAU)
        await s.commit()
    await _login(app_client, user.username)
    local_day = start.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    page = await app_client.get(f"/admin/cameras/{NGA_SAU}?day={local_day}")
    assert page.status_code == 200
    assert 'id="flow-chart"' in page.text and "/static/vendor/echarts/echarts.min.js" in page.text
    chart = html.unescape(page.text)  # the chart's data rides in the element's data-chart attribute
    assert '"le_duan"' in chart and '"phan_chu_trinh"' in chart
    assert "Chờ xác minh" in page.text
    assert (await app_client.get(f"/admin/cameras/{NGA_SAU}?day=hom-qua")).status_code == 422
    assert (await app_client.get("/admin/cameras/khong_co")).status_code == 404


async def test_officers_do_not_see_the_camera_pages(app_client, make_user, cameras):
    user = await make_user("officer", agency_code="UBND-24133")
    await _login(app_client, user.username)
    resp = await app_client.get("/admin/cameras/queue")
    assert resp.status_code == 403
    assert "không có quyền" in resp.text
