"""The classifier's production quality (backend/reports/classifier_quality.py), over reports filed
with `create` and corrected with `recategorize`, as staff and citizens do it."""

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.reports import service as report_service
from backend.reports.classifier_quality import quality, week_bounds
from backend.reports.corrections import list_corrections
from backend.reports.models import Report, ReportEvent
from backend.reports.schemas import ReportCreate
from nlu import CATEGORIES
from nlu import service as nlu_service
from tests.conftest import BMT_CENTRE

Factory = Callable[..., Awaitable[Any]]
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SIDEWALK = "Quán cà phê bày bàn ghế chiếm hết vỉa hè đường Lê Duẩn"
SEWER = "Cống thoát nước trên đường Phan Bội Châu bị tắc, nước thải tràn lên mặt đường"
LIGHT = "Đèn đường trên đường Nguyễn Tất Thành bị hỏng mấy hôm nay, tối om rất nguy hiểm"


def another(code: str, n: int = 0) -> str:
    return [c for c in CATEGORIES if c != code][n]


@pytest.fixture
def filed_with(session: AsyncSession, staff: Actor) -> Factory:
    """A report whose category was chosen when it was filed: by staff (hotline) or by the citizen
    in the chat when the classifier was unsure."""

    async def file(description: str, code: str, by: str) -> Any:
        actor = staff if by == "staff" else Actor.of_citizen(None)
        created = await report_service.create(
            session=session, actor=actor, channel="hotline" if by == "staff" else "zalo",
            report_in=ReportCreate(description=description, latitude=BMT_CENTRE[0], longitude=BMT_CENTRE[1],
                                   category=code),
        )
        await session.commit()
        return await report_service.get(session=session, code=created.report.code)

    return file


@pytest.fixture
def filed_at(session: AsyncSession) -> Factory:
    """Move a report's filing time (the factories file it now)."""

    async def move(report: Any, when: datetime) -> None:
        await session.execute(update(Report).where(Report.id == report.id).values(created_at=when))
        await session.commit()

    return move


def window() -> tuple[datetime, datetime]:
    return utcnow() - timedelta(days=1), utcnow() + timedelta(minutes=1)


async def test_kept_corrected_staff_set_and_citizen_picks_are_counted_apart(
    session: AsyncSession, report_factory: Factory, correct: Factory, filed_with: Factory
) -> None:
    await report_factory(SIDEWALK)  # kept
    await correct(await report_factory(SEWER), another((await nlu_service.classify(SEWER)).category))
    await filed_with(LIGHT, "encroachment", "staff")  # the hotline chose: not the classifier's
    guess = (await nlu_service.classify(LIGHT)).category
    await filed_with(LIGHT, guess, "citizen")  # agreed with the guess: kept
    await filed_with(LIGHT, another(guess), "citizen")  # against the guess
    q = await quality(session=session, since=window()[0], until=window()[1], zone=ZONE)
    t = q.total
    assert (q.filed, q.staff_set, t.labelled, t.kept, t.corrected, t.citizen_other) == (5, 1, 4, 2, 1, 1)
    assert (q.citizen_picks, q.citizen_agreed) == (2, 1)
    assert t.right_first_time == pytest.approx(0.5)


