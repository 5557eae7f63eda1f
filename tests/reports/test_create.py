from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from backend.reports import service as report_service
from backend.reports import store
from backend.reports.models import Report, ReportEvent
from backend.reports.schemas import ReportCreate

Factory = Callable[..., Awaitable[Any]]


async def test_create_classifies_places_and_routes_a_report(report_factory: Factory) -> None:
    report = await report_factory("Quán nhậu lấn chiếm hết vỉa hè, bày bàn ghế ra lòng đường")
    assert report.code.startswith("PA-") and len(report.code) >= 9
    assert report.category.code == "encroachment" and report.category_source == "nlu"
    assert report.area is not None and report.agency is not None and report.due_at is not None
    assert report.status == "assigned"


async def test_a_citizens_pick_keeps_what_the_classifier_would_have_said_on_the_create_event(
    session: AsyncSession, report_factory: Factory
) -> None:
    report = await report_factory("Quán nhậu lấn chiếm hết vỉa hè, bày bàn ghế ra lòng đường", category="other")
    event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                           ReportEvent.action == "create"))
    assert (report.category.code, report.category_source) == ("other", "citizen")
    assert event.data["nlu"]["category"] == "encroachment" and 0 < event.data["nlu"]["confidence"] <= 1


async def test_tracking_code_uses_only_unambiguous_capitals_and_digits(report_factory: Factory) -> None:
    report = await report_factory()
    assert all(ch in store.CODE_ALPHABET for ch in report.code[3:])


async def test_address_alone_is_geocoded(report_factory: Factory) -> None:
    report = await report_factory(latitude=None, longitude=None, address="123 Lê Duẩn, phường Tân Lập, BMT")
    assert report.latitude is not None and report.area is not None and "Tân Lập" in report.area.name


async def test_point_outside_the_province_is_refused(report_factory: Factory) -> None:
    with pytest.raises(ValidationFailed, match="ngoài"):
        await report_factory(latitude=21.0285, longitude=105.8542)  # Hà Nội


async def test_report_without_location_or_address_is_refused(report_factory: Factory) -> None:
    with pytest.raises(ValidationFailed):
        await report_factory(latitude=None, longitude=None)


async def test_creation_writes_the_first_timeline_events(session: AsyncSession, report_factory: Factory) -> None:
    report = await report_factory()
    actions = (
        await session.scalars(
            select(ReportEvent.action).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
        )
    ).all()
    assert actions == ["create", "assign"]


async def test_nearby_open_report_of_same_category_is_offered_as_duplicate(
    session: AsyncSession, report_factory: Factory
) -> None:
    first = await report_factory(
        "Bày hàng chiếm vỉa hè trước chợ", latitude=12.6675, longitude=108.0378, category="encroachment"
    )
    created = await report_service.create(
        session=session,
        actor=Actor.system(),
        report_in=ReportCreate(
            description="Lấn chiếm vỉa hè", latitude=12.6678, longitude=108.0380, category="encroachment"
        ),
    )
    assert [r.code for r in created.duplicates] == [first.code]
    assert created.report.id != first.id  # never dropped


async def test_report_farther_than_100_m_is_not_a_duplicate(session: AsyncSession, report_factory: Factory) -> None:
    await report_factory(latitude=12.6675, longitude=108.0378, category="encroachment")
    created = await report_service.create(
        session=session,
        actor=Actor.system(),
        report_in=ReportCreate(description="Bàn ghế chiếm vỉa hè",
                               latitude=12.6675 + 0.0012, longitude=108.0378, category="encroachment"),
    )
    assert created.duplicates == []


async def test_report_of_another_category_is_not_a_duplicate(session: AsyncSession, report_factory: Factory) -> None:
    await report_factory(category="encroachment")
    created = await report_service.create(
        session=session,
        actor=Actor.system(),
        report_in=ReportCreate(description="Bàn ghế chiếm vỉa hè",
                               latitude=12.6675, longitude=108.0378, category="littering"),
    )
    assert created.duplicates == []


async def test_old_report_outside_the_window_is_not_a_duplicate(session: AsyncSession, report_factory: Factory) -> None:
    old = await report_factory(category="encroachment")
    old.created_at = old.created_at - timedelta(days=31)
    await session.flush()
    created = await report_service.create(
        session=session,
        actor=Actor.system(),
        report_in=ReportCreate(description="Bàn ghế chiếm vỉa hè",
                               latitude=12.6675, longitude=108.0378, category="encroachment"),
    )
    assert created.duplicates == []


