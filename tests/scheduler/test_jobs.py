"""Scheduled jobs with a controlled clock: each gets `now` and must be idempotent. The jobs live
with their domain (backend/<domain>/scheduled.py); the registry is tested in test_registry.py."""

from datetime import timedelta

from sqlalchemy import func, select, update

from backend import scheduler
from backend.citizens.models import Citizen
from backend.core.db import utcnow
from backend.dashboard import scheduled as dashboard_jobs
from backend.notifications.models import Outbox
from backend.reports import scheduled as report_jobs
from backend.reports.models import Rating, Report, ReportEvent
from backend.staff.models import User


async def _set(site, code, **values):
    async with site.db() as session:
        await session.execute(update(Report).where(Report.code == code).values(**values))


async def _report(site, code):
    async with site.db() as session:
        return await session.scalar(select(Report).where(Report.code == code))


async def _events(site, code, action):
    async with site.db() as session:
        return (await session.scalars(
            select(ReportEvent).join(Report).where(Report.code == code, ReportEvent.action == action))).all()


async def test_deadline_watch_reminds_the_agency_a_day_before_the_deadline(site):
    code = await site.report()
    now = utcnow()
    await _set(site, code, due_at=now + timedelta(hours=20))
    assert await report_jobs.deadline_watch(now=now) == {"reminded": 1, "escalated": 0, "escalated_3x": 0, "alerts": 0}
    events = await _events(site, code, "remind")
    assert len(events) == 1 and not events[0].public
    assert (await _report(site, code)).reminded_at is not None
    later = await report_jobs.deadline_watch(now=now + timedelta(hours=1))
    assert later == {"reminded": 0, "escalated": 0, "escalated_3x": 0, "alerts": 0}


async def test_deadline_watch_does_not_remind_when_the_deadline_is_far(site):
    code = await site.report()
    now = utcnow()
    await _set(site, code, due_at=now + timedelta(days=3))
    assert (await report_jobs.deadline_watch(now=now))["reminded"] == 0


async def test_deadline_watch_escalates_an_overdue_report_once(site):
    code = await site.report()
    now = utcnow()
    await _set(site, code, due_at=now - timedelta(hours=2))
    assert (await report_jobs.deadline_watch(now=now))["escalated"] == 1
    assert (await report_jobs.deadline_watch(now=now + timedelta(hours=5)))["escalated"] == 0
    report = await _report(site, code)
    assert report.escalated_at is not None
    [event] = await _events(site, code, "escalate")
    assert not event.public


async def test_an_overdue_report_reaches_the_agencys_officers_and_the_ioc_once(site):
    await site.user("canbo", "officer", agency="UBND-24121")
    await site.user("giamsat", "supervisor")
    await site.user("khac", "officer", agency="UBND-24163")
    async with site.db() as session:
        for username, contact in (("canbo", "111"), ("giamsat", "222"), ("khac", "333")):
            await session.execute(update(User).where(User.username == username).values(telegram_chat_id=contact))
    code = await site.report()  # in Tân Lập: UBND-24121
    now = utcnow()
    await _set(site, code, due_at=now - timedelta(hours=2))
    assert (await report_jobs.deadline_watch(now=now))["alerts"] == 2
    assert (await report_jobs.deadline_watch(now=now + timedelta(hours=1)))["alerts"] == 0
    async with site.db() as session:
        rows = (await session.scalars(select(Outbox).where(Outbox.kind == "staff_alert"))).all()
    assert sorted(r.recipient for r in rows) == ["111", "222"]
    assert all(code in r.payload["text"] and "quá hạn" in r.payload["text"].lower() for r in rows)


async def test_a_report_three_times_over_its_time_is_escalated_again_once(site):
    await site.user("giamsat", "supervisor")
    async with site.db() as session:
        await session.execute(update(User).where(User.username == "giamsat").values(email="gs@ioc.vn"))
    code = await site.report()
    now = utcnow()
    await _set(site, code, created_at=now - timedelta(days=10), due_at=now - timedelta(days=7))
    first = await report_jobs.deadline_watch(now=now)
    assert (first["escalated"], first["escalated_3x"], first["alerts"]) == (1, 1, 2)
    assert (await report_jobs.deadline_watch(now=now + timedelta(hours=1)))["escalated_3x"] == 0
    assert len(await _events(site, code, "escalate_3x")) == 1


