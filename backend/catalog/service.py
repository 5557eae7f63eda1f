"""Reference data: look-ups, routing (category x area -> agency) and deadlines."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

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
from backend.core.db import detached
from backend.core.errors import NotFound, ValidationFailed

TRIAGE_KIND = "ioc"
T = TypeVar("T")


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


@dataclass(frozen=True)
class Route:
    agency_id: int | None
    rule_id: int | None
    triage: bool


@dataclass(frozen=True)
class _Rule:
    category_id: int | None
    area_id: int | None
    agency_id: int | None
    agency_of_area: bool
    rule_id: int


@dataclass
class Reference:
    """Routing and deadline data, read once and kept per process: creating a report must not
    re-read a hundred agencies and every rule. Refreshed after `invalidate_cache()` (seed, admin
    edits in this process) or after CACHE_TTL_S (edits made by another process)."""

    category_ids: dict[str, int]
    area_ids: dict[str, int]
    parents: dict[int, int | None]
    active_agencies: dict[int, str]  # id -> kind
    agency_of_area: dict[int, int]
    rules: list[_Rule]
    policies: dict[tuple[int | None, str], tuple[int, str]]
    calendar: WorkCalendar
    loaded_at: float
    database_url: str
    # Column values of every category, agency and area, to give a new report its relationships
    # without a query (`row_object`).
    rows: dict[tuple[type, int], dict[str, Any]] = field(default_factory=dict)

    def row_object(self, model: type[T], id_: int | None) -> T | None:
        """A fresh detached instance of a reference row (owned by no session, safe to read; load
        it in a session to change it)."""
        values = self.rows.get((model, id_)) if id_ is not None else None
        return None if values is None else detached(model, values)

    def ancestors(self, area_id: int | None) -> list[int]:
        ids: list[int] = []
        current = area_id
        while current is not None and current not in ids:
            ids.append(current)
            current = self.parents.get(current)
        return ids


CACHE_TTL_S = 30.0
_reference: Reference | None = None


def invalidate_cache() -> None:
    global _reference
    _reference = None


async def reference(*, session: AsyncSession) -> Reference:
    global _reference
    url = get_settings().database_url
    fresh = _reference is not None and time.monotonic() - _reference.loaded_at < CACHE_TTL_S
    if _reference is not None and fresh and _reference.database_url == url:
        return _reference
    rows: dict[tuple[type, int], dict[str, Any]] = {}
    for model in (Category, Agency, Area):
        columns = [c.key for c in model.__table__.columns]
        for values in (await session.execute(select(*model.__table__.columns))).all():
            row = dict(zip(columns, values, strict=True))
            rows[(model, row["id"])] = row
    categories = [(v["code"], v["id"]) for (m, _), v in rows.items() if m is Category]
    areas = [(v["id"], v["code"], v["parent_id"]) for (m, _), v in rows.items() if m is Area]
    agencies = [(v["id"], v["kind"], v["area_id"], v["active"]) for (m, _), v in rows.items() if m is Agency]
    rules = (
        await session.scalars(
            select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.position, RoutingRule.id)
        )
    ).all()
    policies = (await session.scalars(select(DeadlinePolicy))).all()
    by_area: dict[int, int] = {}
    for agency_id, _kind, area_id, active in sorted(agencies):
        if active and area_id is not None:
            by_area.setdefault(area_id, agency_id)
    _reference = Reference(
        category_ids={code: id_ for code, id_ in categories},
        area_ids={code: id_ for id_, code, _ in areas},
        parents={id_: parent for id_, _, parent in areas},
        active_agencies={id_: kind for id_, kind, _, active in agencies if active},
        agency_of_area=by_area,
        rules=[_Rule(r.category_id, r.area_id, r.agency_id, r.agency_of_area, r.id) for r in rules],
        policies={(p.category_id, p.priority): (p.amount, p.unit) for p in policies},
        calendar=await work_calendar(session=session),
        loaded_at=time.monotonic(),
        database_url=url,
        rows=rows,
    )
    return _reference


def route_ids(ref: Reference, category_id: int, area_id: int | None) -> Route:
    """First matching active rule wins; an area rule matches the area and its descendants.
    No match (or no active agency for the area) falls through to the IOC triage queue."""
    area_ids = ref.ancestors(area_id)
    for rule in ref.rules:
        if rule.category_id is not None and rule.category_id != category_id:
            continue
        if rule.area_id is not None and rule.area_id not in area_ids:
            continue
        agency_id = ref.agency_of_area.get(area_id) if rule.agency_of_area and area_id is not None else rule.agency_id
        if agency_id is None or agency_id not in ref.active_agencies:
            continue
        return Route(agency_id=agency_id, rule_id=rule.rule_id, triage=ref.active_agencies[agency_id] == TRIAGE_KIND)
    triage = next((id_ for id_, kind in sorted(ref.active_agencies.items()) if kind == TRIAGE_KIND), None)
    return Route(agency_id=triage, rule_id=None, triage=True)


async def route(*, session: AsyncSession, category: Category, area: Area | None) -> Route:
    return route_ids(await reference(session=session), category.id, area.id if area else None)


def deadline_for(ref: Reference, category_id: int, priority: str, start: datetime) -> datetime | None:
    """Due time from the most specific policy: (category, priority), then (any, priority)."""
    policy = ref.policies.get((category_id, priority)) or ref.policies.get((None, priority))
    if policy is None:
        return None
    return ref.calendar.add(start, policy[0], policy[1])


async def work_calendar(*, session: AsyncSession) -> WorkCalendar:
    settings = get_settings()
    days = (await session.scalars(select(Holiday.day))).all()
    hours = await session.get(Setting, "working_hours")
    return WorkCalendar.build(days, hours.value if hours else None, settings.timezone)


async def deadline(*, session: AsyncSession, category: Category, priority: str, start: datetime) -> datetime | None:
    return deadline_for(await reference(session=session), category.id, priority, start)


async def holidays(*, session: AsyncSession) -> list[date]:
    return list((await session.scalars(select(Holiday.day).order_by(Holiday.day))).all())
