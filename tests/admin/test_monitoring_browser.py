"""The website-monitoring pages in a real headless Chromium: the list, one site with its
response-time chart and diff, confirming a defacement. Screenshots to docs/screenshots/."""

import re
from pathlib import Path

import pytest

from tests.admin.conftest import browser_login
from tests.admin.test_monitoring import seed_world

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_staff_see_the_sites_and_confirm_a_defacement(page, site_live):
    site = site_live.site
    site.run(site.user("giamsat", "supervisor"))
    site_id = site.run(seed_world(site))
    browser_login(page, site_live, "giamsat")
    page.click("nav.nav >> text=Giám sát website")
    page.wait_for_url(f"{site_live.url}/admin/monitoring/sites")
    assert page.locator("#sites tbody tr").count() == 2
    assert page.locator("#count-defaced").inner_text() == "1"
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "monitoring-sites.png"), full_page=True)

    page.click("text=Cổng thông tin điện tử tỉnh Đắk Lắk")
    page.wait_for_url(f"{site_live.url}/admin/monitoring/sites/{site_id}")
    page.wait_for_selector("#rt-chart svg")  # ECharts drew the response times
    assert page.locator("#diff .d-add", has_text=re.compile("^. HACKED BY ANONYMOUS TEAM$")).count() == 1
    page.screenshot(path=str(DOCS / "monitoring-site.png"), full_page=True)

    page.click("#defacement button[value=confirm]")
    page.wait_for_selector("text=Đã xác nhận website bị tấn công")
    assert page.locator("#defacement .badge.danger", has_text="Đã xác nhận bị tấn công").is_visible()