async def test_deadline_watch_leaves_resolved_reports_alone(site):
    code = await site.report()
    now = utcnow()
    await _set(site, code, status="resolved", resolved_at=now, due_at=now - timedelta(days=1))
    assert await report_jobs.deadline_watch(now=now) == {"reminded": 0, "escalated": 0, "escalated_3x": 0, "alerts": 0}


async def _resolved_with_citizen(site, resolved_at):
    code = await site.report()
    async with site.db() as session:
        citizen = Citizen(channel="telegram", external_id="4242", display_name="Lan")
        session.add(citizen)
        await session.flush()
        await session.execute(update(Report).where(Report.code == code).values(
            citizen_id=citizen.id, status="resolved", resolved_at=resolved_at))
    return code


async def _reminders(site):
    async with site.db() as session:
        return await session.scalar(select(func.count(Outbox.id)).where(Outbox.kind == "rating_reminder"))


async def test_rating_reminder_is_sent_once_three_days_after_resolution(site):
    now = utcnow()
    code = await _resolved_with_citizen(site, now - timedelta(days=3, hours=1))
    assert await report_jobs.rating_reminder(now=now) == {"asked": 1}
    assert await report_jobs.rating_reminder(now=now + timedelta(days=1)) == {"asked": 0}
    assert await _reminders(site) == 1
    assert (await _report(site, code)).rating_requested_at is not None


async def test_rating_reminder_waits_three_days(site):
    now = utcnow()
    await _resolved_with_citizen(site, now - timedelta(days=2))
    assert await report_jobs.rating_reminder(now=now) == {"asked": 0}
    assert await _reminders(site) == 0


async def test_rating_reminder_skips_rated_reports(site):
    now = utcnow()
    code = await _resolved_with_citizen(site, now - timedelta(days=4))
    report = await _report(site, code)
    async with site.db() as session:
        session.add(Rating(report_id=report.id, stars=5, source="chat"))
    assert await report_jobs.rating_reminder(now=now) == {"asked": 0}


async def test_auto_close_closes_unrated_resolved_reports_after_14_days(site):
    now = utcnow()
    old = await site.report()
    fresh = await site.report(latitude=12.7203, longitude=108.11)
    await _set(site, old, status="resolved", resolved_at=now - timedelta(days=14, hours=1))
    await _set(site, fresh, status="resolved", resolved_at=now - timedelta(days=13))
    assert await report_jobs.auto_close(now=now) == {"closed": 1}
    assert (await _report(site, old)).status == "closed"
    assert (await _report(site, fresh)).status == "resolved"
    [event] = await _events(site, old, "close")
    assert event.actor_kind == "system"
    assert await report_jobs.auto_close(now=now) == {"closed": 0}


async def test_auto_close_keeps_rated_reports(site):
    now = utcnow()
    code = await site.report()
    await _set(site, code, status="resolved", resolved_at=now - timedelta(days=20))
    report = await _report(site, code)
    async with site.db() as session:
        session.add(Rating(report_id=report.id, stars=4, source="web"))
    assert await report_jobs.auto_close(now=now) == {"closed": 0}


async def test_stats_rollup_feeds_the_agency_scorecards(site):
    from backend.dashboard import service as dashboard_service

    now = utcnow()
    on_time = await site.report()
    late = await site.report(latitude=12.665, longitude=108.098)
    await _set(site, on_time, status="resolved", resolved_at=now, due_at=now + timedelta(days=1))
    await _set(site, late, status="resolved", resolved_at=now, due_at=now - timedelta(days=1))
    first = await dashboard_jobs.stats_rollup(now=now)
    again = await dashboard_jobs.stats_rollup(now=now)
    assert first["rows"] >= 1 and again == first  # idempotent
    async with site.db() as session:
        [card] = await dashboard_service.scorecards(session=session, today=dashboard_service.local_day(now))
    assert (card.agency_code, card.received, card.resolved, card.on_time_pct) == ("UBND-24121", 2, 2, 50.0)


async def test_run_job_once_refuses_an_unknown_job(site):
    import pytest

    from backend.core.errors import NotFound

    with pytest.raises(NotFound):
        await scheduler.run_job_once("no-such-job")
