"""Demo data looks like a lived-in month: working-time deadlines, real resolution times, a
spread of on-time shares, scorecards up to date at once."""

from datetime import timedelta

from sqlalchemy import func, select

from backend.catalog import service as catalog_service
from backend.core.config import get_settings
from backend.dashboard import service as dashboard_service
from backend.demo import load_demo
from backend.reports.models import Report


async def test_demo_deadlines_are_counted_in_working_time_from_when_the_report_was_filed(session):
    await load_demo(session=session, data_dir=get_settings().data_dir)
    await session.commit()
    for report in (await session.scalars(select(Report))).all():
        expected = await catalog_service.deadline(session=session, category=report.category,
                                                  priority=report.priority, start=report.created_at)
        assert report.due_at == expected, report.code


async def test_demo_reports_take_real_time_to_resolve_and_some_are_late(session):
    await load_demo(session=session, data_dir=get_settings().data_dir)
    await session.commit()
    resolved = (await session.scalars(select(Report).where(Report.resolved_at.is_not(None)))).all()
    hours = [(r.resolved_at - r.created_at) / timedelta(hours=1) for r in resolved]
    assert min(hours) > 1
    late = [r for r in resolved if r.resolved_at > r.due_at]
    assert 0 < len(late) < len(resolved)


async def test_the_portal_scorecards_are_up_to_date_right_after_seeding(session):
    await load_demo(session=session, data_dir=get_settings().data_dir)
    await session.commit()
    today = dashboard_service.local_day(max(r.created_at for r in (await session.scalars(select(Report))).all()))
    cards = await dashboard_service.scorecards(session=session, today=today)
    assert sum(c.received for c in cards) == await session.scalar(
        select(func.count(Report.id)).where(Report.agency_id.is_not(None)))
    shares = {c.on_time_pct for c in cards if c.on_time_pct is not None}
    assert len(shares) > 1 and any(c.median_hours and c.median_hours > 1 for c in cards)
