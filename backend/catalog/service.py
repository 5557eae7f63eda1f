"""Reference data: look-ups, routing (category x area -> agency), deadlines, and the admins' edits
of agencies, categories, areas, routing rules and deadlines.

The routing and deadline data is cached per process (`reference()`). Every edit made here marks
the catalog changed: the processes of this host see it before their next report (a stamp file,
one stat() per use), the processes of other hosts within CATALOG_CHECK_SECONDS (default 5 s: a
version row they read that often), edits made outside these functions (SQL by hand) within
CACHE_TTL_S."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

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
from backend.core import stamp
from backend.core.config import get_settings
from backend.core.db import detached, dialect_insert
from backend.core.errors import NotFound, ValidationFailed

TRIAGE_KIND = "ioc"
T = TypeVar("T")


async def get_category(*, session: AsyncSession, code: str) -> Category:
    category = await session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise ValidationFailed(f"Lĩnh vực không tồn tại: {code}", field="category")
    return category


async def get_agency(*, session: AsyncSession, code: str) -> Agency:
    agency = await session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"Đơn vị không tồn tại: {code}")
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
    re-read a hundred agencies and every rule. Refreshed when the catalog changed (see the module
    docstring), after `invalidate_cache()`, or after CACHE_TTL_S."""

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
    stamp: stamp.Token = None  # this host's change stamp when loaded
    version: Any = None  # the catalog version row when loaded
    checked_at: float = 0.0  # when the version row was last read
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


CACHE_TTL_S = 30.0  # edits made outside this module
STAMP = "catalog"
VERSION_KEY = "catalog_version"
_reference: Reference | None = None
_listeners: list[Callable[[], None]] = []


def invalidate_cache() -> None:
    """Forget this process's reference data (the next use reloads it)."""
    global _reference
    _reference = None


def on_change(listener: Callable[[], None]) -> None:
    """Run `listener` in this process after each committed catalog edit (caches built from the
    catalog elsewhere, e.g. the geocoder's gazetteer, forget it too)."""
    _listeners.append(listener)


def _committed() -> None:
    invalidate_cache()
    for listener in _listeners:
        listener()


async def _version(session: AsyncSession) -> Any:
    return await session.scalar(select(Setting.value).where(Setting.key == VERSION_KEY))


async def reference(*, session: AsyncSession) -> Reference:
    global _reference
    url = get_settings().database_url
    now = time.monotonic()
    ref = _reference
    if (
        ref is not None
        and ref.database_url == url
        and now - ref.loaded_at < CACHE_TTL_S
        and ref.stamp == stamp.read(STAMP, url)
    ):
        if now - ref.checked_at < get_settings().catalog_check_seconds:
            return ref
        if await _version(session) == ref.version:
            ref.checked_at = now
            return ref
    seen_stamp, seen_version = stamp.read(STAMP, url), await _version(session)
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
        loaded_at=now,
        database_url=url,
        rows=rows,
        stamp=seen_stamp,
        version=seen_version,
        checked_at=now,
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


# --- admins' edits (each marks the catalog changed; the caller commits) ----------------------------

DEADLINE_UNITS = ("working_days", "working_hours", "days", "hours")


async def mark_changed(*, session: AsyncSession) -> None:
    """The catalog changed in this transaction: a new version row (other hosts reload within
    CATALOG_CHECK_SECONDS), and once it commits this host's stamp (every process here, at once)."""
    conn = await session.connection()
    ins = dialect_insert(conn.dialect.name, Setting).values(key=VERSION_KEY, value=uuid.uuid4().hex)
    await session.execute(ins.on_conflict_do_update(index_elements=["key"], set_={"value": ins.excluded.value}))
    invalidate_cache()  # this transaction reads its own edit; other sessions reload again after the commit
    stamp.bump_after_commit(session, STAMP, _committed)


async def _id_of(session: AsyncSession, model: Any, code: str | None, what: str) -> int | None:
    if not code:
        return None
    found = await session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise ValidationFailed(f"Mã {what} không tồn tại: {code}")
    return found


