"""The rating reminder as the citizen receives it: its own text, the rating link, the digits to
type (not the bare "Phản ánh PA-…: " of an unknown kind)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from backend import scheduler
from backend.citizens import service as citizens_service
from backend.core.db import utcnow
from backend.notifications.models import Outbox
from backend.notifications.sender import deliver_due, render
from backend.reports.models import Report


async def _resolved_four_days_ago(session, report_factory, user: str) -> str:
    citizen = await citizens_service.get_or_create(session=session, channel="zalo", external_id=user)
    report = await report_factory(citizen=citizen, channel="zalo")
    await session.execute(update(Report).where(Report.id == report.id).values(
        status="resolved", resolved_at=utcnow() - timedelta(days=4)))
    await session.execute(update(Outbox).where(Outbox.report_id == report.id).values(status="sent"))
    await session.commit()
    return report.code


async def test_the_citizen_receives_the_reminder_with_the_rating_link(session, zalo, report_factory):
    code = await _resolved_four_days_ago(session, report_factory, "rr-1")
    assert (await scheduler.run_job_once("rating-reminder"))["asked"] == 1
    assert (await deliver_due())["sent"] == 1
    [text] = zalo.texts("rr-1")
    assert code in text and "/rate/" in text
    assert "từ 1 (rất tệ) đến 5 (rất tốt)" in text
    assert not text.rstrip().endswith(":")


def test_the_reminder_offers_the_rating_buttons_and_speaks_english_to_english_speakers():
    row = Outbox(kind="rating_reminder", payload={"code": "PA-ABC234", "category": "Xả rác",
                                                   "rate_url": "http://127.0.0.1:8000/rate/tok"})
    [vi] = render(row, "vi")
    assert [payload for _label, payload in vi.buttons] == [f"rate:PA-ABC234:{n}" for n in range(1, 6)]
    [en] = render(row, "en")
    assert "Rate it from 1" in en.text and "http://127.0.0.1:8000/rate/tok" in en.text
