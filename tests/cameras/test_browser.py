"""The verification queue in a real headless Chromium against `phananh serve`: candidates come
in through the signed webhook, an operator confirms one (another category, a note) and
dismisses another. The queue's screenshot goes to docs/screenshots/cameras-queue.png."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from pathlib import Path

import httpx
import pytest

from tests.admin.conftest import browser, browser_login  # noqa: F401 (browser: the module's Chromium)

pytestmark = pytest.mark.browser
SECRET = "browser-test-secret"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _scene(color: tuple[int, int, int], label: str) -> bytes:
    """A recognisable snapshot: a street-coloured frame with a box where the object is."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 480), (96, 104, 112))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 330, 640, 480], fill=(170, 165, 150))  # the sidewalk
    draw.rectangle([220, 250, 430, 400], outline=(255, 210, 0), width=5)
    draw.rectangle([235, 265, 415, 385], fill=color)
    draw.text((230, 230), label, fill=(255, 210, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _webhook(url: str, **event: object) -> None:
    raw = json.dumps(event).encode()
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    resp = httpx.post(f"{url}/webhooks/camera", content=raw, timeout=20,
                      headers={"X-Signature": f"sha256={sig}", "Content-Type": "application/json"})
    assert resp.status_code == 200 and resp.json()["candidate"], resp.text


@pytest.fixture
def page(browser):  # noqa: F811 (the fixture imported above)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def test_an_operator_confirms_and_dismisses_camera_candidates_in_the_browser(page, live_app_factory):
    app = live_app_factory(env={"CAMERA_WEBHOOK_SECRET": SECRET}, demo=True)
    shots = [("nga_sau", "car", "via_he", "onvif-1", (30, 60, 160), "2026-11-30T08:05:00+07:00", 0.93),
             ("cho_bmt", "motorcycle", "via_he", "onvif-2", (160, 30, 30), "2026-11-30T09:10:00+07:00", 0.88),
             ("le_duan_bao_tang", "truck", "via_he", "onvif-3", (40, 140, 60), "2026-11-30T10:30:00+07:00", 0.81)]
    for camera, label, zone, eid, color, start, score in shots:
        _webhook(app.url, camera=camera, event_id=eid, label=label, zone=zone, score=score, start_time=start,
                 end_time=start.replace("T08:05", "T08:25").replace("T09:10", "T09:35").replace("T10:30", "T10:45"),
                 snapshot_b64=base64.b64encode(_scene(color, label)).decode())
    browser_login(page, app, "admin", "demo1234")
    page.click("nav a:has-text('Camera')")
    page.click("a.chip:has-text('Chờ xác minh')")
    page.wait_for_selector("article.candidate")
    assert page.locator("article.candidate").count() == 3
    # Polled from here: wait_for_function's in-page polling evaluates a string, which the CSP refuses.
    loaded = ("[...document.querySelectorAll('article.candidate img')]"
              ".every(i => i.complete && i.naturalWidth === 640)")
    for _ in range(100):
        if page.evaluate(loaded):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(loaded), "the snapshots did not load"
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "cameras-queue.png"), full_page=True)

    first = page.locator("article.candidate").filter(has_text="Chợ Buôn Ma Thuột")
    first.locator("select[name=category]").select_option("street_vending")
    first.locator("textarea[name=note]").fill("Xe máy của tiểu thương đỗ tràn vỉa hè cổng chợ")
    first.locator("button:has-text('Xác nhận, tạo phản ánh')").click()
    page.wait_for_selector(".flash.ok:has-text('Đã tạo phản ánh PA-')")
    code = page.locator(".flash.ok").inner_text().split()[-1]

    other = page.locator("article.candidate").filter(has_text="Lê Duẩn")
    other.locator("summary:has-text('Báo nhầm')").click()
    other.locator("select[name=reason]").select_option(index=1)
    other.locator("button:has-text('Ghi nhận báo nhầm')").click()
    page.wait_for_selector(".flash.ok:has-text('Đã ghi nhận báo nhầm')")
    assert page.locator("article.candidate").count() == 1

    page.goto(f"{app.url}/admin/reports/{code}")
    assert page.locator("text=Camera giám sát").first.is_visible()
    assert page.locator("img").count() >= 1
    page.goto(f"{app.url}/admin/cameras/rules")
    row = page.locator("tr[data-rule='o-to-do-via-he'] td.far")
    assert row.inner_text().strip() == "100%"


def test_an_admin_edits_a_cameras_zones_and_capacities_in_the_browser(page, live_app_factory):
    app = live_app_factory(demo=True)
    browser_login(page, app, "admin", "demo1234")
    page.goto(f"{app.url}/admin/cameras/nga_sau")
    assert "TCVN 4054:2005" in page.locator("#pcu-factors").inner_text()
    page.click("summary:has-text('Sửa vùng và năng lực thông hành')")
    form = page.locator("#layout form")
    row = form.locator("tr", has=page.locator("input[name=approach][value=le_duan]"))
    row.locator("input[name=capacity]").fill("1.200")
    form.locator("input[name=zone_code][value='']").first.fill("bai_do_xe")
    form.locator("input[name=zone_label]").nth(2).fill("bãi đỗ xe quanh tượng đài")
    form.locator("button:has-text('Lưu vùng và năng lực')").click()
    page.wait_for_selector(".flash.ok:has-text('Đã lưu vùng và năng lực thông hành')")
    assert "le_duan: 1.200 xe quy đổi/giờ" in page.locator("#capacities").inner_text()
    assert "bãi đỗ xe quanh tượng đài" in page.locator("dl.facts").inner_text()

    page.click("summary:has-text('Sửa vùng và năng lực thông hành')")
    row = page.locator("#layout form tr", has=page.locator("input[name=approach][value=le_duan]"))
    row.locator("input[name=capacity]").fill("0")
    page.locator("#layout button:has-text('Lưu vùng và năng lực')").click()
    page.wait_for_selector("#layout[open] .flash.err")
    assert "phải lớn hơn 0" in page.locator("#layout .flash.err").inner_text()
    assert "le_duan: 1.200" in page.locator("#capacities").inner_text()  # nothing changed
