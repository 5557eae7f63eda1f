"""The screen's map of open reports: points when few, the database's clusters when many, only
what is in view, only the viewer's agency; over HTTP with a clear 4xx for a bad view."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.catalog.models import Agency
from backend.dashboard import map as report_map
from backend.dashboard import summary as dashboard
from backend.reports.models import OPEN_STATUSES, Report
from tests.conftest import auth_headers
from tests.dashboard.conftest import AGENCY_B

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _open_codes(session, agency_id=None, ids=None):
    query = select(Report.code).where(Report.status.in_(OPEN_STATUSES))
    if agency_id is not None:
        query = query.where(Report.agency_id == agency_id)
    if ids is not None:
        query = query.where(Report.id.in_(ids))
    return sorted((await session.scalars(query)).all())


async def test_few_open_reports_come_as_points_with_their_codes(session, mixed_reports):
    view = await report_map.view(session=session, scope=dashboard.Scope())
    assert view["mode"] == "points" and view["fields"] == ["code", "lat", "lon", "category", "overdue"]
    assert sorted(p[0] for p in view["items"]) == await _open_codes(session)
    assert sum(p[4] for p in view["items"]) == 3  # overdue
    assert all(view["categories"][p[3]][0] for p in view["items"])  # an index into the categories


async def test_many_open_reports_come_as_clusters_that_add_up_to_them(session, mixed_reports):
    view = await report_map.view(session=session, scope=dashboard.Scope(), zoom=6, points_max=2)
    assert view["mode"] == "clusters" and view["total"] == 5
    assert sum(c[3] for c in view["items"]) == 5 and sum(c[4] for c in view["items"]) == 3
    assert len(view["items"]) < 5  # at zoom 6 the reports, 2 km apart, share cells


async def test_zoomed_in_clusters_split_by_place(session, mixed_reports):
    far = await report_map.view(session=session, scope=dashboard.Scope(), zoom=6, points_max=2)
    near = await report_map.view(session=session, scope=dashboard.Scope(), zoom=15, points_max=2)
    assert len(near["items"]) > len(far["items"])
    assert sum(c[3] for c in near["items"]) == 5


async def test_the_map_holds_only_the_reports_in_view(session, mixed_reports):
    first_two = report_map.BBox.parse("107.995,12.595,108.015,12.625")  # reports 0 and 1
    view = await report_map.view(session=session, scope=dashboard.Scope(), bbox=first_two)
    assert sorted(p[0] for p in view["items"]) == await _open_codes(session, ids=(
        await session.scalars(select(Report.id).order_by(Report.id).limit(2))).all())


async def test_an_officer_map_has_only_their_agency(session, mixed_reports):
    agency_b = await session.scalar(select(Agency.id).where(Agency.code == AGENCY_B))
    view = await report_map.view(session=session, scope=dashboard.Scope(agency_id=agency_b))
    assert sorted(p[0] for p in view["items"]) == await _open_codes(session, agency_id=agency_b)
    assert len(view["items"]) == 2


async def test_the_layers_count_open_reports_per_category(session, mixed_reports):
    layers, _extent = await report_map.overview(session=session, scope=dashboard.Scope())
    assert sum(n for _code, _name, n in layers) == 5


async def test_the_first_view_spans_the_open_reports(session, mixed_reports):
    _layers, (south, west, north, east) = await report_map.overview(session=session, scope=dashboard.Scope())
    assert (south, west) == (12.6, 108.0) and (round(north, 2), round(east, 2)) == (12.72, 108.06)


async def test_an_empty_map_has_no_first_view(session):
    assert await report_map.overview(session=session, scope=dashboard.Scope()) == ([], None)


async def test_the_map_api_answers_for_a_view(session, mixed_reports, make_user, app_client):
    officer = await make_user("officer", agency_code=AGENCY_B)
    resp = await app_client.get("/api/v1/dashboard/map", params={"bbox": "107,12,109,13", "zoom": "14"},
                                headers=auth_headers(officer))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    agency_b = await session.scalar(select(Agency.id).where(Agency.code == AGENCY_B))
    assert body["mode"] == "points" and len(body["items"]) == 2
    assert sorted(item["code"] for item in body["items"]) == await _open_codes(session, agency_id=agency_b)
    assert all(isinstance(item["category"], str) and isinstance(item["overdue"], bool) for item in body["items"])


async def test_the_api_form_of_clusters_names_every_field(session, mixed_reports):
    clusters = report_map.as_objects(await report_map.view(session=session, scope=dashboard.Scope(), zoom=6,
                                                           points_max=2))
    assert clusters["mode"] == "clusters" and sum(c["count"] for c in clusters["items"]) == 5
    assert all(set(c) == {"category", "lat", "lon", "count", "overdue"} for c in clusters["items"])
    assert all(isinstance(c["category"], str) for c in clusters["items"])


@pytest.mark.parametrize("params", [{"bbox": "108,12"}, {"bbox": "109,12,108,13"}, {"bbox": "a,b,c,d"},
                                    {"zoom": "40"}])
async def test_a_bad_view_is_a_clear_4xx(session, make_user, app_client, params):
    resp = await app_client.get("/api/v1/dashboard/map", params=params,
                                headers=auth_headers(await make_user("supervisor")))
    assert resp.status_code == 422 and resp.json()["error"] and resp.json()["detail"]
