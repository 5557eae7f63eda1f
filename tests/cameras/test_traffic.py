"""Traffic counts to flow: vehicles/h, PCU/h, v/c, LOS, peak-hour factor, congestion incidents."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.cameras.models import CameraIncident
from tests.cameras.conftest import NGA_SAU
from tests.conftest import auth_headers

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 30)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def counts(start: datetime, direction: str = "le_duan", minutes: int = 15, **by_class: int) -> dict:
    return {"camera": NGA_SAU, "direction": direction, "interval_start": start.isoformat(),
            "interval_minutes": minutes, "counts": by_class}


@pytest.fixture
async def staff(make_user, cameras):
    return auth_headers(await make_user("supervisor"))


async def test_counts_give_vehicles_pcu_per_hour_vc_and_los(app_client, staff):
    # 15 min: 1000 motorbikes x 0.3 + 100 cars + 4 buses x 2.5 + 6 trucks x 2.0 = 422 PCU -> 1688 PCU/h
    resp = await app_client.post("/api/v1/traffic/counts", headers=staff,
                                 json=counts(at(7), motorbike=1000, car=100, bus=4, truck=6))
    assert resp.status_code == 201, resp.text
    got = resp.json()
    assert (got["vehicles_per_hour"], got["pcu_per_hour"]) == (4440.0, 1688.0)
    assert got["vc_ratio"] == round(1688 / 2400, 3)  # Lê Duẩn approach: 2400 PCU/h
    assert got["los"] == "C"  # 0.70 < 0.703 <= 0.80


async def test_the_flow_is_given_per_interval_and_direction(app_client, staff):
    await app_client.post("/api/v1/traffic/counts", headers=staff, json=counts(at(7), motorbike=600))
    await app_client.post("/api/v1/traffic/counts", headers=staff,
                          json=counts(at(7), direction="phan_chu_trinh", motorbike=1500, car=200))
    await app_client.post("/api/v1/traffic/counts", headers=staff, json=counts(at(7, 15), motorbike=700))
    resp = await app_client.get("/api/v1/traffic/flow", headers=staff, params={
        "camera": NGA_SAU, "from": at(6).isoformat(), "to": at(8).isoformat()})
    items = resp.json()["items"]
    assert [(i["direction"], i["los"]) for i in items] == [("le_duan", "A"), ("phan_chu_trinh", "F"),
                                                           ("le_duan", "A")]
    assert items[1]["vc_ratio"] == round((1500 * 0.3 + 200) * 4 / 1800, 3)


async def test_the_same_interval_again_replaces_its_counts(app_client, staff):
    await app_client.post("/api/v1/traffic/counts", headers=staff, json=counts(at(7), motorbike=600))
    await app_client.post("/api/v1/traffic/counts", headers=staff, json=counts(at(7), motorbike=800))
    items = (await app_client.get("/api/v1/traffic/flow", headers=staff, params={
        "camera": NGA_SAU, "from": at(6).isoformat(), "to": at(8).isoformat()})).json()["items"]
    assert [i["vehicles"] for i in items] == [800]


async def test_the_peak_hour_factor_of_a_day(app_client, staff):
    volumes = [400, 500, 800, 600, 700, 300]  # 15-min counts from 06:30; peak hour 06:45-07:45 = 2600
    for i, n in enumerate(volumes):
        await app_client.post("/api/v1/traffic/counts", headers=staff,
                              json=counts(at(6, 30) + timedelta(minutes=15 * i), motorbike=n))
    resp = await app_client.get("/api/v1/traffic/peak-hour", headers=staff,
                                params={"camera": NGA_SAU, "day": DAY.isoformat()})
    (peak,) = resp.json()["items"]
    assert (peak["direction"], peak["peak_hour_volume"]) == ("le_duan", 2600)
    assert peak["phf"] == round(2600 / (4 * 800), 3)


async def test_congestion_opens_after_n_intervals_at_los_e_or_f_and_closes_on_recovery(app_client, staff, cameras):
    jam = {"motorbike": 1500, "car": 200}  # 2600 PCU/h on 2400: F
    for i in range(2):
        await app_client.post("/api/v1/traffic/counts", headers=staff,
                              json=counts(at(17) + timedelta(minutes=15 * i), **jam))
    assert await cameras.scalar(select(CameraIncident)) is None  # two intervals: not yet
    await cameras.rollback()
    await app_client.post("/api/v1/traffic/counts", headers=staff, json=counts(at(17, 30), **jam))
    incident = await cameras.scalar(select(CameraIncident))
    assert (incident.kind, incident.direction, incident.closed_at) == ("congestion", "le_duan", None)
    await cameras.rollback()
    await app_client.post("/api/v1/traffic/counts", headers=staff, json=counts(at(17, 45), motorbike=300))
    cameras.expire_all()
    closed = await cameras.scalar(select(CameraIncident))
    assert closed.closed_at is not None
    await cameras.rollback()


@pytest.mark.parametrize(("body", "status"), [
    (counts(at(7), motorbike=-5), 422),
    (counts(at(7), camera_bikes=5), 422),
    ({**counts(at(7), car=5), "camera": "khong_co"}, 404),
    (counts(at(7), direction="khong_co_huong", car=5), 422),
    (counts(datetime.now(TZ) + timedelta(hours=2), car=5), 422),  # an interval that has not happened
    ({**counts(at(7), car=5), "interval_start": "2026-11-30T07:00:00"}, 422),  # no time zone
    ({**counts(at(7), car=5), "interval_start": "sáng nay"}, 422),
    ({**counts(at(7), car=5), "interval_minutes": 0}, 422),
])
async def test_bad_counts_get_a_4xx(app_client, staff, body, status):
    resp = await app_client.post("/api/v1/traffic/counts", headers=staff, json=body)
    assert resp.status_code == status, resp.text


@pytest.mark.parametrize(("params", "status"), [
    ({"camera": NGA_SAU, "from": at(8).isoformat(), "to": at(7).isoformat()}, 422),
    ({"camera": NGA_SAU, "from": "2026-11-30T07:00:00", "to": at(8).isoformat()}, 422),
    ({"camera": NGA_SAU, "from": "hôm qua", "to": at(8).isoformat()}, 422),
    ({"camera": "khong_co", "from": at(7).isoformat(), "to": at(8).isoformat()}, 404),
])
async def test_bad_flow_queries_get_a_4xx(app_client, staff, params, status):
    resp = await app_client.get("/api/v1/traffic/flow", headers=staff, params=params)
    assert resp.status_code == status, resp.text
