"""Reading reports: one report, the staff queue (filters, search, sort, count), a citizen's
reports, the hotline look-up, the public Open311 list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from backend.catalog.models import Agency, Area, Category
from backend.citizens.models import Citizen
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import NotFound, ValidationFailed
from backend.reports.models import OPEN_SQL, OPEN_STATUSES, Report, Status, Supporter
from backend.reports.policy import can_see
from backend.reports.store import normalize_code
from backend.staff.models import Role


def _load_options() -> list[Any]:
    return [
        selectinload(Report.attachments),
        selectinload(Report.events),
        joinedload(Report.rating),
        joinedload(Report.duplicate_of),
    ]


async def get(*, session: AsyncSession, code: str, actor: Actor | None = None, lock: bool = False) -> Report:
    """One report with its timeline. An officer asking for another agency's report gets
    NotFound, not Forbidden: its existence is not theirs to know."""
    stmt = (
        select(Report)
        .where(Report.code == normalize_code(code))
        .options(*_load_options())
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(of=Report)
    report = await session.scalar(stmt)
    if report is None or (actor is not None and not can_see(actor, report)):
        raise NotFound(f"Không tìm thấy phản ánh {normalize_code(code)}")
    return report


async def get_public(*, session: AsyncSession, code: str) -> Report:
    return await get(session=session, code=code)


@dataclass
class ReportFilter:
    status: str | None = None
    category: str | None = None
    agency: str | None = None
    area: str | None = None
    channel: str | None = None
    q: str | None = None
    overdue: bool | None = None
    sort: str = "-created_at"
    limit: int = 50
    offset: int = 0


SORTS = {
    "created_at": Report.created_at.asc(),
    "-created_at": Report.created_at.desc(),
    "due_at": Report.due_at.asc(),
    "-due_at": Report.due_at.desc(),
    "updated_at": Report.updated_at.asc(),
    "-updated_at": Report.updated_at.desc(),
}


def _filtered(stmt: Select[Any], flt: ReportFilter, actor: Actor) -> Select[Any]:
    if actor.user is not None and actor.user.role == Role.officer:
        stmt = stmt.where(Report.agency_id == actor.user.agency_id)
    if flt.status:
        statuses = [s for s in flt.status.split(",") if s]
        unknown = set(statuses) - set(Status)
        if unknown:
            raise ValidationFailed(f"Trạng thái không hợp lệ: {', '.join(sorted(unknown))}")
        stmt = stmt.where(text(OPEN_SQL) if set(statuses) == set(OPEN_STATUSES) else Report.status.in_(statuses))
    if flt.category:
        stmt = stmt.where(
            Report.category_id == select(Category.id).where(Category.code == flt.category).scalar_subquery()
        )
    if flt.agency:
        stmt = stmt.where(Report.agency_id == select(Agency.id).where(Agency.code == flt.agency).scalar_subquery())
    if flt.area:
        stmt = stmt.where(Report.area_id == select(Area.id).where(Area.code == flt.area).scalar_subquery())
    if flt.channel:
        stmt = stmt.where(Report.channel == flt.channel)
    if flt.overdue is not None:
        overdue = and_(text(OPEN_SQL), Report.due_at < utcnow())
        stmt = stmt.where(overdue if flt.overdue else ~overdue)
    if flt.q:
        stmt = stmt.where(_search(flt.q)[1])
    return stmt


def _search(q: str) -> tuple[str, Any]:
    """(kind, condition) of a queue search. A tracking code matches exactly; digits match phone
    numbers from the start (an index range: hotline staff type what the caller says); anything
    else is a substring of the description or the address (trigram indexes on PostgreSQL)."""
    q = q.strip()
    if q.upper().startswith("PA-"):
        return "code", Report.code == q.upper()
    digits = "".join(ch for ch in q if ch.isdigit() or ch == "+")
    if len(digits) >= 3 and len(digits) == len(q.replace(" ", "").replace(".", "")):
        return "phone", and_(Report.reporter_phone >= digits, Report.reporter_phone < digits + ":")
    like = f"%{q}%"
    return "text", or_(Report.description.ilike(like), Report.address.ilike(like))


# A substring search cannot be counted from an index: its total stops at this many (+1 = "more").
SEARCH_COUNT_CAP = 1000


def _unfiltered(flt: ReportFilter, actor: Actor) -> bool:
    """No filter and no officer scope: the count is every report."""
    officer = actor.user is not None and actor.user.role == Role.officer
    return not officer and not any(
        (flt.status, flt.category, flt.agency, flt.area, flt.channel, flt.q and flt.q.strip(), flt.overdue is not None))


# How many reports there are in all, without counting a million index entries: the dashboard's
# rollups know it (backend/dashboard/totals.py, registered by the composition root with
# `count_all_with`); a plain count until then.
TotalCounter = Callable[[AsyncSession], Awaitable[int]]
_total_counter: TotalCounter | None = None


def count_all_with(counter: TotalCounter | None) -> None:
    global _total_counter
    _total_counter = counter


async def count_all(*, session: AsyncSession) -> int:
    if _total_counter is not None:
        return await _total_counter(session)
    return await session.scalar(select(func.count()).select_from(Report)) or 0


async def count_reports(*, session: AsyncSession, actor: Actor, flt: ReportFilter) -> int:
    if flt.q and flt.q.strip() and _search(flt.q)[0] == "text":
        inner = _filtered(select(Report.id), flt, actor).limit(SEARCH_COUNT_CAP + 1).subquery()
        return await session.scalar(select(func.count()).select_from(inner)) or 0
    if _unfiltered(flt, actor):
        return await count_all(session=session)
    return await session.scalar(_filtered(select(func.count()).select_from(Report), flt, actor)) or 0


async def list_reports(*, session: AsyncSession, actor: Actor, flt: ReportFilter) -> tuple[Sequence[Report], int]:
    if flt.sort not in SORTS:
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}")
    if not 1 <= flt.limit <= 500 or flt.offset < 0:
        raise ValidationFailed("limit must be 1..500 and offset >= 0")
    total = await count_reports(session=session, actor=actor, flt=flt)
    order = [SORTS[flt.sort], Report.id.desc()]
    # By deadline: open reports first, closed last. Not when every row is open anyway (overdue=true):
    # the constant CASE kept SQLite off ix_reports_open_due (a sort of every overdue report, not 50).
    if flt.sort.lstrip("-") == "due_at" and not flt.status and not flt.overdue:
        order.insert(0, case((Report.status.in_(OPEN_STATUSES), 0), else_=1))
    # The page's ids first (from the indexes alone when the filters allow: ix_reports_created_id
    # for the default order, at any offset), then only those rows.
    ids = (await session.scalars(
        _filtered(select(Report.id), flt, actor).order_by(*order).limit(flt.limit).offset(flt.offset))).all()
    if not ids:
        return [], total
    rows = {r.id: r for r in (await session.scalars(select(Report).where(Report.id.in_(ids)))).all()}
    return [rows[i] for i in ids if i in rows], total


async def reports_of_citizen(*, session: AsyncSession, citizen: Citizen, limit: int = 5) -> Sequence[Report]:
    """The citizen's own reports and those they support, newest first."""
    supported = select(Supporter.report_id).where(Supporter.citizen_id == citizen.id)
    stmt = (
        select(Report)
        .where(or_(Report.citizen_id == citizen.id, Report.id.in_(supported)))
        .order_by(Report.created_at.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def lookup(*, session: AsyncSession, text: str, limit: int = 20) -> list[Report]:
    """The hotline's look-up of a caller: a tracking code, or a phone number (six digits or more)
    in any spelling ("0905…", "+84 905…": the last nine digits match), newest first."""
    text = text.strip()
    if not text:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    stmt = select(Report).order_by(Report.created_at.desc()).limit(limit)
    if text.upper().startswith("PA-"):
        stmt = stmt.where(Report.code == normalize_code(text))
    elif len(digits) >= 6:
        stmt = stmt.where(or_(Report.reporter_phone == digits, Report.reporter_phone.like(f"%{digits[-9:]}")))
    else:
        return []
    return list((await session.scalars(stmt)).all())


async def public_list(
    *,
    session: AsyncSession,
    codes: Sequence[str] = (),
    category_codes: Sequence[str] = (),
    open_: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
) -> Sequence[Report]:
    """Reports as the public sees them (Open311): merged duplicates left out, newest first."""
    stmt = select(Report).where(Report.duplicate_of_id.is_(None))
    if codes:
        stmt = stmt.where(Report.code.in_([normalize_code(c) for c in codes]))
    if category_codes:
        stmt = stmt.where(Report.category_id.in_(select(Category.id).where(Category.code.in_(category_codes))))
    if open_ is not None:
        stmt = stmt.where(Report.status.in_(OPEN_STATUSES) if open_ else Report.status.not_in(OPEN_STATUSES))
    if since:
        stmt = stmt.where(Report.created_at >= since)
    if until:
        stmt = stmt.where(Report.created_at <= until)
    return (await session.scalars(stmt.order_by(Report.created_at.desc()).limit(limit))).all()


async def rateable_for(*, session: AsyncSession, citizen: Citizen) -> Report | None:
    """The report a citizen's bare rating is for: the latest one they filed or support that was
    resolved (or closed) within the rating window."""
    window = utcnow() - timedelta(days=get_settings().rating_window_days)
    supported = select(Supporter.report_id).where(Supporter.citizen_id == citizen.id)
    stmt = (
        select(Report)
        .where(or_(Report.citizen_id == citizen.id, Report.id.in_(supported)),
               Report.status.in_((Status.resolved, Status.closed)), Report.resolved_at >= window)
        .order_by(Report.resolved_at.desc())
        .limit(1)
    )
    return await session.scalar(stmt)
