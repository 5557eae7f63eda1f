"""Staff corrections of the classifier (backend/reports/corrections.py), made with `recategorize`
itself on reports filed through `create`."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.reports import service as report_service
from backend.reports.corrections import list_corrections
from backend.reports.schemas import ReportCreate
from nlu import CATEGORIES
from nlu import service as nlu_service
from tests.conftest import BMT_CENTRE

Factory = Callable[..., Awaitable[Any]]
SIDEWALK = "Quán cà phê bày bàn ghế chiếm hết vỉa hè đường Lê Duẩn"
SEWER = "Cống thoát nước trên đường Phan Bội Châu bị tắc, nước thải tràn lên mặt đường"


def another(code: str) -> str:
    return next(c for c in CATEGORIES if c != code)


@pytest.fixture
def citizen_pick(session: AsyncSession) -> Factory:
    """A report whose category the citizen picked in the chat (the classifier was unsure)."""

    async def pick(description: str, code: str) -> Any:
        created = await report_service.create(
            session=session, actor=Actor.of_citizen(None), channel="zalo",
            report_in=ReportCreate(description=description, latitude=BMT_CENTRE[0], longitude=BMT_CENTRE[1],
                                   category=code),
        )
        await session.commit()
        return created.report

    return pick


async def test_a_staff_correction_is_listed_with_the_classifiers_label_and_the_staff_label(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    report = await report_factory(SIDEWALK)
    guessed, confidence = report.category.code, report.category_confidence
    await correct(report, another(guessed))
    [found] = await list_corrections(session=session)
    assert (found.code, found.text, found.predicted, found.final, found.source, found.channel, found.changes) == (
        report.code, SIDEWALK, guessed, another(guessed), "staff", "hotline", 1
    )
    assert found.confidence == pytest.approx(confidence) and 0 < found.confidence <= 1


async def test_a_report_corrected_twice_counts_once_with_its_final_label(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    report = await report_factory(SIDEWALK)
    guessed = report.category.code
    first, final = [c for c in CATEGORIES if c != guessed][:2]
    await correct(report, first)
    await correct(report, final)
    [found] = await list_corrections(session=session)
    assert (found.predicted, found.final, found.changes) == (guessed, final, 2)


async def test_a_label_changed_back_to_the_classifiers_is_not_a_correction(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    report = await report_factory(SIDEWALK)
    guessed = report.category.code
    await correct(report, another(guessed))
    await correct(report, guessed)
    assert await list_corrections(session=session) == []


async def test_citizen_picks_are_listed_only_when_asked_for(session: AsyncSession, citizen_pick: Factory) -> None:
    guessed = (await nlu_service.classify(SEWER)).category
    report = await citizen_pick(SEWER, another(guessed))
    assert await list_corrections(session=session) == []
    [found] = await list_corrections(session=session, include_citizen=True)
    assert (found.code, found.predicted, found.final, found.source, found.channel, found.changes) == (
        report.code, guessed, another(guessed), "citizen", "zalo", 0
    )


async def test_a_citizen_pick_that_agrees_with_the_classifier_is_not_a_correction(
    session: AsyncSession, citizen_pick: Factory
) -> None:
    await citizen_pick(SEWER, (await nlu_service.classify(SEWER)).category)
    assert await list_corrections(session=session, include_citizen=True) == []


async def test_staff_correcting_a_citizen_pick_is_listed_against_the_classifiers_guess(
    session: AsyncSession, citizen_pick: Factory, correct: Factory
) -> None:
    guessed = (await nlu_service.classify(SEWER)).category
    wrong, right = [c for c in CATEGORIES if c != guessed][:2]
    report = await correct(await report_service.get(session=session, code=(await citizen_pick(SEWER, wrong)).code),
                           right)
    [found] = await list_corrections(session=session)
    assert (found.code, found.predicted, found.final, found.source) == (report.code, guessed, right, "staff")


async def test_the_window_is_the_date_of_the_last_correction(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    early, late = await report_factory(SIDEWALK), await report_factory(SEWER)
    await correct(early, another(early.category.code))
    between = utcnow()
    await correct(late, another(late.category.code))
    assert [c.code for c in await list_corrections(session=session, since=between)] == [late.code]
    assert [c.code for c in await list_corrections(session=session, until=between)] == [early.code]
    assert [c.code for c in await list_corrections(session=session)] == [early.code, late.code]
    assert await list_corrections(session=session, since=utcnow()) == []


async def test_rejected_and_merged_reports_are_left_out(
    session: AsyncSession, report_factory: Factory, correct: Factory, staff: Actor
) -> None:
    kept, rejected, merged = [await report_factory(SIDEWALK) for _ in range(3)]
    for report in (kept, rejected, merged):
        await correct(report, another(report.category.code))
    await report_service.transition(session=session, report=rejected, action="reject", actor=staff,
                                    note="Tin nhắn rác")
    await report_service.transition(session=session, report=merged, action="duplicate", actor=staff,
                                    original_code=kept.code)
    await session.commit()
    assert [c.code for c in await list_corrections(session=session)] == [kept.code]


async def test_personal_data_is_out_of_the_text_before_it_is_listed(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    report = await report_factory(f"{SIDEWALK}, số 120, gọi 0905 123 456 hoặc nam.nguyen@gmail.com")
    await correct(report, another(report.category.code))
    [found] = await list_corrections(session=session)
    assert found.text == f"{SIDEWALK}, số 120, gọi [sđt] hoặc [email]"
    assert dict(found.replaced) == {"phone": 1, "email": 1}



async def test_newest_lists_only_the_latest_corrections_oldest_first(
    session: AsyncSession, report_factory: Factory, correct: Factory
) -> None:
    reports = [await report_factory(SIDEWALK) for _ in range(4)]
    guessed = reports[0].category.code
    for report in reports:
        await correct(report, another(guessed))
    await correct(reports[3], guessed)  # changed back last: no correction, however recent
    latest = await list_corrections(session=session, newest=2)
    assert [c.code for c in latest] == [reports[1].code, reports[2].code]
    assert [c.code for c in await list_corrections(session=session, newest=10)] == [r.code for r in reports[:3]]
