"""Indicator figures as leaders read them: the series of one indicator for an area with its
target, % of target, change on the same period last year (so cùng kỳ) and, for flows, the
cumulative since January (lũy kế); the list of all indicators with their latest figure; the
agencies late with their data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency, Area
from backend.core.config import get_settings
from backend.core.errors import NotFound, ValidationFailed
from backend.monitoring.indicators import periods
from backend.monitoring.indicators.importer import load_lookup
from backend.monitoring.indicators.models import (
    EntryDeadline,
    ImportBatch,
    Indicator,
    Observation,
    ObservationRevision,
    Target,
    TargetKind,
)


def local_today(now: datetime | None = None) -> date:
    zone = ZoneInfo(get_settings().timezone)
    return (now.astimezone(zone) if now else datetime.now(zone)).date()


@dataclass
class Point:
    period: str
    label: str
    value: float
    status: str
    target: float | None = None
    target_kind: str | None = None
    pct_of_target: float | None = None
    yoy_pct: float | None = None
    yoy_points: float | None = None
    cumulative: float | None = None
    cumulative_yoy_pct: float | None = None
    last_year: float | None = None
    on_track: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Overview:
    indicator: Indicator
    latest: Point | None
    trend: list[float | None] = field(default_factory=list)


def _pct(value: float | None, base: float | None) -> float | None:
    if value is None or base in (None, 0):
        return None
    assert base is not None
    return round((value / base - 1) * 100, 2)


def compute(indicator: Indicator, observed: dict[str, tuple[float, str]], targets: dict[int, tuple[float, str]],
            wanted: Sequence[periods.Period]) -> list[Point]:
    """Points for `wanted` periods from the observations of one indicator and area (`observed`:
    period code -> (value, status), last year's included) and its targets (year -> (value, kind))."""
    points = []
    flow = indicator.kind == "flow"
    for period in wanted:
        value, status = observed[period.code]
        point = Point(period.code, period.label(), value, status)
        previous = observed.get(period.year_before().code)
        point.last_year = previous[0] if previous else None
        if indicator.change == "points":
            point.yoy_points = round(value - previous[0], 2) if previous else None
        else:
            point.yoy_pct = _pct(value, point.last_year)
        to_date: float | None = None
        if flow:
            parts = periods.earlier_in_year(period, indicator.frequency)
            if parts:
                known = [observed.get(p.code) for p in parts]
                point.cumulative = round(sum(k[0] for k in known if k), 6) if all(known) else None
                before = [observed.get(p.year_before().code) for p in parts]
                cumulative_before = sum(k[0] for k in before if k) if all(before) else None
                point.cumulative_yoy_pct = _pct(point.cumulative, cumulative_before)
            else:  # 6/9 months and years are cumulative periods already
                point.cumulative = value
                point.cumulative_yoy_pct = point.yoy_pct
            to_date = point.cumulative
        else:
            to_date = value
        target = targets.get(period.year)
        if target is not None:
            point.target, point.target_kind = target
            if to_date is not None and target[0]:
                point.pct_of_target = round(to_date / target[0] * 100, 1)
            point.on_track = _on_track(indicator, period, to_date, target[0])
        points.append(point)
    return points


def _on_track(indicator: Indicator, period: periods.Period, to_date: float | None, target: float) -> bool | None:
    """Flows: the cumulative against the year's target pro rata to the months gone (a flow due by
    December should have half by June); stocks: the level against the target itself."""
    if to_date is None or indicator.direction == "neutral":
        return None
    goal = target * period.last_month / 12 if indicator.kind == "flow" else target
    return to_date >= goal if indicator.direction == "higher" else to_date <= goal


async def _targets(session: AsyncSession, indicator_ids: Sequence[int], area_id: int, years: set[int],
                   kind: str | None = None) -> dict[int, dict[int, tuple[float, str]]]:
    """Per indicator and year, the target of the highest-priority kind (or of `kind`)."""
    priority = dict((await session.execute(select(TargetKind.code, TargetKind.priority))).all())
    stmt = select(Target.indicator_id, Target.year, Target.kind, Target.value).where(
        Target.indicator_id.in_(indicator_ids), Target.area_id == area_id, Target.year.in_(years))
    if kind:
        stmt = stmt.where(Target.kind == kind)
    best: dict[int, dict[int, tuple[float, str]]] = {}
    for indicator_id, year, target_kind, value in await session.execute(stmt):
        current = best.setdefault(indicator_id, {}).get(year)
        if current is None or priority.get(target_kind, 99) < priority.get(current[1], 99):
            best[indicator_id][year] = (value, target_kind)
    return best


async def get_indicator(*, session: AsyncSession, code: str) -> Indicator:
    found = await session.scalar(select(Indicator).where(Indicator.code == code.upper()))
    if found is None:
        raise NotFound(f"Không có chỉ tiêu {code}")
    return found


async def resolve_area(*, session: AsyncSession, area: str | None) -> Area:
    """By code (the common case, one indexed look-up), else by name or a pre-2025 alias."""
    code = (area or "").strip()
    found = await session.scalar(select(Area).where(Area.code == code) if code
                                 else select(Area).where(Area.kind == "province").order_by(Area.id).limit(1))
    if found is not None:
        return found
    lookup = await load_lookup(session=session)
    try:
        area_id = lookup.area(area)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="area") from exc
    found = await session.get(Area, area_id)
    assert found is not None
    return found


