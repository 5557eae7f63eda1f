"""The detailed rollup (agency × category × ward per day): agrees with the raw tables, is
idempotent and catches up after downtime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from backend.core.db import utcnow
from backend.dashboard import scheduled
from backend.dashboard import service as dashboard_service
from backend.dashboard.models import ReportDailyStats
from backend.reports.models import Rating, Report

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _totals(session):
    row = (await session.execute(select(
        func.sum(ReportDailyStats.received), func.sum(ReportDailyStats.resolved),
        func.sum(ReportDailyStats.resolved_on_time), func.sum(ReportDailyStats.ratings),
        func.sum(ReportDailyStats.rating_sum), func.count(ReportDailyStats.id)))).one()
    return tuple(int(v or 0) for v in row)


async def test_the_rollup_agrees_with_the_raw_tables(session, mixed_reports):
    await session.commit()
    await scheduled.stats_rollup()
    reports = (await session.scalars(select(Report))).unique().all()
    resolved = [r for r in reports if r.resolved_at is not None]
    on_time = [r for r in resolved if r.due_at is None or r.resolved_at <= r.due_at]
    stars = (await session.scalars(select(Rating.stars))).all()
    received, n_resolved, n_on_time, ratings, rating_sum, _ = await _totals(session)
    assert (received, n_resolved, n_on_time, ratings, rating_sum) == (
        len(reports), len(resolved), len(on_time), len(stars), sum(stars))
    per_agency = dict((await session.execute(select(ReportDailyStats.agency_id, func.sum(ReportDailyStats.received))
                                             .group_by(ReportDailyStats.agency_id))).all())
    raw = dict((await session.execute(select(Report.agency_id, func.count(Report.id))
                                      .group_by(Report.agency_id))).all())
    assert {k: int(v) for k, v in per_agency.items()} == raw


async def test_running_the_rollup_twice_changes_nothing(session, mixed_reports):
    await session.commit()
    await scheduled.stats_rollup()
    first = await _totals(session)
    await session.commit()
    await scheduled.stats_rollup()
    assert await _totals(session) == first


async def test_the_rollup_catches_up_days_missed_while_down(session, mixed_reports):
    old_id = await session.scalar(select(func.min(Report.id)))
    ten_days_ago = utcnow() - timedelta(days=10)
    await session.execute(update(Report).where(Report.id == old_id).values(created_at=ten_days_ago))
    await session.commit()
    day = dashboard_service.local_day(ten_days_ago)
    await dashboard_service.rollup_day(session=session, day=day)  # the last run before the downtime
    await session.commit()
    await session.commit()
    result = await scheduled.stats_rollup()
    assert result["days"] >= 10
    days = set((await session.scalars(select(ReportDailyStats.day))).all())
    assert day in days and dashboard_service.local_day(utcnow()) in days
    assert (await _totals(session))[0] == len(mixed_reports)
