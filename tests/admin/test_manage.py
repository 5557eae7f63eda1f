"""Admin pages: accounts and reference data; admins edit, supervisors read."""

from sqlalchemy import select

from backend.catalog.models import Agency, Area
from backend.reports.models import Report
from backend.staff.models import User
from tests.admin.conftest import csrf_of, login


async def test_an_admin_creates_an_officer_account(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/users")
    response = await site_client.post("/admin/manage/users", data={
        "csrf_token": token, "username": "canbo2", "full_name": "Cán bộ 2", "password": "matkhau123",
        "role": "officer", "agency": "UBND-24121"})
    assert response.status_code == 303
    assert (await login(site_client, "canbo2", "matkhau123")).status_code == 303


async def test_a_deactivated_account_can_no_longer_sign_in(site, site_client):
    await site.user("qt", "admin")
    await site.user("cu", "hotline")
    async with site.db() as session:
        target = await session.scalar(select(User).where(User.username == "cu"))
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/users")
    await site_client.post(f"/admin/manage/users/{target.id}/active", data={"csrf_token": token, "active": "0"})
    assert (await login(site_client, "cu")).status_code == 401


async def test_a_supervisor_may_read_but_not_edit_reference_data(site, site_client):
    await site.user("gs", "supervisor")
    await login(site_client, "gs")
    assert (await site_client.get("/admin/manage/agencies")).status_code == 200
    token = await csrf_of(site_client, "/admin/manage/agencies")
    response = await site_client.post("/admin/manage/agencies/IOC", data={"csrf_token": token, "name": "X"})
    assert response.status_code == 403


async def test_officers_do_not_see_the_admin_pages(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    await login(site_client, "canbo")
    assert (await site_client.get("/admin/manage/users")).status_code == 403


async def test_an_admin_edits_an_agency(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/agencies")
    await site_client.post("/admin/manage/agencies/UBND-24121", data={
        "csrf_token": token, "name": "UBND phường Tân Lập", "phone": "0262 3850 000", "active": "1"})
    async with site.db() as session:
        agency = await session.scalar(select(Agency).where(Agency.code == "UBND-24121"))
    assert agency.phone == "0262 3850 000"


async def test_an_area_edit_invalidates_the_geocoder_cache(site, site_client, monkeypatch):
    from backend.geo import service as geo_service

    calls = []
    monkeypatch.setattr(geo_service, "invalidate_cache", lambda: calls.append(1))
    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/areas")
    response = await site_client.post("/admin/manage/areas/24121", data={
        "csrf_token": token, "name": "Phường Tân Lập", "aliases": "Tân Lập; P. Tân Lập",
        "latitude": "12.6650", "longitude": "108.0970"})
    assert response.status_code == 303 and calls == [1]
    async with site.db() as session:
        area = await session.scalar(select(Area).where(Area.code == "24121"))
    assert area.aliases == ["Tân Lập", "P. Tân Lập"]


async def test_an_admin_adds_a_routing_rule(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/routing")
    response = await site_client.post("/admin/manage/routing/0", data={
        "csrf_token": token, "position": "5", "category": "wastewater", "agency": "IOC", "active": "1"})
    assert response.status_code == 303
    assert "wastewater" in (await site_client.get("/admin/manage/routing")).text


async def test_the_audit_log_lists_staff_actions(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    page = (await site_client.get("/admin/manage/audit")).text
    assert ">login<" in page


async def test_an_admins_routing_edit_applies_to_the_next_report_at_once(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    first = await site.report()  # encroachment at Tân Lập: its People's Committee (and the routing is cached)
    token = await csrf_of(site_client, "/admin/manage/routing")
    response = await site_client.post("/admin/manage/routing/0", data={
        "csrf_token": token, "position": "1", "category": "encroachment", "agency": "UBND-24163", "active": "1"})
    assert response.status_code == 303
    second = await site.report()
    async with site.db() as session:
        agencies = dict((await session.execute(
            select(Report.code, Agency.code).join(Agency, Report.agency_id == Agency.id)
            .where(Report.code.in_([first, second])))).all())
    assert (agencies[first], agencies[second]) == ("UBND-24121", "UBND-24163")


async def test_a_deadline_edit_applies_to_the_next_report_at_once(site, site_client):
    from backend.catalog.models import DeadlinePolicy

    await site.user("qt", "admin")
    await login(site_client, "qt")
    await site.report()
    async with site.db() as session:
        policy = await session.scalar(select(DeadlinePolicy).where(DeadlinePolicy.priority == "normal"))
    token = await csrf_of(site_client, "/admin/manage/deadlines")
    response = await site_client.post(f"/admin/manage/deadlines/{policy.id}", data={
        "csrf_token": token, "amount": "2", "unit": "hours"})
    assert response.status_code == 303
    code = await site.report()
    async with site.db() as session:
        report = await session.scalar(select(Report).where(Report.code == code))
    assert abs((report.due_at - report.created_at).total_seconds() - 2 * 3600) < 5


async def test_a_category_form_with_a_bad_number_is_a_422(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/categories")
    response = await site_client.post("/admin/manage/categories/littering", data={
        "csrf_token": token, "name": "Xả rác", "sort_order": "mười", "active": "1"})
    assert response.status_code == 422
