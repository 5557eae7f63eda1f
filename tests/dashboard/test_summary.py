"""The summary against the raw reports table: open, overdue, per agency, per channel; the
30-day figures from the rollup; who sees what."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from backend.core.db import utcnow
from backend.dashboard import overview
from backend.dashboard import service as dashboard_service
from backend.dashboard import summary as dashboard
from backend.reports.models import OPEN_STATUSES, Report
from tests.conftest import auth_headers
from tests.dashboard.conftest import AGENCY_A, AGENCY_B

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _raw(session, agency_code=None):
    rows = (await session.scalars(select(Report))).unique().all()
    if agency_code:
        rows = [r for r in rows if r.agency and r.agency.code == agency_code]
    now = utcnow()
    return rows, now


async def _roll_today(session):
    await dashboard_service.rollup_day(session=session, day=dashboard_service.local_day(utcnow()))
    await session.commit()


async def test_summary_open_and_overdue_match_the_reports_table(session, mixed_reports):
    rows, now = await _raw(session)
    result = await overview.summary(session=session, scope=dashboard.Scope())
    assert result["reports"]["open"] == sum(r.status in OPEN_STATUSES for r in rows) == 5
    assert result["reports"]["overdue"] == sum(r.is_overdue(now) for r in rows) == 3
    assert result["reports"]["received_today"] >= 0


async def test_summary_per_agency_matches_the_reports_table(session, mixed_reports):
    rows, now = await _raw(session)
    result = await overview.summary(session=session, scope=dashboard.Scope())
    got = {a["agency"]["code"]: (a["open"], a["overdue"]) for a in result["reports"]["by_agency"]}
    want_open = Counter(r.agency.code for r in rows if r.is_open)
    want_late = Counter(r.agency.code for r in rows if r.is_overdue(now))
    assert got == {code: (want_open[code], want_late[code]) for code in want_open}
    assert got == {AGENCY_A: (3, 1), AGENCY_B: (2, 2)}


async def test_summary_per_channel_matches_the_reports_table(session, mixed_reports):
    rows, _ = await _raw(session)
    result = await overview.summary(session=session, scope=dashboard.Scope())
    got = {c["channel"]: c["open"] for c in result["reports"]["by_channel"]}
    assert got == dict(Counter(r.channel for r in rows if r.is_open)) == {"hotline": 1, "zalo": 3, "web": 1}


async def test_thirty_day_on_time_share_and_satisfaction_come_from_the_rollup(session, mixed_reports):
    await _roll_today(session)
    result = await overview.summary(session=session, scope=dashboard.Scope())
    assert result["reports"]["on_time_pct_30d"] == round(100 * 2 / 3, 1)
    assert result["reports"]["satisfaction_30d"] == round((5 + 2 + 4) / 3, 2)
    assert result["reports"]["resolved_30d"] == 3


async def test_cameras_and_sites_match_their_tables(session, mixed_reports):
    from sqlalchemy import update as sql_update

    from backend.cameras import service as camera_service
    from backend.cameras.models import Camera
    from backend.cameras.schemas import CameraCreate
    from backend.monitoring.sites import service as site_service
    from backend.monitoring.sites.models import Site
    from backend.monitoring.sites.schemas import SiteCreate

    for i, status in enumerate(["online", "online", "offline"]):
        camera = await camera_service.save_camera(session=session, camera_in=CameraCreate(
            code=f"cam{i}", name=f"Ngã tư số {i}", latitude=12.67 + i / 100, longitude=108.04))
        await session.execute(sql_update(Camera).where(Camera.id == camera.id).values(status=status))
    for i, status in enumerate(["up", "down", "defaced", "up"]):
        site = await site_service.create_site(session=session, site_in=SiteCreate(
            name=f"Cổng thông tin {i}", url=f"https://site{i}.daklak.gov.vn/", agency=AGENCY_A))
        await session.execute(sql_update(Site).where(Site.id == site.id).values(status=status))
    await session.commit()
    result = await overview.summary(session=session, scope=dashboard.Scope())
    assert {k: result["cameras"][k] for k in ("online", "offline", "pending_events")} == {
        "online": 2, "offline": 1, "pending_events": 0}
    assert {k: result["sites"][k] for k in ("up", "down", "defaced")} == {"up": 2, "down": 1, "defaced": 1}
    assert result["indicators"]["off_target"] == 0


async def test_an_officer_sees_only_their_agency(session, mixed_reports, make_user, app_client):
    await _roll_today(session)
    officer = await make_user("officer", agency_code=AGENCY_B)
    resp = await app_client.get("/api/v1/dashboard/summary", headers=auth_headers(officer))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["scope"] == {"agency": AGENCY_B}
    assert (body["reports"]["open"], body["reports"]["overdue"]) == (2, 2)
    assert [a["agency"]["code"] for a in body["reports"]["by_agency"]] == [AGENCY_B]
    assert body["reports"]["on_time_pct_30d"] == 100.0
    assert body["reports"]["satisfaction_30d"] == 4.0


async def test_a_supervisor_gets_the_contract_shape(session, mixed_reports, make_user, app_client):
    resp = await app_client.get("/api/v1/dashboard/summary", headers=auth_headers(await make_user("supervisor")))
    assert resp.status_code == 200
    body = resp.json()
    assert set(body["reports"]) >= {"open", "overdue", "received_today", "on_time_pct_30d", "satisfaction_30d"}
    assert set(body["cameras"]) >= {"online", "offline", "pending_events"}
    assert set(body["sites"]) >= {"up", "down", "defaced"}
    assert set(body["indicators"]) >= {"off_target"}
    assert body["reports"]["open"] == 5


async def test_the_hotline_desk_is_refused(session, make_user, app_client):
    resp = await app_client.get("/api/v1/dashboard/summary", headers=auth_headers(await make_user("hotline")))
    assert resp.status_code == 403
    assert resp.json()["error"]


async def test_no_token_is_a_401(app_client):
    resp = await app_client.get("/api/v1/dashboard/summary")
    assert resp.status_code == 401