async def update_agency(
    *, session: AsyncSession, code: str, name: str, phone: str | None, email: str | None, active: bool
) -> Agency:
    """Contact details and whether it takes reports (an inactive agency is routed around)."""
    agency = await get_agency(session=session, code=code)
    agency.name = name.strip() or agency.name
    agency.phone = (phone or "").strip() or None
    agency.email = (email or "").strip() or None
    agency.active = active
    await mark_changed(session=session)
    return agency


async def update_category(
    *, session: AsyncSession, code: str, name: str, description: str, sort_order: int | None, active: bool
) -> Category:
    category = await get_category(session=session, code=code)
    category.name = name.strip() or category.name
    category.description = description.strip()
    category.sort_order = category.sort_order if sort_order is None else sort_order
    category.active = active
    await mark_changed(session=session)
    return category


async def list_rules(*, session: AsyncSession) -> Sequence[RoutingRule]:
    """Every routing rule in the order they are tried, with its category, area and agency."""
    return (await session.scalars(
        select(RoutingRule)
        .options(selectinload(RoutingRule.category), selectinload(RoutingRule.area), selectinload(RoutingRule.agency))
        .order_by(RoutingRule.position, RoutingRule.id)
    )).all()


async def save_rule(
    *,
    session: AsyncSession,
    rule_id: int | None,
    position: int,
    category_code: str | None,
    area_code: str | None,
    agency_code: str | None,
    agency_of_area: bool,
    note: str = "",
    active: bool = True,
) -> RoutingRule:
    """Add (rule_id None) or change a routing rule; it applies to the next report."""
    rule = RoutingRule() if rule_id is None else await session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("Không tìm thấy quy tắc")
    rule.position = position
    rule.category_id = await _id_of(session, Category, category_code, "lĩnh vực")
    rule.area_id = await _id_of(session, Area, area_code, "địa bàn")
    rule.agency_of_area = agency_of_area
    rule.agency_id = None if agency_of_area else await _id_of(session, Agency, agency_code, "đơn vị")
    if not rule.agency_of_area and rule.agency_id is None:
        raise ValidationFailed("Quy tắc cần đơn vị xử lý hoặc 'UBND nơi xảy ra'")
    rule.note = note.strip()
    rule.active = active
    if rule_id is None:
        session.add(rule)
    await session.flush()
    await mark_changed(session=session)
    return rule


async def list_deadlines(*, session: AsyncSession) -> Sequence[DeadlinePolicy]:
    """The defaults (no category) first, then per category and priority."""
    return (await session.scalars(
        select(DeadlinePolicy).options(selectinload(DeadlinePolicy.category))
        .order_by(DeadlinePolicy.category_id.is_not(None), DeadlinePolicy.category_id, DeadlinePolicy.priority)
    )).all()


async def update_deadline(*, session: AsyncSession, policy_id: int, amount: int, unit: str) -> DeadlinePolicy:
    policy = await session.get(DeadlinePolicy, policy_id)
    if policy is None:
        raise NotFound("Không tìm thấy thời hạn")
    if amount < 1 or unit not in DEADLINE_UNITS:
        raise ValidationFailed("Thời hạn cần số dương và đơn vị hợp lệ")
    policy.amount, policy.unit = amount, unit
    await mark_changed(session=session)
    return policy


async def search_areas(*, session: AsyncSession, q: str = "", limit: int = 200) -> tuple[Sequence[Area], int]:
    """(areas whose name contains q or whose code is q, how many areas there are in all)."""
    stmt = select(Area).order_by(Area.kind, Area.name).limit(limit)
    if q.strip():
        stmt = stmt.where(or_(Area.name.ilike(f"%{q.strip()}%"), Area.code == q.strip()))
    total = await session.scalar(select(func.count(Area.id))) or 0
    return (await session.scalars(stmt)).all(), total


async def update_area(
    *,
    session: AsyncSession,
    code: str,
    name: str,
    aliases: Sequence[str],
    latitude: float | None,
    longitude: float | None,
) -> Area:
    """Name, other names (the geocoder reads them) and the centre point of a commune or ward."""
    area = await session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound("Không tìm thấy xã/phường")
    area.name = name.strip() or area.name
    area.aliases = [a.strip() for a in aliases if a.strip()]
    if latitude is not None:
        area.latitude = latitude
    if longitude is not None:
        area.longitude = longitude
    await mark_changed(session=session)
    return area
