"""The charts against the raw reports, through the rollup: per day, category, ward, agency and
week (PostgreSQL groups them in one GROUPING SETS query, SQLite in a UNION ALL: both checked)."""

from __future__ import annotations

from collections import Counter

import pytest
import pytest_asyncio
from sqlalchemy import select

from backend.core.db import utcnow
from backend.dashboard import charts
from backend.dashboard import service as dashboard_service
from backend.dashboard import summary as dashboard
from backend.reports.models import Rating, Report
from tests.dashboard.conftest import AGENCY_A, AGENCY_B

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def rolled(session, mixed_reports):
    await dashboard_service.rollup_day(session=session, day=dashboard_service.local_day(utcnow()))
    await session.commit()
    return (await session.scalars(select(Report))).unique().all()


async def test_received_and_resolved_per_day_match_the_reports(session, rolled):
    days = (await charts.charts(session=session, scope=dashboard.Scope()))["daily"]
    assert len(days) == 90 and days[-1]["day"] == dashboard_service.local_day(utcnow()).isoformat()
    assert (days[-1]["received"], days[-1]["resolved"]) == (len(rolled), sum(r.resolved_at is not None for r in rolled))
    assert sum(d["received"] for d in days[:-1]) == 0


async def test_per_category_and_ward_match_the_reports(session, rolled):
    got = await charts.charts(session=session, scope=dashboard.Scope())
    assert {c["code"]: c["received"] for c in got["by_category"]} == dict(Counter(r.category.code for r in rolled))
    assert {w["code"]: w["received"] for w in got["by_ward"]} == dict(
        Counter(r.area.code for r in rolled if r.area is not None))


async def test_on_time_share_and_stars_per_agency_match_the_reports(session, rolled):
    got = {a["code"]: a for a in (await charts.charts(session=session, scope=dashboard.Scope()))["on_time_by_agency"]}
    assert (got[AGENCY_A]["resolved"], got[AGENCY_A]["on_time"], got[AGENCY_A]["on_time_pct"]) == (2, 1, 50.0)
    assert got[AGENCY_A]["satisfaction"] == 3.5 and got[AGENCY_B]["on_time_pct"] == 100.0
    assert next(iter(got)) == AGENCY_A  # the worst first


async def test_the_weekly_satisfaction_matches_the_ratings(session, rolled):
    weeks = (await charts.charts(session=session, scope=dashboard.Scope()))["satisfaction"]
    stars = (await session.scalars(select(Rating.stars))).all()
    assert len(weeks) == 26 and weeks[-1]["ratings"] == len(stars) == 3
    assert weeks[-1]["satisfaction"] == round(sum(stars) / len(stars), 2)


async def test_an_officer_charts_hold_only_their_agency(session, rolled):
    agency_b = next(r.agency_id for r in rolled if r.agency and r.agency.code == AGENCY_B)
    got = await charts.charts(session=session, scope=dashboard.Scope(agency_id=agency_b))
    assert got["daily"][-1]["received"] == sum(r.agency_id == agency_b for r in rolled) == 4
    assert [a["code"] for a in got["on_time_by_agency"]] == [AGENCY_B]
