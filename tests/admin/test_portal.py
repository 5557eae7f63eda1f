"""The public portal: no personal data, approved photos only, signed rating links."""

from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.core.security import sign
from backend.reports.models import Rating, Report
from tests.admin.conftest import CSRF_RE


async def test_the_public_report_page_shows_no_personal_data(site, site_client):
    code = await site.report(description="Lấn chiếm vỉa hè, gọi tôi 0905123456", phone="0905123456",
                             name="Nguyễn Văn A")
    page = (await site_client.get(f"/reports/{code}")).text
    assert code in page
    assert "0905123456" not in page and "Nguyễn Văn A" not in page


async def test_an_unknown_code_is_a_404_page(site, site_client):
    response = await site_client.get("/reports/PA-ZZZZZZ")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


async def test_the_home_page_redirects_a_code_lookup(site, site_client):
    code = await site.report()
    response = await site_client.get("/", params={"code": code.lower()})
    assert response.status_code == 303 and response.headers["location"] == f"/reports/{code}"


async def test_a_rating_link_records_the_rating(site, site_client):
    code = await site.report()
    async with site.db() as session:
        await session.execute(update(Report).where(Report.code == code).values(status="resolved", resolved_at=utcnow()))
    path = f"/rate/{sign({'code': code}, purpose='rate')}"
    token = CSRF_RE.search((await site_client.get(path)).text).group(1)
    response = await site_client.post(path, data={"csrf_token": token, "stars": "2", "comment": "Chưa sạch"})
    assert response.status_code == 200 and "2 sao" in response.text
    async with site.db() as session:
        rating = await session.scalar(select(Rating))
    assert (rating.stars, rating.source) == (2, "web")


async def test_a_forged_rating_link_is_refused(site, site_client):
    code = await site.report()
    assert (await site_client.get(f"/rate/{sign({'code': code}, purpose='other')}")).status_code == 404


async def test_a_citizen_files_a_report_with_a_map_point(site, site_client):
    token = CSRF_RE.search((await site_client.get("/report/new")).text).group(1)
    response = await site_client.post("/report/new", data={
        "csrf_token": token, "description": "Rác thải đổ thành đống ở góc đường",
        "latitude": "12.6647", "longitude": "108.097"})
    assert response.status_code == 200 and 'id="created-code"' in response.text
    async with site.db() as session:
        report = await session.scalar(select(Report))
    assert report.channel == "web" and report.area.code == "24121"


async def test_a_phone_is_kept_only_with_consent(site, site_client):
    token = CSRF_RE.search((await site_client.get("/report/new")).text).group(1)
    response = await site_client.post("/report/new", data={
        "csrf_token": token, "description": "Rác thải đổ thành đống", "address": "phường Tân Lập",
        "phone": "0905123456"})
    assert response.status_code == 422
    async with site.db() as session:
        assert await session.scalar(select(Report)) is None


async def test_a_description_with_no_words_is_refused_on_the_portal(site, site_client):
    token = CSRF_RE.search((await site_client.get("/report/new")).text).group(1)
    response = await site_client.post("/report/new", data={
        "csrf_token": token, "description": "!!!", "latitude": "12.6647", "longitude": "108.097"})
    assert response.status_code == 422 and "mô tả cần nói bằng chữ" in response.text
    async with site.db() as session:
        assert await session.scalar(select(Report)) is None


async def test_an_unknown_page_is_a_vietnamese_page_with_a_way_home(site, site_client):
    response = await site_client.get("/khong-co-trang-nay", headers={"accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang" in response.text and 'href="/"' in response.text


async def test_an_unknown_staff_page_is_a_vietnamese_page(site, site_client):
    response = await site_client.get("/admin/khong-co", headers={"accept": "text/html"})
    assert response.status_code == 404 and "Không tìm thấy trang" in response.text


async def test_an_unknown_api_route_stays_json_for_a_browser_too(site, site_client):
    response = await site_client.get("/api/v1/khong-co", headers={"accept": "text/html"})
    assert response.status_code == 404 and response.json()["error"] == "http_error"
