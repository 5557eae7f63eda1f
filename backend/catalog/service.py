"""Reference data: look-ups, routing (category x area -> agency) and deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.calendar import WorkCalendar
from backend.catalog.models import (
    Agency,
    Area,
    Category,
    DeadlinePolicy,
    Holiday,
    RoutingRule,
    Setting,
)
from backend.core.config import get_settings
from backend.core.errors import NotFound, ValidationFailed

TRIAGE_KIND = "ioc"


async def get_category(*, session: AsyncSession, code: str) -> Category:
    category = await session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise ValidationFailed(f"Lĩnh vực không tồn tại / unknown category: {code}", field="category")
    return category


async def get_agency(*, session: AsyncSession, code: str) -> Agency:
    agency = await session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"Đơn vị không tồn tại / unknown agency: {code}")
    return agency


async def list_categories(*, session: AsyncSession) -> Sequence[Category]:
    return (await session.scalars(select(Category).order_by(Category.sort_order, Category.code))).all()


async def list_agencies(*, session: AsyncSession) -> Sequence[Agency]:
    return (await session.scalars(select(Agency).order_by(Agency.kind, Agency.name))).all()


async def list_areas(*, session: AsyncSession) -> Sequence[Area]:
    return (await session.scalars(select(Area).order_by(Area.kind, Area.name))).all()


async def triage_agency(*, session: AsyncSession) -> Agency | None:
    return await session.scalar(select(Agency).where(Agency.kind == TRIAGE_KIND).order_by(Agency.id))


@dataclass(frozen=True)
class Route:
    agency: Agency | None
    rule_id: int | None
    triage: bool


async def _ancestors(session: AsyncSession, area: Area | None) -> list[int]:
    ids: list[int] = []
    current = area
    while current is not None and current.id not in ids:
        ids.append(current.id)
        if current.parent_id is None:
            break
        current = await session.get(Area, current.parent_id)
    return ids


async def route(*, session: AsyncSession, category: Category, area: Area | None) -> Route:
    """First matching active rule wins; an area rule matches the area and its descendants.
    No match (or no agency for the area) falls through to the IOC triage queue."""
    area_ids = await _ancestors(session, area)
    rules = (
        await session.scalars(
            select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.position, RoutingRule.id)
        )
    ).all()
    for rule in rules:
        if rule.category_id is not None and rule.category_id != category.id:
            continue
        if rule.area_id is not None and rule.area_id not in area_ids:
            continue
        agency: Agency | None = None
        if rule.agency_of_area:
            if area is None:
                continue
            agency = await session.scalar(
                select(Agency).where(Agency.area_id == area.id, Agency.active.is_(True)).order_by(Agency.id)
            )
        elif rule.agency_id is not None:
            agency = await session.get(Agency, rule.agency_id)
        if agency is None or not agency.active:
            continue
        return Route(agency=agency, rule_id=rule.id, triage=agency.kind == TRIAGE_KIND)
    fallback = await triage_agency(session=session)
    return Route(agency=fallback, rule_id=None, triage=True)


async def work_calendar(*, session: AsyncSession) -> WorkCalendar:
    settings = get_settings()
    holidays = (await session.scalars(select(Holiday.day))).all()
    hours = await session.get(Setting, "working_hours")
    return WorkCalendar.build(holidays, hours.value if hours else None, settings.timezone)


async def deadline(*, session: AsyncSession, category: Category, priority: str, start: datetime) -> datetime | None:
    """Due time from the most specific policy: (category, priority), then (any, priority)."""
    policies = (
        await session.scalars(
            select(DeadlinePolicy).where(
                DeadlinePolicy.priority == priority,
                (DeadlinePolicy.category_id == category.id) | DeadlinePolicy.category_id.is_(None),
            )
        )
    ).all()
    if not policies:
        return None
    policy = sorted(policies, key=lambda p: p.category_id is None)[0]
    calendar = await work_calendar(session=session)
    return calendar.add(start, policy.amount, policy.unit)


async def holidays(*, session: AsyncSession) -> list[date]:
    return list((await session.scalars(select(Holiday.day).order_by(Holiday.day))).all())
