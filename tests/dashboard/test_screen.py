"""/admin/ioc in headless Chromium against a live server: tiles, the map, the charts, a new
report arriving over the event stream without a reload; no outside request, no console error.
The screenshot goes to docs/screenshots/ioc.png."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.dashboard import service as dashboard_service
from backend.reports.models import Report
from tests.admin.conftest import PASSWORD, browser_login

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "ioc.png"
PLACES = [(12.6647, 108.097), (12.7203, 108.11), (12.64, 108.07), (12.68, 108.11), (12.725, 108.12)]
TEXTS = ["Quán bày bàn ghế chiếm hết vỉa hè", "Băng rôn quảng cáo treo trái phép trên cột điện",
         "Người bán hàng rong tụ tập chắn lối đi", "Nhà đang xây không có giấy phép lấn ra đường",
         "Nước thải từ quán ăn chảy tràn ra đường", "Rác thải chất đống ở đầu hẻm bốc mùi"]
CATEGORIES = ["encroachment", "illegal_ads", "street_vending", "unpermitted_construction", "wastewater", "littering"]


def _fill(site) -> None:
    rng = random.Random(7)
    for i in range(18):
        lat, lon = PLACES[i % len(PLACES)]
        site.run(site.report(description=f"{TEXTS[i % len(TEXTS)]} số {i + 1}", latitude=lat + rng.uniform(-.01, .01),
                             longitude=lon + rng.uniform(-.01, .01), category=CATEGORIES[i % len(CATEGORIES)]))

    async def spread_and_roll() -> None:
        async with site.db() as session:
            now = utcnow()
            ids = (await session.scalars(select(Report.id).order_by(Report.id))).all()
            for n, rid in enumerate(ids):
                values = {"created_at": now - timedelta(days=rng.randint(0, 80), hours=1)}
                if n % 3 == 0:
                    values.update(status="resolved", resolved_at=now - timedelta(hours=rng.randint(1, 40)))
                await session.execute(update(Report).where(Report.id == rid).values(**values))
        async with site.db() as session:
            today = dashboard_service.local_day(utcnow())
            for back in range(90):
                await dashboard_service.rollup_day(session=session, day=today - timedelta(days=back))
    site.run(spread_and_roll())

    async def cameras() -> None:
        from backend.cameras import service as camera_service
        from backend.cameras.models import Camera
        from backend.cameras.schemas import CameraCreate

        async with site.db() as session:
            for i, status in enumerate(["online", "online", "offline"]):
                camera = await camera_service.save_camera(session=session, camera_in=CameraCreate(
                    code=f"nga-tu-{i}", name=f"Ngã tư {i + 1}", latitude=12.66 + i / 100, longitude=108.05 + i / 100))
                await session.execute(update(Camera).where(Camera.id == camera.id).values(status=status))
    site.run(cameras())


@pytest.mark.browser
def test_the_screen_shows_tiles_map_and_charts_and_a_new_report_arrives_live(page, site_live):
    site = site_live.site
    site.run(site.user("giamsat", "supervisor"))
    _fill(site)
    browser_login(page, site_live, "giamsat")
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", None)
            and not r.url.startswith("data:") else None)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)  # named in a failure
    page.goto(f"{site_live.url}/admin/ioc")
    try:
        page.wait_for_selector("#ioc-map[data-ready='1']", state="attached")
    except Exception:
        pytest.fail(f"the screen did not load: {errors} {missing} {page.locator('#ioc-map').inner_text()[:300]}")
    assert page.locator("#ioc-map .leaflet-interactive, #ioc-map .marker-cluster").count() > 0
    for chart in ("daily", "category", "ward", "satisfaction"):
        assert page.locator(f"#chart-{chart} canvas").count() == 1, chart
    assert page.locator("[data-k='reports.open']").inner_text().strip() != "—"
    assert "2 / 1" in page.locator("#ioc-tiles").inner_text()  # cameras online / offline
    assert page.locator("#ioc-map .camera-marker").count() == 3
    page.wait_for_selector("#ioc-live[data-state='live']")
    code = site.run(site.report(description="Sụt lún mặt đường ngay trước cổng trường học", category="wastewater"))
    page.wait_for_selector(f"#ioc-feed a:has-text('{code}')", timeout=20_000)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert not errors, (errors, missing)
    assert not outside, outside


def test_the_event_stream_delivers_a_new_report(site_live):
    site = site_live.site
    site.run(site.user("giamsat2", "supervisor"))
    with httpx.Client(base_url=site_live.url, timeout=30) as client:
        token = client.post("/api/v1/auth/token", data={"username": "giamsat2", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": "text/event-stream"}
        with client.stream("GET", "/api/v1/dashboard/stream", headers=headers) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            lines = resp.iter_lines()
            for line in lines:
                if line.startswith("event: hello"):
                    break
            code = site.run(site.report(description="Nắp hố ga bị mất trên đường Hùng Vương"))
            event = None
            for line in lines:
                if line.startswith("event: "):
                    event = line[7:]
                if event == "report" and line.startswith("data: ") and code in line:
                    break
            else:
                pytest.fail("the stream ended without the new report")
