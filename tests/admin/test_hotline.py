"""The hotline desk: filing a phone report, the JSON helpers, look-ups, the caller's rating."""

from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.reports.models import Rating, Report
from tests.admin.conftest import csrf_of, login


async def test_the_desk_files_a_phone_report_and_shows_the_code(site, site_client):
    await site.user("td", "hotline")
    await login(site_client, "td")
    token = await csrf_of(site_client, "/admin/hotline")
    response = await site_client.post("/admin/hotline", data={
        "csrf_token": token, "phone": "0912 345 678", "name": "Trần Thị B", "category": "", "category_auto": "1",
        "description": "Quán nhậu bày bàn ghế lấn chiếm vỉa hè", "address": "120 Lê Duẩn, phường Tân Lập"})
    assert response.status_code == 200
    async with site.db() as session:
        report = await session.scalar(select(Report))
    assert report.code in response.text and 'id="created-code"' in response.text
    assert (report.channel, report.reporter_phone, report.reporter_name) == ("hotline", "0912345678", "Trần Thị B")


async def test_an_operator_changed_category_is_kept(site, site_client):
    await site.user("td", "hotline")
    await login(site_client, "td")
    token = await csrf_of(site_client, "/admin/hotline")
    await site_client.post("/admin/hotline", data={
        "csrf_token": token, "category": "littering", "category_auto": "0",
        "description": "Quán nhậu bày bàn ghế lấn chiếm vỉa hè", "address": "phường Tân Lập"})
    async with site.db() as session:
        report = await session.scalar(select(Report))
    assert (report.category.code, report.category_source) == ("littering", "staff")


async def test_a_report_without_a_place_is_refused_with_the_form_kept(site, site_client):
    await site.user("td", "hotline")
    await login(site_client, "td")
    token = await csrf_of(site_client, "/admin/hotline")
    response = await site_client.post("/admin/hotline", data={
        "csrf_token": token, "description": "Đèn đường hỏng cả tuần nay", "category_auto": "1"})
    assert response.status_code == 422
    assert "Đèn đường hỏng cả tuần nay" in response.text


async def test_classify_suggests_a_category_as_the_operator_types(site, site_client):
    await site.user("td", "hotline")
    await login(site_client, "td")
    data = (await site_client.get("/admin/api/classify", params={
        "text": "Quán cà phê bày bàn ghế lấn chiếm hết vỉa hè"})).json()
    assert data["category"] == "encroachment" and 0 <= data["confidence"] <= 1


async def test_places_suggests_wards_for_a_typed_prefix(site, site_client):
    await site.user("td", "hotline")
    await login(site_client, "td")
    items = (await site_client.get("/admin/api/places", params={"q": "Tân Lập"})).json()["items"]
    assert any("Tân Lập" in item["label"] for item in items)


async def test_nearby_warns_about_a_similar_open_report(site, site_client):
    await site.user("td", "hotline")
    code = await site.report()
    await login(site_client, "td")
    data = (await site_client.get("/admin/api/nearby", params={"latitude": 12.6648, "longitude": 108.0971})).json()
    assert [item["code"] for item in data["items"]] == [code]


async def test_the_desk_looks_up_a_caller_by_phone(site, site_client):
    await site.user("td", "hotline")
    code = await site.report(phone="0905123456")
    await login(site_client, "td")
    assert code in (await site_client.get("/admin/hotline", params={"lookup": "0905 123 456"})).text


async def test_the_desk_records_a_callers_rating(site, site_client):
    await site.user("td", "hotline")
    code = await site.report(phone="0905123456")
    async with site.db() as session:
        await session.execute(update(Report).where(Report.code == code).values(status="resolved", resolved_at=utcnow()))
    await login(site_client, "td")
    token = await csrf_of(site_client, "/admin/hotline?lookup=0905123456")
    response = await site_client.post(f"/admin/reports/{code}/rating", data={
        "csrf_token": token, "stars": "5", "back": "/admin/hotline?lookup=0905123456"})
    assert response.status_code == 303
    async with site.db() as session:
        rating = await session.scalar(select(Rating))
    assert (rating.stars, rating.source) == (5, "hotline")


async def test_officers_cannot_use_the_desk(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    await login(site_client, "canbo")
    assert (await site_client.get("/admin/hotline")).status_code == 403