async def test_rating_only_for_resolved_reports(session: AsyncSession, report_factory: Factory) -> None:
    report = await report_factory()
    with pytest.raises(InvalidTransition):
        await report_service.rate(session=session, report=report, stars=5, actor=Actor.system())


async def _resolved(session: AsyncSession, report_factory: Factory) -> Report:
    report = await report_factory()
    report.status, report.resolved_at = "resolved", report_service.utcnow()
    await session.flush()
    return report


async def test_new_rating_replaces_the_old_one(session: AsyncSession, report_factory: Factory) -> None:
    report = await _resolved(session, report_factory)
    await report_service.rate(session=session, report=report, stars=2, actor=Actor.system())
    rating, _ = await report_service.rate(
        session=session, report=report, stars=4, actor=Actor.system(), comment="Đã sạch"
    )
    assert (rating.stars, rating.comment) == (4, "Đã sạch")


async def test_low_rating_offers_reopening(session: AsyncSession, report_factory: Factory) -> None:
    report = await _resolved(session, report_factory)
    _, offer = await report_service.rate(session=session, report=report, stars=1, actor=Actor.system())
    assert offer


async def test_rating_after_14_days_is_refused(session: AsyncSession, report_factory: Factory) -> None:
    report = await _resolved(session, report_factory)
    report.resolved_at = report.resolved_at - timedelta(days=15)
    with pytest.raises(InvalidTransition):
        await report_service.rate(session=session, report=report, stars=5, actor=Actor.system())


async def test_rating_outside_one_to_five_is_refused(session: AsyncSession, report_factory: Factory) -> None:
    report = await _resolved(session, report_factory)
    with pytest.raises(ValidationFailed):
        await report_service.rate(session=session, report=report, stars=6, actor=Actor.system())


async def test_officer_cannot_rate(session: AsyncSession, report_factory: Factory, make_user: Factory) -> None:
    report = await _resolved(session, report_factory)
    officer = await make_user("officer", agency_code=report.agency.code)
    with pytest.raises(PermissionDenied):
        await report_service.rate(session=session, report=report, stars=5, actor=Actor.staff(officer))


async def test_photo_type_is_checked_by_content_not_name(session: AsyncSession, report_factory: Factory) -> None:
    report = await report_factory()
    with pytest.raises(ValidationFailed, match="ảnh"):
        await report_service.add_photo(
            session=session, report=report, data=b"MZ\x90\x00 not a jpeg", actor=Actor.system()
        )


async def test_photo_is_stored_once_by_sha256(
    session: AsyncSession, report_factory: Factory, png_bytes: bytes, media_dir: Any
) -> None:
    report = await report_factory()
    a = await report_service.add_photo(session=session, report=report, data=png_bytes, actor=Actor.system())
    b = await report_service.add_photo(session=session, report=report, data=png_bytes, actor=Actor.system())
    assert a.sha256 == b.sha256 and len(list(media_dir.rglob(f"{a.sha256}.*"))) == 1


async def test_deadline_skips_weekend_and_holidays(
    session: AsyncSession, report_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from backend.catalog.models import DeadlinePolicy

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    policy = await session.scalar(
        select(DeadlinePolicy).where(DeadlinePolicy.category_id.is_(None), DeadlinePolicy.priority == "normal")
    )
    assert (policy.amount, policy.unit) == (3, "working_days")  # Buôn Ma Thuột: 3 working days
    # Wednesday 29/4/2026 10:00: Thu 30/4 and Fri 1/5 are public holidays, then the weekend.
    monkeypatch.setattr(report_service, "utcnow", lambda: datetime(2026, 4, 29, 10, 0, tzinfo=tz))
    report = await report_factory(category="other")
    assert report.due_at.astimezone(tz) == datetime(2026, 5, 6, 10, 0, tzinfo=tz)


async def test_supporting_a_report_counts_once(session: AsyncSession, report_factory: Factory) -> None:
    from backend.citizens import service as citizen_service

    report = await report_factory()
    citizen = await citizen_service.get_or_create(session=session, channel="zalo", external_id="u1")
    assert await report_service.support(session=session, report=report, citizen=citizen)
    assert not await report_service.support(session=session, report=report, citizen=citizen)
    assert report.supporters_count == 1