async def test_a_label_changed_back_to_the_classifiers_is_kept_and_twice_corrected_counts_once(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    back, twice = await report_factory(SIDEWALK), await report_factory(SIDEWALK)
    guessed = back.category.code
    await correct(back, another(guessed))
    await correct(back, guessed)
    await correct(twice, another(guessed))
    await correct(twice, another(guessed, 1))
    t = (await quality(session=session, since=window()[0], until=window()[1], zone=ZONE)).total
    assert (t.labelled, t.kept, t.corrected) == (2, 1, 1)


async def test_staff_correcting_a_citizens_pick_counts_against_the_classifiers_guess(
    session: AsyncSession, filed_with: Factory, correct: Factory
) -> None:
    guess = (await nlu_service.classify(SEWER)).category
    await correct(await filed_with(SEWER, another(guess), "citizen"), another(guess, 1))
    q = await quality(session=session, since=window()[0], until=window()[1], zone=ZONE)
    assert (q.total.labelled, q.total.corrected, q.citizen_picks, q.citizen_agreed) == (1, 1, 1, 0)
    assert [(c.predicted, c.final, c.staff, c.citizen) for c in q.confusions] == [(guess, another(guess, 1), 1, 0)]


async def test_per_category_and_confusion_pairs_follow_the_classifiers_label(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    sidewalks = [await report_factory(SIDEWALK) for _ in range(3)]
    sewer = await report_factory(SEWER)
    a, b = sidewalks[0].category.code, sewer.category.code
    assert a != b
    await correct(sidewalks[0], another(a))
    await correct(sidewalks[1], another(a))
    await correct(sewer, another(b, 1))
    q = await quality(session=session, since=window()[0], until=window()[1], zone=ZONE)
    assert [(c.code, c.labelled, c.kept, c.corrected) for c in q.categories] == [(a, 3, 1, 2), (b, 1, 0, 1)]
    assert q.categories[0].share_corrected == pytest.approx(2 / 3)
    assert [(c.predicted, c.final, c.total) for c in q.confusions] == [(a, another(a), 2), (b, another(b, 1), 1)]


async def test_the_window_is_when_reports_were_filed_not_when_corrected(
    session: AsyncSession, report_factory: Factory, correct: Factory, filed_at: Factory
) -> None:
    old = await report_factory(SIDEWALK)
    await report_factory(SIDEWALK)
    await filed_at(old, utcnow() - timedelta(days=40))
    await correct(old, another(old.category.code))  # corrected today, filed 40 days ago
    q = await quality(session=session, since=utcnow() - timedelta(days=30), until=utcnow(), zone=ZONE)
    assert (q.filed, q.total.labelled, q.total.kept, q.total.corrected) == (1, 1, 1, 0)
    assert (await quality(session=session, since=utcnow(), until=utcnow() + timedelta(days=1), zone=ZONE)).filed == 0


async def test_reports_nobody_looked_at_yet_count_as_kept_and_are_shown_as_still_new(
    session: AsyncSession, report_factory: Factory
) -> None:
    waiting, routed = await report_factory(SIDEWALK), await report_factory(SIDEWALK)
    # as a report the routing rules send to the IOC's triage queue: nobody has opened it yet
    await session.execute(update(Report).where(Report.id == waiting.id).values(status="new"))
    await session.commit()
    assert routed.status == "assigned"
    q = await quality(session=session, since=window()[0], until=window()[1], zone=ZONE)
    assert (q.total.labelled, q.total.kept, q.still_new) == (2, 2, 1)


async def test_a_report_filed_before_the_create_event_kept_its_source_is_judged_by_its_first_change(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    report = await report_factory(SIDEWALK)
    guessed = report.category.code
    await session.execute(update(ReportEvent).where(ReportEvent.report_id == report.id,
                                                    ReportEvent.action == "create").values(data=None))
    await session.commit()
    await correct(report, another(guessed))
    q = await quality(session=session, since=window()[0], until=window()[1], zone=ZONE)
    assert (q.total.labelled, q.total.corrected) == (1, 1)
    assert [(c.predicted, c.final) for c in q.confusions] == [(guessed, another(guessed))]


async def test_rejected_and_merged_reports_are_left_out(
    session: AsyncSession, report_factory: Factory, correct: Factory, staff: Actor
) -> None:
    kept, rejected, merged = [await report_factory(SIDEWALK) for _ in range(3)]
    for report in (rejected, merged):
        await correct(report, another(report.category.code))
    await report_service.transition(session=session, report=rejected, action="reject", actor=staff, note="Tin rác")
    await report_service.transition(session=session, report=merged, action="duplicate", actor=staff,
                                    original_code=kept.code)
    await session.commit()
    q = await quality(session=session, since=window()[0], until=window()[1], zone=ZONE)
    assert (q.filed, q.total.labelled, q.total.corrected) == (1, 1, 0)


async def test_the_corrected_count_is_the_corrections_list_of_the_reports_filed_then(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    for text in (SIDEWALK, SEWER, LIGHT):
        report = await report_factory(text)
        await correct(report, another(report.category.code))
    since, until = window()
    q = await quality(session=session, since=since, until=until, zone=ZONE)
    listed = [c for c in await list_corrections(session=session) if since <= c.created_at < until]
    assert q.total.corrected == len(listed) == 3
    assert sum(c.staff for c in q.confusions) == 3


async def test_weekly_buckets_begin_on_local_mondays(
    session: AsyncSession, report_factory: Factory, correct: Factory, filed_at: Factory
) -> None:
    # Monday 30 Nov 2026 00:00 in Vietnam is Sunday 29 Nov 17:00 UTC.
    since, until = datetime(2026, 11, 18, 17, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)  # Thu 19 Nov local
    sunday_night = datetime(2026, 11, 29, 16, 30, tzinfo=UTC)  # Sun 29 Nov 23:30 local
    monday_early = datetime(2026, 11, 29, 17, 30, tzinfo=UTC)  # Mon 30 Nov 00:30 local
    a, b, c = [await report_factory(SIDEWALK) for _ in range(3)]
    await correct(b, another(b.category.code))
    for report, when in ((a, sunday_night), (b, sunday_night), (c, monday_early)):
        await filed_at(report, when)
    q = await quality(session=session, since=since, until=until, zone=ZONE)
    assert [(w.start, w.first_day, w.last_day, w.labelled, w.corrected) for w in q.weeks] == [
        (date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 22), 0, 0),
        (date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 29), 2, 1),
        (date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 2), 1, 0),
    ]


def test_week_bounds_are_the_window_edges_and_the_local_mondays_between() -> None:
    since, until = datetime(2026, 11, 18, 17, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    assert week_bounds(since, until, ZONE) == [
        since, datetime(2026, 11, 22, 17, tzinfo=UTC), datetime(2026, 11, 29, 17, tzinfo=UTC), until
    ]
