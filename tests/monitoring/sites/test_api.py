"""The monitoring API (/api/v1/monitoring): contract fields, roles, clear 4xx for bad input."""

import pytest

from backend.core.db import utcnow
from tests.conftest import auth_headers
from tests.monitoring.sites.standins import HACKED


@pytest.fixture
async def supervisor(make_user):
    return auth_headers(await make_user("supervisor"))


async def test_a_site_is_created_with_the_contract_fields(app_client, supervisor):
    response = await app_client.post("/api/v1/monitoring/sites", headers=supervisor, json={
        "name": "Sở Xây dựng tỉnh Đắk Lắk", "url": "https://sxd.daklak.gov.vn/", "agency": "SXD",
        "interval_s": 120, "keywords_required": ["Sở Xây dựng"], "keywords_forbidden": ["tài xỉu"]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert {"id", "status", "last_checked_at", "response_ms", "cert_expires_at", "uptime_30d"} <= set(body)
    assert body["status"] == "unknown" and body["agency"] == "SXD" and body["interval_s"] == 120
    listed = (await app_client.get("/api/v1/monitoring/sites", headers=supervisor)).json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "Sở Xây dựng tỉnh Đắk Lắk"


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": "X", "url": "ftp://daklak.gov.vn/"}, "url"),
    ({"name": "X", "url": "daklak.gov.vn"}, "url"),
    ({"name": "X", "url": "https://daklak.gov.vn/", "agency": "NOPE"}, "agency"),
    ({"name": "X", "url": "https://daklak.gov.vn/", "conditions": ["[STATUS] = 200"]}, "conditions"),
    ({"name": "X", "url": "https://daklak.gov.vn/", "conditions": ["[UPTIME] > 1"]}, "conditions"),
    ({"name": "X", "url": "https://daklak.gov.vn/", "interval_s": 1}, "interval_s"),
    ({"url": "https://daklak.gov.vn/"}, "name"),
])
async def test_bad_sites_get_422_with_a_message(app_client, supervisor, payload, field):
    response = await app_client.post("/api/v1/monitoring/sites", headers=supervisor, json=payload)
    assert response.status_code == 422, response.text
    assert field in response.text and response.json()["detail"]


async def test_a_bad_condition_names_the_problem(app_client, supervisor):
    response = await app_client.post("/api/v1/monitoring/sites", headers=supervisor, json={
        "name": "X", "url": "https://daklak.gov.vn/", "conditions": ["[STATUS] == 200", "[RESPONSE_TIME] < soon"]})
    assert response.status_code == 422
    assert response.json() == {"error": "validation_error", "field": "conditions", "detail":
                               "Điều kiện thứ 2: Thời lượng không hợp lệ «soon» («[RESPONSE_TIME] < soon»): "
                               "dùng số mili giây hoặc 30s, 48h, 14d"}


async def test_the_same_url_twice_is_a_conflict(app_client, supervisor):
    site = {"name": "Cổng thông tin điện tử tỉnh Đắk Lắk", "url": "https://daklak.gov.vn/"}
    assert (await app_client.post("/api/v1/monitoring/sites", headers=supervisor, json=site)).status_code == 201
    assert (await app_client.post("/api/v1/monitoring/sites", headers=supervisor, json=site)).status_code == 409


async def test_an_officer_cannot_add_sites_and_sees_only_the_agency_ones(app_client, supervisor, make_user):
    officer = auth_headers(await make_user("officer", agency_code="SXD"))
    for name, url, agency in (("Sở Xây dựng", "https://sxd.daklak.gov.vn/", "SXD"),
                              ("Sở Y tế", "https://syt.daklak.gov.vn/", None)):
        await app_client.post("/api/v1/monitoring/sites", headers=supervisor,
                              json={"name": name, "url": url, "agency": agency})
    response = await app_client.post("/api/v1/monitoring/sites", headers=officer,
                                     json={"name": "X", "url": "https://x.daklak.gov.vn/"})
    assert response.status_code == 403
    listed = (await app_client.get("/api/v1/monitoring/sites", headers=officer)).json()
    assert [s["name"] for s in listed["items"]] == ["Sở Xây dựng"]


async def test_the_api_needs_a_token(app_client):
    assert (await app_client.get("/api/v1/monitoring/sites")).status_code == 401


async def test_unknown_site_is_404(app_client, supervisor):
    assert (await app_client.post("/api/v1/monitoring/sites/999/baseline", headers=supervisor)).status_code == 404


