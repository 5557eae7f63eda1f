"""A small mixed world of reports for the dashboard tests: two agencies, several channels,
open, overdue, resolved on time and late, rated and reopened."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest_asyncio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.dashboard.service import day_bounds, local_day
from backend.reports import service as report_service
from backend.reports.models import Report

AGENCY_A, AGENCY_B = "SXD", "CTY-DTMT"
DESCRIPTIONS = [  # different problems in different places: none is taken for a duplicate
    "Ổ gà lớn giữa đường Nguyễn Tất Thành gây nguy hiểm", "Đèn đường hỏng cả dãy trên đường Phan Bội Châu",
    "Rác thải chất đống ở đầu hẻm 45 Lê Thánh Tông", "Cống thoát nước bị tắc, nước tràn lên mặt đường",
    "Cây xanh đổ chắn ngang vỉa hè sau cơn mưa", "Quán nhậu mở nhạc lớn quá khuya làm ồn khu dân cư",
    "Xe tải đậu chiếm lòng đường trước chợ", "Biển báo giao thông bị gãy ở ngã tư",
    "Đổ xà bần trái phép ven suối",
]


@pytest_asyncio.fixture(loop_scope="session")
async def mixed_reports(session: AsyncSession, report_factory: Callable[..., Awaitable[Any]]) -> list[Report]:
    """Nine reports: A has 3 open (1 overdue), 2 resolved (1 late, rated 5 and 2); B has 2 open
    (both overdue), 1 resolved on time (rated 4), 1 rejected. Channels hotline, zalo, web."""
    agencies = {a.code: a.id for a in (await session.scalars(select(Agency))).all()}
    now = utcnow()
    # Filed "4 h ago" and resolved "1-3 h ago", squeezed into today's local day when less than 5 h
    # of it has passed (the charts' today must hold them at any hour the suite runs).
    since_midnight = now - day_bounds(local_day(now))[0]
    squeeze = min(1.0, since_midnight / timedelta(hours=5))

    def ago(hours: float) -> Any:
        return now - timedelta(hours=hours) * squeeze

    plan = [  # agency, channel, status, due (hours from now), resolved (hours ago), stars
        (AGENCY_A, "hotline", "new", 24, None, None),
        (AGENCY_A, "zalo", "assigned", -3, None, None),
        (AGENCY_A, "zalo", "in_progress", None, None, None),
        (AGENCY_A, "hotline", "resolved", -5, 1, 5),   # resolved 1 h ago, due 5 h ago: late
        (AGENCY_A, "web", "resolved", 10, 2, 2),       # on time
        (AGENCY_B, "zalo", "new", -1, None, None),
        (AGENCY_B, "web", "in_progress", -30, None, None),
        (AGENCY_B, "hotline", "resolved", 48, 3, 4),
        (AGENCY_B, "hotline", "rejected", None, None, None),
    ]
    reports = []
    for i, (agency, channel, status, due, resolved, stars) in enumerate(plan):
        report = await report_factory(channel=channel, description=DESCRIPTIONS[i],
                                      latitude=12.60 + 0.02 * i, longitude=108.00 + 0.01 * i)
        report_id, code = report.id, report.code
        values: dict[str, Any] = {"agency_id": agencies[agency], "status": status,
                                  "due_at": now + timedelta(hours=due) if due is not None else None,
                                  "created_at": ago(4)}
        if resolved is not None:
            values["resolved_at"] = ago(resolved)
        await session.execute(update(Report).where(Report.id == report_id).values(**values))
        await session.commit()
        session.expire_all()
        report = await report_service.get(session=session, code=code)
        if stars is not None:
            await report_service.rate(session=session, report=report, stars=stars, actor=Actor.system())
            await session.commit()
        reports.append(report)
    await session.commit()  # the connection back to the pool (SQLite has one) for the jobs' own sessions
    return reports


from tests.admin.conftest import browser, page, site, site_client, site_live  # noqa: E402, F401  (the staff site, live and in-process)
