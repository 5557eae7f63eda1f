"""The staff pages in a real headless Chromium against a live server holding the demo year:
the list with sparklines, one indicator's charts, the import form with its rejected rows, the
late agencies and the public-service ranking with the 766 groups. Screenshots to docs/screenshots."""

from pathlib import Path

import pytest

from tests.admin.conftest import browser, browser_login, page, site, site_live  # noqa: F401  (fixtures)
from tests.monitoring.conftest import csv_bytes

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


async def _demo_world(site) -> None:  # noqa: F811
    from backend.catalog.loader import load_reference
    from backend.core.config import get_settings
    from backend.monitoring.demo import load_indicator_demo
    from backend.monitoring.indicators.registry import load_registry

    async with site.db() as session:
        data = get_settings().data_dir
        await load_reference(session=session, data_dir=data)
        await load_registry(session=session, data_dir=data)
        await load_indicator_demo(session=session, data_dir=data)


@pytest.fixture
def demo_site(site_live):  # noqa: F811
    site_live.site.run(_demo_world(site_live.site))
    site_live.site.run(site_live.site.user("giamsat", "supervisor", "IOC"))
    return site_live


def test_the_list_shows_every_indicator_with_its_latest_figure_and_a_sparkline(page, demo_site):  # noqa: F811
    browser_login(page, demo_site, "giamsat")
    page.click("nav.nav a:has-text('Chỉ tiêu KT-XH')")
    page.wait_for_selector("table.indicators")
    assert page.locator("table.indicators tbody tr").count() >= 25
    row = page.locator("tr[data-code=BUDGET_REVENUE]")
    assert row.locator("svg.spark polyline").count() == 1
    assert "%" in row.locator("td.num").nth(1).inner_text()  # % of the year's budget estimate
    assert "," in row.locator("td.num").first.inner_text() or "." in row.locator("td.num").first.inner_text()
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "indicators.png"), full_page=True)


def test_one_indicator_shows_its_series_against_last_year_and_the_target(page, demo_site):  # noqa: F811
    browser_login(page, demo_site, "giamsat")
    page.goto(f"{demo_site.url}/admin/indicators/BUDGET_REVENUE")
    page.wait_for_selector("#chart-series[data-ready='1'] svg")
    page.wait_for_selector("#chart-cumulative[data-ready='1'] svg")
    assert page.locator("#chart-series svg path").count() > 5
    assert "Dự toán" in page.content() or "kế hoạch năm" in page.content()
    assert page.locator("text=Lịch sử thay đổi").is_visible()
    page.screenshot(path=str(DOCS / "indicator-detail.png"), full_page=True)


def test_the_import_form_shows_every_rejected_row_then_takes_a_good_file(page, demo_site, tmp_path):  # noqa: F811
    bad = tmp_path / "thang-11.csv"
    bad.write_bytes(csv_bytes([["KHONG_CO", "", "2026-10", "1", "official"],
                               ["EXPORTS", "", "2026-10", "nhiều", "official"]]))
    good = tmp_path / "chinh-thuc.csv"
    good.write_bytes(csv_bytes([["FDI_REGISTERED", "", "2026-01", "12,5", "official"]]))
    browser_login(page, demo_site, "giamsat")
    page.goto(f"{demo_site.url}/admin/indicators/import")
    page.set_input_files("input[name=file]", str(bad))
    page.click("form button[type=submit]:has-text('Nhập')")
    page.wait_for_selector("#import-errors")
    rows = page.locator("table.errors tbody tr")
    assert rows.count() == 2
    assert "KHONG_CO" in rows.nth(0).inner_text() and "nhiều" in rows.nth(1).inner_text()
    page.screenshot(path=str(DOCS / "indicators-import.png"), full_page=True)
    page.set_input_files("input[name=file]", str(good))
    page.click("form button[type=submit]:has-text('Nhập')")
    page.wait_for_selector("#import-ok")
    assert "chinh-thuc.csv" in page.locator("table.grid").last.inner_text()


def test_the_late_agencies_and_the_public_service_ranking(page, demo_site):  # noqa: F811
    browser_login(page, demo_site, "giamsat")
    page.goto(f"{demo_site.url}/admin/indicators/late")
    assert page.locator("tr[data-agency=SVHTTDL]").count() >= 1
    page.goto(f"{demo_site.url}/admin/public-services")
    page.wait_for_selector("table.ranking")
    assert page.locator("table.ranking tbody tr").count() >= 5
    assert page.locator("[data-group=satisfaction]").is_visible()
    assert page.locator("[data-group=transparency] .badge.warn").count() == 1  # data PhanAnh does not have
    page.screenshot(path=str(DOCS / "public-services.png"), full_page=True)