async def test_baseline_then_defacement_then_incidents_list(app_client, supervisor, web, check, session):
    from backend.monitoring.sites import service

    web.page("/")
    created = (await app_client.post("/api/v1/monitoring/sites", headers=supervisor,
                                     json={"name": "Cổng tỉnh", "url": web.http_url + "/"})).json()
    baseline = await app_client.post(f"/api/v1/monitoring/sites/{created['id']}/baseline", headers=supervisor)
    assert baseline.status_code == 200 and baseline.json()["lines"] > 5
    web.page("/", body=HACKED)
    site = await service.get_site(session=session, site_id=created["id"])
    await check(site, times=3)
    await session.commit()
    incidents = (await app_client.get("/api/v1/monitoring/incidents?open=true", headers=supervisor)).json()
    [incident] = incidents["items"]
    assert incident["kind"] == "defaced" and incident["site"]["id"] == created["id"]
    assert incident["closed_at"] is None and [e["action"] for e in incident["timeline"]][:1] == ["opened"]
    confirmed = await app_client.post(f"/api/v1/monitoring/incidents/{incident['id']}/actions", headers=supervisor,
                                      json={"action": "confirm", "note": "Đã báo Công an tỉnh"})
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] is True
    listed = (await app_client.get("/api/v1/monitoring/sites", headers=supervisor)).json()
    assert listed["items"][0]["status"] == "defaced"


async def test_a_baseline_of_an_unreachable_site_is_409(app_client, supervisor):
    from tests.bot.standins import free_port

    created = (await app_client.post("/api/v1/monitoring/sites", headers=supervisor,
                                     json={"name": "X", "url": f"http://127.0.0.1:{free_port()}/"})).json()
    response = await app_client.post(f"/api/v1/monitoring/sites/{created['id']}/baseline", headers=supervisor)
    assert response.status_code == 409 and "Không tải được trang" in response.json()["detail"]


async def test_a_bad_incident_action_is_422(app_client, supervisor):
    response = await app_client.post("/api/v1/monitoring/incidents/1/actions", headers=supervisor,
                                     json={"action": "delete"})
    assert response.status_code == 422


async def test_the_monthly_report_per_agency_as_csv_and_xlsx(app_client, supervisor, web, check, session):
    from backend.monitoring.sites import service
    from backend.monitoring.sites.uptime import local_day

    web.page("/")
    created = (await app_client.post("/api/v1/monitoring/sites", headers=supervisor, json={
        "name": "Sở Xây dựng tỉnh Đắk Lắk", "url": web.http_url + "/", "agency": "SXD"})).json()
    await check(await service.get_site(session=session, site_id=created["id"]), times=2)
    month = local_day(utcnow()).strftime("%Y-%m")
    csv = await app_client.get(f"/api/v1/monitoring/reports/monthly.csv?month={month}&agency=SXD", headers=supervisor)
    assert csv.status_code == 200
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Đơn vị,Website,Địa chỉ,Số lần kiểm tra")
    assert "Sở Xây dựng tỉnh Đắk Lắk" in lines[1] and ",2,0,100.0," in lines[1]
    xlsx = await app_client.get(f"/api/v1/monitoring/reports/monthly.xlsx?month={month}", headers=supervisor)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = await app_client.get("/api/v1/monitoring/reports/monthly.csv?month=2026-13", headers=supervisor)
    assert bad.status_code == 422


async def test_agency_uptime_from_rollups(app_client, supervisor, web, check, session):
    from backend.monitoring.sites import service

    web.page("/")
    created = (await app_client.post("/api/v1/monitoring/sites", headers=supervisor, json={
        "name": "Sở Xây dựng", "url": web.http_url + "/", "agency": "SXD"})).json()
    await check(await service.get_site(session=session, site_id=created["id"]), times=2)
    rows = (await app_client.get("/api/v1/monitoring/uptime", headers=supervisor)).json()
    assert {"agency": "SXD", "agency_name": "Sở Xây dựng tỉnh Đắk Lắk", "sites": 1, "uptime_7d": 100.0,
            "uptime_30d": 100.0, "uptime_90d": 100.0} in rows


async def test_maintenance_windows_are_validated(app_client, supervisor):
    bad = await app_client.post("/api/v1/monitoring/maintenance", headers=supervisor,
                                json={"name": "Đêm", "start_time": "25:00", "end_time": "02:00", "weekdays": [6]})
    assert bad.status_code == 422
    none = await app_client.post("/api/v1/monitoring/maintenance", headers=supervisor, json={"name": "Trống"})
    assert none.status_code == 422
    good = await app_client.post("/api/v1/monitoring/maintenance", headers=supervisor, json={
        "name": "Đêm Chủ nhật", "start_time": "23:00", "end_time": "01:00", "weekdays": [6], "on_holidays": True})
    assert good.status_code == 201


async def test_the_forbidden_keywords_are_editable(app_client, supervisor):
    default = (await app_client.get("/api/v1/monitoring/forbidden-keywords", headers=supervisor)).json()
    assert "nổ hũ" in default["items"] and "hacked by" in default["items"]
    saved = await app_client.put("/api/v1/monitoring/forbidden-keywords", headers=supervisor,
                                 json={"keywords": ["tài xỉu", " cá cược ", ""]})
    assert saved.json()["items"] == ["cá cược", "tài xỉu"]
