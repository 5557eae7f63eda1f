"""A camera's zones and approach capacities edited by the API and on the staff site: validated,
applied to the next traffic interval (the intervals already counted keep their rating)."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.cameras.models import Camera
from tests.admin.conftest import CSRF_RE
from tests.cameras.conftest import CHO, NGA_SAU
from tests.conftest import auth_headers

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 30)
PASSWORD = "secret123"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def counts(start: datetime, direction: str = "le_duan", **by_class: int) -> dict:
    return {"camera": NGA_SAU, "direction": direction, "interval_start": start.isoformat(),
            "interval_minutes": 15, "counts": by_class}


@pytest.fixture
async def admin(make_user, cameras):
    return auth_headers(await make_user("admin"))


async def _login(app_client, username: str) -> str:
    page = await app_client.get("/admin/login")
    token = CSRF_RE.search(page.text).group(1)
    resp = await app_client.post("/admin/login", data={"username": username, "password": PASSWORD,
                                                       "csrf_token": token, "next": "/admin/"})
    assert resp.status_code == 303, resp.text
    return CSRF_RE.search((await app_client.get(f"/admin/cameras/{NGA_SAU}")).text).group(1)


async def test_a_new_capacity_rates_the_next_interval_and_the_counted_ones_keep_theirs(app_client, admin):
    # 600 motorbikes x 0.3 + 100 cars = 280 PCU in 15 min -> 1120 PCU/h
    first = await app_client.post("/api/v1/traffic/counts", headers=admin, json=counts(at(7), motorbike=600, car=100))
    assert (first.json()["vc_ratio"], first.json()["los"]) == (round(1120 / 2400, 3), "A")
    resp = await app_client.patch(f"/api/v1/cameras/{NGA_SAU}", headers=admin,
                                  json={"approaches": {"le_duan": 1200, "phan_chu_trinh": 1800}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["approaches"] == {"le_duan": 1200, "phan_chu_trinh": 1800}
    assert resp.json()["zones"]["via_he"]  # zones not sent stay as they were
    second = await app_client.post("/api/v1/traffic/counts", headers=admin,
                                   json=counts(at(7, 15), motorbike=600, car=100))
    assert (second.json()["vc_ratio"], second.json()["los"]) == (round(1120 / 1200, 3), "E")
    flow = await app_client.get("/api/v1/traffic/flow", headers=admin, params={
        "camera": NGA_SAU, "from": at(6).isoformat(), "to": at(8).isoformat()})
    assert [(r["capacity"], r["los"]) for r in flow.json()["items"]] == [(2400, "A"), (1200, "E")]


async def test_a_capacity_in_vehicles_per_hour_rates_vc_from_vehicles_not_pcu(app_client, admin):
    resp = await app_client.patch(f"/api/v1/cameras/{NGA_SAU}", headers=admin, json={
        "approaches": {"le_duan": 5000}, "approach_units": {"le_duan": "veh"}})
    assert resp.json()["approach_units"] == {"le_duan": "veh"}
    got = (await app_client.post("/api/v1/traffic/counts", headers=admin,
                                 json=counts(at(8), motorbike=1000, car=100))).json()
    assert got["vehicles_per_hour"] == 4400.0
    assert (got["vc_ratio"], got["los"]) == (0.88, "D")


BAD_LAYOUTS = [{"approaches": {"le_duan": 0}}, {"approaches": {"le_duan": -5}}, {"approaches": {"lê duẩn": 1800}},
               {"zones": {"via he": "vỉa hè"}}, {"zones": {"via_he": " "}}, {"approaches": {"le_duan": 1e9}},
               {"approach_units": {"le_duan": "km"}}, {"approach_units": {"khong_co": "veh"}}]


async def test_bad_zones_or_capacities_are_a_4xx_and_change_nothing(app_client, admin, cameras):
    before = await cameras.scalar(select(Camera.approaches).where(Camera.code == NGA_SAU))
    await cameras.rollback()
    for body in BAD_LAYOUTS:
        resp = await app_client.patch(f"/api/v1/cameras/{NGA_SAU}", headers=admin, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["error"] and resp.json()["detail"], body
    assert await cameras.scalar(select(Camera.approaches).where(Camera.code == NGA_SAU)) == before


async def test_a_zone_one_of_the_cameras_rules_watches_cannot_be_removed(app_client, admin):
    resp = await app_client.patch(f"/api/v1/cameras/{CHO}", headers=admin, json={"zones": {"long_duong": "lòng đường"}})
    assert resp.status_code == 422
    assert "Xe máy đỗ tràn vỉa hè trước chợ" in resp.json()["detail"]


async def test_only_admins_edit_zones_and_capacities(app_client, make_user, cameras):
    supervisor = auth_headers(await make_user("supervisor"))
    resp = await app_client.patch(f"/api/v1/cameras/{NGA_SAU}", headers=supervisor, json={"zones": {}})
    assert resp.status_code == 403


async def test_the_staff_form_saves_zones_and_capacities(app_client, make_user, cameras):
    user = await make_user("admin")
    token = await _login(app_client, user.username)
    resp = await app_client.post(f"/admin/cameras/{NGA_SAU}/layout", data={
        "csrf_token": token, "zone_code": ["via_he", "long_duong", "bai_do_xe", ""],
        "zone_label": ["vỉa hè", "lòng đường", "bãi đỗ xe Ngã Sáu", ""],
        "approach": ["le_duan", "quang_trung", ""], "capacity": ["2.800", "1500,5", ""],
        "unit": ["pcu", "veh", "pcu"]})
    assert resp.status_code == 303, resp.text
    camera = await cameras.scalar(select(Camera).where(Camera.code == NGA_SAU))
    await cameras.refresh(camera)
    assert camera.zones == {"via_he": "vỉa hè", "long_duong": "lòng đường", "bai_do_xe": "bãi đỗ xe Ngã Sáu"}
    assert camera.approaches == {"le_duan": 2800.0, "quang_trung": 1500.5}
    assert camera.approach_units == {"quang_trung": "veh"}


async def test_the_staff_form_shows_why_it_refused_with_what_was_typed(app_client, make_user, cameras):
    user = await make_user("admin")
    token = await _login(app_client, user.username)
    resp = await app_client.post(f"/admin/cameras/{NGA_SAU}/layout", data={
        "csrf_token": token, "zone_code": ["via_he"], "zone_label": ["vỉa hè"],
        "approach": ["le_duan", "quang_trung"], "capacity": ["2400", "nhiều"], "unit": ["pcu", "pcu"]})
    assert resp.status_code == 422
    page = html.unescape(resp.text)
    assert "Năng lực thông hành hướng quang_trung phải là số" in page
    assert 'value="nhiều"' in page  # what was typed is still there to correct
    camera = await cameras.scalar(select(Camera).where(Camera.code == NGA_SAU))
    assert "phan_boi_chau" in camera.approaches


async def test_the_camera_page_shows_the_pcu_factors_with_their_source(app_client, make_user, cameras):
    user = await make_user("supervisor")
    page = await app_client.get("/admin/login")
    token = CSRF_RE.search(page.text).group(1)
    await app_client.post("/admin/login", data={"username": user.username, "password": PASSWORD,
                                                "csrf_token": token, "next": "/admin/"})
    text = html.unescape((await app_client.get(f"/admin/cameras/{NGA_SAU}")).text)
    assert "Xe máy</td><td>0.3</td><td>TCVN 4054:2005" in text
    assert "Sửa vùng và năng lực thông hành" not in text  # supervisors see, admins edit
