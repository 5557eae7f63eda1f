"""Report jobs: deadline reminders and escalation, the rating reminder, auto-close. Each takes an
injectable `now`, is idempotent (a flag column makes it once per report) and says what it did."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.citizens.models import Citizen
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from backend.core.jobs import Job
from backend.notifications import service as notification_service
from backend.notifications.staff import alert_staff
from backend.reports import questions
from backend.reports import service as reports_service
from backend.reports.links import rating_link
from backend.reports.models import OPEN_STATUSES, Rating, Report, ReportEvent, Status
from backend.reports.timeline import add_event

REMIND_BEFORE = timedelta(hours=24)  # remind the agency a day before the deadline
RATING_REMINDER_AFTER = timedelta(days=3)
AUTO_CLOSE_AFTER = timedelta(days=14)
BATCH = 500
LATE_FACTOR = 3


async def deadline_watch(now: datetime | None = None) -> dict[str, Any]:
    """Remind the agency before the deadline; escalate overdue reports to the supervisors
    (an internal timeline event each, once per report; `escalated_at` flags it on the queue)."""
    now = now or utcnow()
    reminded = escalated = escalated_3x = alerted = 0
    async with session_scope() as session:
        due_soon = (await session.scalars(
            select(Report).where(Report.status.in_(OPEN_STATUSES), Report.reminded_at.is_(None),
                                 Report.due_at > now, Report.due_at <= now + REMIND_BEFORE)
            .order_by(Report.due_at).limit(BATCH))).all()
        for report in due_soon:
            add_event(session, report, Actor.system(), "remind", public=False,
                      note=f"Sắp đến hạn xử lý ({_hours(report.due_at - now)} nữa)",
                      data={"agency": report.agency.code if report.agency else None})
            report.reminded_at = now
            reminded += 1
        overdue = (await session.scalars(
            select(Report).where(Report.status.in_(OPEN_STATUSES), Report.escalated_at.is_(None),
                                 Report.due_at < now)
            .order_by(Report.due_at).limit(BATCH))).all()
        for report in overdue:
            add_event(session, report, Actor.system(), "escalate", public=False,
                      note=f"Quá hạn {_hours(now - report.due_at)}: báo lãnh đạo/giám sát",
                      data={"agency": report.agency.code if report.agency else None})
            report.escalated_at = now
            alerted += await _alert(session, report, now, level=1)
            escalated += 1
        # Second level: open three times as long as allowed (Signalen's factor 3), once.
        already = select(ReportEvent.report_id).where(ReportEvent.action == "escalate_3x")
        very_late = (await session.scalars(
            select(Report).where(Report.status.in_(OPEN_STATUSES), Report.escalated_at.is_not(None),
                                 Report.due_at < now, Report.id.not_in(already))
            .order_by(Report.due_at).limit(BATCH))).all()
        for report in very_late:
            allowed = report.due_at - report.created_at
            if allowed <= timedelta(0) or now - report.created_at < LATE_FACTOR * allowed:
                continue
            add_event(session, report, Actor.system(), "escalate_3x", public=False,
                      note=f"Quá hạn gấp {LATE_FACTOR} lần thời gian cho phép: báo lãnh đạo IOC",
                      data={"agency": report.agency.code if report.agency else None})
            alerted += await _alert(session, report, now, level=2)
            escalated_3x += 1
    return {"reminded": reminded, "escalated": escalated, "escalated_3x": escalated_3x, "alerts": alerted}


async def _alert(session: AsyncSession, report: Report, now: datetime, *, level: int) -> int:
    """The escalation reaches people: the agency's officers and the IOC's supervisors, on the
    staff channel each has (Telegram, Zalo, e-mail), once per report and level."""
    where = report.address or (report.area.name if report.area else "")
    agency = report.agency.name if report.agency else "hàng chờ IOC"
    head = ("Phản ánh quá hạn" if level == 1 else f"Phản ánh quá hạn gấp {LATE_FACTOR} lần") + f": {report.code}"
    text = (f"{head}\n{report.category.name}{' — ' + where if where else ''}\n"
            f"Đơn vị xử lý: {agency}. Quá hạn {_hours(now - report.due_at)}.\n"
            f"{get_settings().base_url.rstrip('/')}/admin/reports/{report.code}")
    return await alert_staff(session=session, kind="report_overdue", text=text, agency_id=report.agency_id,
                             report_id=report.id, dedupe_key=f"{report.code}:overdue:{level}:{report.reopen_count}")


def _hours(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} ngày {hours % 24} giờ" if hours >= 24 else f"{hours} giờ"


async def rating_reminder(now: datetime | None = None) -> dict[str, Any]:
    """Ask once more for a rating, 3 days after resolution, when none came (outbox
    `rating_reminder` with the rating link; `rating_requested_at` makes it once)."""
    now = now or utcnow()
    window = timedelta(days=get_settings().rating_window_days)
    asked = 0
    async with session_scope() as session:
        rated = select(Rating.report_id)
        reports = (await session.scalars(
            select(Report).where(Report.status == Status.resolved, Report.rating_requested_at.is_(None),
                                 Report.resolved_at <= now - RATING_REMINDER_AFTER,
                                 Report.resolved_at > now - window,
                                 Report.citizen_id.is_not(None), Report.id.not_in(rated))
            .limit(BATCH))).all()
        for report in reports:
            citizen = await session.get(Citizen, report.citizen_id)
            if citizen is not None:
                await notification_service.enqueue(
                    session=session, citizen=citizen, kind="rating_reminder",
                    payload={"code": report.code, "category": report.category.name,
                             "agency": report.agency.name if report.agency else None,
                             "rate_url": rating_link(report.code)},
                    report_id=report.id, dedupe_key=f"{report.code}:rating_reminder:{report.reopen_count}")
            report.rating_requested_at = now
            asked += 1
    return {"asked": asked}


async def auto_close(now: datetime | None = None) -> dict[str, Any]:
    """Close resolved reports that got no rating within 14 days of resolution (the `close`
    transition, by the system)."""
    now = now or utcnow()
    closed = 0
    async with session_scope() as session:
        reports = (await session.scalars(
            select(Report).where(Report.status == Status.resolved,
                                 Report.resolved_at <= now - AUTO_CLOSE_AFTER,
                                 Report.id.not_in(select(Rating.report_id)))
            .options(selectinload(Report.events)).limit(BATCH))).all()
        for report in reports:
            await reports_service.transition(session=session, report=report, action="close", actor=Actor.system(),
                                             note="Tự động đóng sau 14 ngày không có đánh giá")
            closed += 1
    return {"closed": closed}


async def question_reminders(now: datetime | None = None) -> dict[str, Any]:
    """Questions to citizens still unanswered: one reminder after a day, then a call-back task for
    the hotline (times in data/deadlines.yaml `questions:`). Idempotent: each step happens once."""
    async with session_scope() as session:
        return await questions.remind(session=session, now=now)


JOBS: list[Job] = [
    Job("deadline-watch", deadline_watch, 300, "mỗi 5 phút",
        "Nhắc đơn vị trước hạn 24 giờ; báo lãnh đạo khi quá hạn"),
    Job("rating-reminder", rating_reminder, 3600, "mỗi giờ", "Nhắc đánh giá một lần sau 3 ngày"),
    Job("auto-close", auto_close, 3600, "mỗi giờ", "Đóng phản ánh đã xử lý 14 ngày không có đánh giá"),
    Job("question-reminders", question_reminders, 900, "mỗi 15 phút",
        "Nhắc người dân trả lời câu hỏi của cán bộ; quá hạn thì chuyển tổng đài gọi lại"),
]