def _range(text: str | None, what: str) -> periods.Period | None:
    if not text:
        return None
    try:
        return periods.parse(text)
    except periods.BadPeriod as exc:
        raise ValidationFailed(f"{what}: {exc}", field=what) from exc


async def series(*, session: AsyncSession, code: str, area: str | None = None, start: str | None = None,
                 end: str | None = None, target_kind: str | None = None) -> tuple[Indicator, Area, list[Point]]:
    """The indicator's points for an area (the province when none) from `start` to `end`
    (period texts; by default the last two years of data)."""
    indicator = await get_indicator(session=session, code=code)
    place = await resolve_area(session=session, area=area)
    first, last = _range(start, "from"), _range(end, "to")
    stmt = select(Observation.period, Observation.value, Observation.status).where(
        Observation.indicator_id == indicator.id, Observation.area_id == place.id)
    if first is not None:
        stmt = stmt.where(Observation.period_start >= date(first.year - 1, 1, 1))
    if last is not None:
        stmt = stmt.where(Observation.period_start < last.end)
    observed: dict[str, tuple[float, str]] = {}
    for period, value, status in await session.execute(stmt):
        observed[period] = (value, status)
    parsed = sorted((periods.parse(p) for p in observed), key=lambda p: (p.start, p.last_month))
    usable = [p for p in parsed if periods.fits(p, indicator.frequency)]
    if first is None and usable:
        newest = usable[-1]
        first = periods.Period(newest.year - 1, 1, 1)
    wanted = [p for p in usable if (first is None or p.start >= first.start) and (last is None or p.end <= last.end)]
    targets = await _targets(session, [indicator.id], place.id, {p.year for p in wanted}, target_kind)
    return indicator, place, compute(indicator, observed, targets.get(indicator.id, {}), wanted)


async def _province_id(session: AsyncSession) -> int:
    """The province's area (one indexed row; the importer's whole name lookup is not needed here)."""
    return int(await session.scalar(select(Area.id).where(Area.kind == "province").order_by(Area.id).limit(1)) or 0)


