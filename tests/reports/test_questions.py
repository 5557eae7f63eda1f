"""Questions to the reporter: reminded once after a day, handed to the hotline after three, the
deadline resumed; the job is registered with the reports domain."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from backend.citizens import service as citizens_service
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.notifications.models import Outbox
from backend.reports import questions, scheduled
from backend.reports.models import CallbackTask, Question


async def asked(session, make_user, report_factory, category="littering"):
    officer = await make_user("supervisor")
    citizen = await citizens_service.get_or_create(session=session, channel="telegram", external_id="777")
    report = await report_factory(citizen=citizen, channel="telegram", category=category)
    question = await questions.ask(session=session, report=report, text="Chỗ đó có biển số nhà không?",
                                   actor=Actor.staff(officer))
    await session.commit()
    return report, question


async def reminders(session) -> int:
    count = await session.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == "question_reminder"))
    await session.commit()
    return int(count or 0)


async def test_an_unanswered_question_is_reminded_once_after_a_day(session, make_user, report_factory):
    await asked(session, make_user, report_factory)
    assert (await questions.remind(session=session, now=utcnow() + timedelta(hours=2)))["reminded"] == 0
    assert (await questions.remind(session=session, now=utcnow() + timedelta(hours=25)))["reminded"] == 1
    await session.commit()
    assert (await questions.remind(session=session, now=utcnow() + timedelta(hours=26)))["reminded"] == 0
    await session.commit()
    assert await reminders(session) == 1


async def test_after_three_days_the_hotline_calls_and_the_deadline_resumes(session, make_user, report_factory):
    report, question = await asked(session, make_user, report_factory, category="encroachment")
    assert question.pauses_deadline
    due = report.due_at
    await questions.remind(session=session, now=utcnow() + timedelta(hours=25))
    result = await questions.remind(session=session, now=utcnow() + timedelta(hours=73))
    await session.commit()
    assert result["handed_to_hotline"] == 1
    assert (await session.scalar(select(Question.status))) == "callback"
    task = await session.scalar(select(CallbackTask).where(CallbackTask.report_id == report.id))
    assert task.reason == "question" and task.question_id == question.id
    await session.refresh(report)
    assert report.due_at - due >= timedelta(hours=72)


async def test_the_reminder_job_belongs_to_the_reports_domain():
    assert "question-reminders" in {job.name for job in scheduled.JOBS}
