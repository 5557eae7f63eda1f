"""The report page says how precise the point is (issue 11 item 5) and shows an Open311 e-mail masked (item 15)."""

from tests.admin.conftest import login


async def test_the_report_page_says_a_typed_address_is_at_the_ward_centre(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report(latitude=None, longitude=None, address="123 Lê Duẩn, phường Tân Lập")
    await login(site_client, "gs")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert 'data-precision="ward"' in page and "tâm phường/xã — vị trí gần đúng" in page


async def test_the_report_page_says_a_shared_point_is_gps(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report()
    await login(site_client, "gs")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert 'data-precision="gps"' in page and "Vị trí: GPS" in page


async def test_the_report_page_shows_an_open311_email_masked(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report(email="nguoi.dan@example.vn")
    await login(site_client, "gs")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert "n•••@example.vn" in page and "nguoi.dan@" not in page


async def test_the_public_page_says_a_ward_centre_point_is_approximate(site, site_client):
    code = await site.report(latitude=None, longitude=None, address="123 Lê Duẩn, phường Tân Lập, gọi 0905123456")
    page = (await site_client.get(f"/reports/{code}")).text
    assert "Vị trí: tâm phường/xã — vị trí gần đúng" in page and "0905123456" not in page
