"""The SLA view: the four classes, reports per agency, drill-down, the API's scope and errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.core.db import utcnow
from backend.dashboard import sla
from backend.dashboard import summary as dashboard
from tests.conftest import auth_headers
from tests.dashboard.conftest import AGENCY_A, AGENCY_B

pytestmark = pytest.mark.asyncio(loop_scope="session")
NOW = utcnow()


@pytest.mark.parametrize(("hours_in", "allowed", "want"), [
    (1, 10, "on_time"), (9, 10, "nearly_late"), (11, 10, "late"), (31, 10, "late_x3")])
async def test_an_item_is_classed_by_its_share_of_the_allowed_time(hours_in, allowed, want):
    start = NOW - timedelta(hours=hours_in)
    assert sla.classify(start, start + timedelta(hours=allowed), NOW) == want


async def test_open_reports_are_counted_per_agency_and_class(session, mixed_reports):
    view = await sla.sla_view(session=session, scope=dashboard.Scope())
    rows = {r["agency_code"]: r for r in view["sources"]["reports"]["items"]}
    assert sum(rows[AGENCY_A][c] for c in sla.CLASSES) == 3
    assert sum(rows[AGENCY_B][c] for c in sla.CLASSES) == 2
    assert rows[AGENCY_B]["late"] + rows[AGENCY_B]["late_x3"] == 2
    assert view["sources"]["reports"]["total"]["on_time"] + view["sources"]["reports"]["total"]["nearly_late"] == 2


async def test_drill_down_lists_the_items_of_one_cell(session, mixed_reports, make_user, app_client):
    user = await make_user("supervisor")
    resp = await app_client.get("/api/v1/dashboard/sla/items", params={"source": "reports", "agency": AGENCY_B},
                                headers=auth_headers(user))
    assert resp.status_code == 200
    assert resp.json()["total"] == 2
    assert all(i["url"].startswith("/admin/reports/PA-") for i in resp.json()["items"])


async def test_an_officer_sla_view_holds_only_their_agency(session, mixed_reports, make_user, app_client):
    officer = await make_user("officer", agency_code=AGENCY_A)
    resp = await app_client.get("/api/v1/dashboard/sla", headers=auth_headers(officer))
    assert resp.status_code == 200
    assert [r["agency_code"] for r in resp.json()["sources"]["reports"]["items"]] == [AGENCY_A]


async def test_an_unknown_class_is_a_422(session, make_user, app_client):
    resp = await app_client.get("/api/v1/dashboard/sla/items", params={"cls": "soon"},
                                headers=auth_headers(await make_user("admin")))
    assert resp.status_code == 422
    assert resp.json()["error"]
