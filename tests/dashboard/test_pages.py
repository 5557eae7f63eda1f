"""The staff pages of the screen through the app: the SLA view with its drill-down, the exports."""

from __future__ import annotations

import pytest

from tests.admin.conftest import login

pytestmark = pytest.mark.asyncio(loop_scope="function")


async def _signed_in(site, site_client, role="supervisor"):
    await site.user("giamsat", role)
    await site.report(description="Quán bày bàn ghế chiếm hết vỉa hè đường Lê Duẩn")
    assert (await login(site_client, "giamsat")).status_code == 303


async def test_the_sla_page_lists_the_sources_and_opens_a_cell(site, site_client):
    await _signed_in(site, site_client)
    page = await site_client.get("/admin/ioc/sla")
    assert page.status_code == 200
    assert "Phản ánh hiện trường" in page.text and "Camera mất kết nối" in page.text
    drill = await site_client.get("/admin/ioc/sla", params={"source": "reports", "cls": "on_time"})
    assert drill.status_code == 200 and 'id="drill"' in drill.text and "/admin/reports/PA-" in drill.text


async def test_a_bad_drill_down_is_a_vietnamese_error_page(site, site_client):
    await _signed_in(site, site_client)
    page = await site_client.get("/admin/ioc/sla", params={"source": "nowhere"})
    assert page.status_code == 422
    assert "Nguồn không hợp lệ" in page.text


@pytest.mark.parametrize("name", ["daily", "categories", "wards", "agencies", "open", "sla-reports"])
async def test_every_table_exports_as_csv_and_xlsx(site, site_client, name):
    await _signed_in(site, site_client)
    csv = await site_client.get(f"/admin/ioc/export/{name}.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeff")
    xlsx = await site_client.get(f"/admin/ioc/export/{name}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_the_hotline_desk_gets_a_refusal_page(site, site_client):
    await _signed_in(site, site_client, role="hotline")
    page = await site_client.get("/admin/ioc")
    assert page.status_code == 403


async def test_tv_mode_is_the_screen_without_the_menu(site, site_client):
    await _signed_in(site, site_client)
    page = await site_client.get("/admin/ioc", params={"tv": "1"})
    assert page.status_code == 200
    assert 'class="staff ioc tv"' in page.text
    assert "<script>" not in page.text and "onclick" not in page.text  # CSP: scripts from files only