async def overview(*, session: AsyncSession, today: date | None = None) -> list[Overview]:
    """Every indicator with its latest province figure and the last 12 values for a sparkline."""
    today = today or local_today()
    province_id = await _province_id(session)
    indicators = (await session.scalars(select(Indicator).order_by(Indicator.sort_order))).all()
    since = date(today.year - 2, 1, 1)
    by_indicator: dict[int, dict[str, tuple[float, str]]] = {}
    for indicator_id, period, value, status in await session.execute(
            select(Observation.indicator_id, Observation.period, Observation.value, Observation.status)
            .where(Observation.area_id == province_id, Observation.period_start >= since)):
        by_indicator.setdefault(indicator_id, {})[period] = (value, status)
    targets = await _targets(session, [i.id for i in indicators], province_id,
                             {today.year - 2, today.year - 1, today.year})
    out = []
    for indicator in indicators:
        observed = by_indicator.get(indicator.id, {})
        usable = sorted((p for p in map(periods.parse, observed) if periods.fits(p, indicator.frequency)),
                        key=lambda p: (p.start, p.last_month))
        points = compute(indicator, observed, targets.get(indicator.id, {}), usable[-12:])
        out.append(Overview(indicator, points[-1] if points else None, [p.value for p in points]))
    return out


async def off_target_count(*, session: AsyncSession, today: date | None = None) -> int:
    """Indicators whose latest figure is behind its target (for the dashboard)."""
    return sum(1 for item in await overview(session=session, today=today)
               if item.latest is not None and item.latest.on_track is False)


async def history(*, session: AsyncSession, indicator: Indicator, area_id: int, limit: int = 50) -> list[Any]:
    """The latest changes of an indicator's observations in an area: who, when, which file."""
    rows = await session.execute(
        select(Observation.period, ObservationRevision.value, ObservationRevision.status,
               ObservationRevision.previous_value, ObservationRevision.previous_status,
               ObservationRevision.changed_by, ObservationRevision.changed_at, ObservationRevision.source)
        .join(Observation, Observation.id == ObservationRevision.observation_id)
        .where(Observation.indicator_id == indicator.id, Observation.area_id == area_id)
        .order_by(ObservationRevision.id.desc()).limit(limit))
    return list(rows)


async def recent_batches(*, session: AsyncSession, limit: int = 20) -> Sequence[ImportBatch]:
    return (await session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))).all()


@dataclass
class Late:
    agency: Agency
    frequency: str
    period: periods.Period
    due: date
    days_late: int
    missing: list[Indicator]


@dataclass
class Due:
    agency: Agency
    frequency: str
    period: periods.Period
    due: date
    remind_from: date
    missing: list[Indicator]


async def entries_due(*, session: AsyncSession, today: date) -> list[Due]:
    """For each owner agency and frequency, the latest closed period and what is still missing
    from it at province level (any status counts: an estimate is on time)."""
    deadlines = (await session.scalars(select(EntryDeadline))).all()
    indicators = (await session.scalars(select(Indicator).order_by(Indicator.sort_order))).all()
    lookup = await load_lookup(session=session)
    out = []
    for deadline in deadlines:
        own = [i for i in indicators if i.owner_id == deadline.agency_id and i.frequency == deadline.frequency]
        if not own:
            continue
        period = periods.latest_closed(deadline.frequency, today)
        # Until this period's deadline, the previous one is the one that may be late.
        for candidate in (period, _before(period, deadline.frequency)):
            due = periods.due_date(candidate, deadline.day, deadline.month_offset)
            have = set((await session.scalars(select(Observation.indicator_id).where(
                Observation.indicator_id.in_([i.id for i in own]), Observation.area_id == lookup.province_id,
                Observation.period == candidate.code))).all())
            missing = [i for i in own if i.id not in have]
            if missing:
                out.append(Due(deadline.agency, deadline.frequency, candidate, due,
                               date.fromordinal(due.toordinal() - deadline.remind_days_before), missing))
    return out


def _before(period: periods.Period, frequency: str) -> periods.Period:
    if frequency == "6_9_months":  # 3, 6, 9 months and the year all begin in January
        return periods.Period(period.year, 1, period.last_month - 3) if period.last_month > 3 \
            else periods.Period(period.year - 1, 1, 12)
    return periods.latest_closed(frequency, period.start)


async def late_agencies(*, session: AsyncSession, today: date | None = None) -> list[Late]:
    today = today or local_today()
    late = [Late(d.agency, d.frequency, d.period, d.due, (today - d.due).days, d.missing)
            for d in await entries_due(session=session, today=today) if d.due < today]
    return sorted(late, key=lambda item: (-item.days_late, item.agency.code))
