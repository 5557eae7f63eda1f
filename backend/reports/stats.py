"""Handling figures of citizen reports over a time window, for indexes computed elsewhere
(the Decision 766 satisfaction group): how many were resolved, how many of them on time, how
many were rated and how many of those were satisfied (4 or 5 stars)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.reports.models import OPEN_STATUSES, Rating, Report

SATISFIED_STARS = 4


@dataclass(frozen=True)
class HandlingSummary:
    received: int
    resolved: int
    resolved_on_time: int
    open_overdue: int
    rated: int
    satisfied: int

    @property
    def on_time_share(self) -> float | None:
        return self.resolved_on_time / self.resolved if self.resolved else None

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


async def handling_summary(*, session: AsyncSession, start: datetime, end: datetime,
                           agency_id: int | None = None, now: datetime | None = None) -> HandlingSummary:
    """Reports received in [start, end); reports resolved in it (on time: by their deadline);
    ratings given in it; reports still open past their deadline at `now` (default `end`)."""
    scope = [] if agency_id is None else [Report.agency_id == agency_id]
    received = await session.scalar(select(func.count(Report.id)).where(
        Report.created_at >= start, Report.created_at < end, *scope))
    on_time = case((or_(Report.due_at.is_(None), Report.resolved_at <= Report.due_at), 1), else_=0)
    resolved, resolved_on_time = (await session.execute(select(func.count(Report.id), func.sum(on_time)).where(
        Report.resolved_at >= start, Report.resolved_at < end, *scope))).one()
    overdue = await session.scalar(select(func.count(Report.id)).where(
        Report.status.in_(OPEN_STATUSES), Report.due_at < (now or end), *scope))
    rated, satisfied = (await session.execute(
        select(func.count(Rating.id), func.sum(case((Rating.stars >= SATISFIED_STARS, 1), else_=0)))
        .join(Report, Report.id == Rating.report_id)
        .where(Rating.created_at >= start, Rating.created_at < end, *scope))).one()
    return HandlingSummary(int(received or 0), int(resolved or 0), int(resolved_on_time or 0), int(overdue or 0),
                           int(rated or 0), int(satisfied or 0))
