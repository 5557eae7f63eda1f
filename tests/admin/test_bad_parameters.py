"""Every parameter bounded and typed (issue 17 item 10): hostile values in the staff site's and
the portal's URLs and forms get a 4xx Vietnamese page, never a 500."""

from __future__ import annotations

import pytest

from tests.admin.conftest import csrf_of, login

HUGE = "99999999999999999999999"

GETS = [
    f"/admin/?page={HUGE}",
    "/admin/?page=-3",
    "/admin/?page=abc",
    "/admin/?q=" + "x" * 5000,
    f"/admin/export.csv?page={HUGE}",
    f"/admin/manage/audit?page={HUGE}",
    "/admin/manage/audit?page=abc",
    f"/admin/manage/users/{HUGE}/active",
    "/admin/api/nearby?latitude=nan&longitude=1",
    "/admin/api/nearby?latitude=1000&longitude=1",
    "/admin/api/classify?text=" + "x" * 10,
    "/admin/reports/" + "A" * 3000,
]


@pytest.mark.parametrize("path", GETS)
async def test_a_hostile_query_on_the_staff_site_is_a_4xx_page_not_a_500(site, site_client, path):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    response = await site_client.get(path)
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400 and "text/html" in response.headers.get("content-type", ""):
        assert "Lỗi" in response.text


async def test_a_page_number_past_the_end_says_so_in_vietnamese(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    response = await site_client.get(f"/admin/?page={HUGE}")
    assert response.status_code in (400, 422) and "Số trang không hợp lệ" in response.text


@pytest.mark.parametrize("path,form", [
    ("/admin/manage/categories/littering", {"name": "Xả rác", "sort_order": "mười"}),
    ("/admin/manage/routing/0", {"position": "đầu", "category": "littering", "agency_of_area": "1"}),
    ("/admin/manage/deadlines/1", {"amount": "ba", "unit": "days"}),
    ("/admin/manage/areas/24121", {"latitude": "north", "longitude": "1e999"}),
    (f"/admin/manage/users/{HUGE}/active", {"active": "1"}),
    (f"/admin/manage/users/{HUGE}/role", {"role": "admin"}),
    ("/admin/manage/users", {"username": "x", "password": "12345678", "role": "emperor"}),
])
async def test_non_numeric_values_in_admin_forms_are_a_4xx_not_a_500(site, site_client, path, form):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/users")
    response = await site_client.post(path, data={**form, "csrf_token": token})
    assert 400 <= response.status_code < 500, response.text[:300]
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("path", ["/?code=" + "A" * 5000, "/reports/" + "B" * 5000, "/rate/" + "C" * 5000])
async def test_a_hostile_url_on_the_portal_is_a_4xx_page(site, site_client, path):
    response = await site_client.get(path, follow_redirects=True)
    assert 400 <= response.status_code < 500
