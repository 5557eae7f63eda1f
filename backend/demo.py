"""Demo data: staff accounts and realistic reports in every status (from data/demo.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.catalog.models import Setting
from backend.citizens import service as citizen_service
from backend.core import yamlfile
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.reports import queries
from backend.reports import service as report_service
from backend.reports.models import Rating, Report, ReportEvent
from backend.reports.schemas import ReportCreate
from backend.staff import service as staff_service
from backend.staff.models import User

MARKER = "demo_loaded"

# status -> the actions that lead there from a freshly routed report
PATHS: dict[str, list[str]] = {
    "new": [],
    "assigned": ["assign"],
    "in_progress": ["assign", "start"],
    "resolved": ["assign", "start", "resolve"],
    "closed": ["assign", "start", "resolve", "close"],
    "rejected": ["reject"],
}


def read_demo(data_dir: Path) -> dict[str, Any]:
    path = data_dir / "demo.yaml"
    return yamlfile.load(path.read_text(encoding="utf-8")) or {}


async def load_demo(
    *, session: AsyncSession, data_dir: Path, progress: Callable[[], None] | None = None
) -> dict[str, int]:
    """Idempotent: a marker row records that the demo was loaded once."""
    if await session.get(Setting, MARKER) is not None:
        return {"users": 0, "reports": 0}
    doc = read_demo(data_dir)
    users = 0
    for item in doc.get("users", []):
        if await session.scalar(select(User.id).where(User.username == item["username"])):
            continue
        await staff_service.create_user(
            session=session,
            username=item["username"],
            password=item["password"],
            role=item["role"],
            agency_code=item.get("agency"),
            full_name=item.get("full_name", ""),
        )
        users += 1
    supervisor = await session.scalar(select(User).where(User.role.in_(("admin", "supervisor"))).order_by(User.id))
    assert supervisor is not None, "demo.yaml needs an admin or supervisor"
    staff = Actor.staff(supervisor)
    count = 0
    for n, item in enumerate(doc.get("reports", [])):
        channel = item.get("channel", "hotline")
        citizen = None
        if channel in ("zalo", "telegram"):
            citizen = await citizen_service.get_or_create(
                session=session, channel=channel, external_id=f"demo-{n}", display_name=item.get("reporter_name")
            )
        created = await report_service.create(
            session=session,
            actor=staff,
            citizen=citizen,
            channel=channel,
            report_in=ReportCreate(
                description=item["description"],
                latitude=item.get("latitude"),
                longitude=item.get("longitude"),
                address=item.get("address"),
                phone=item.get("phone"),
                name=item.get("reporter_name"),
                category=item.get("category"),
            ),
        )
        report = await queries.get(session=session, code=created.report.code)
        for action in PATHS[item.get("status", "new")]:
            if action == "assign" and report.status != "new":
                continue
            note = item.get("note") if action in ("resolve", "reject") else None
            if action in ("resolve", "reject") and not note:
                note = "Đã kiểm tra hiện trường và xử lý." if action == "resolve" else "Không thuộc thẩm quyền."
            await report_service.transition(session=session, report=report, action=action, actor=staff, note=note)
        await _age(session, report, n, float(item.get("days_ago", 0)), item.get("resolve_share"))
        if item.get("rating") and report.status in ("resolved", "closed"):
            session.add(
                Rating(
                    report_id=report.id, stars=int(item["rating"]), source="chat", comment=item.get("rating_comment")
                )
            )
        count += 1
        if progress:
            progress()
    session.add(Setting(key=MARKER, value={"at": utcnow().isoformat()}))
    await session.flush()
    await _roll_up(session)
    return {"users": users, "reports": count}


# Share of the time allowed that each resolved demo report took, in turn: most on time, some
# close to the deadline, a few late (so the scorecards show a real spread, not 100 % at 0 hours).
RESOLVE_SHARES = (0.25, 0.55, 0.8, 0.4, 1.35, 0.65, 0.3, 0.95, 1.8, 0.5)


async def _age(session: AsyncSession, report: Report, n: int, days_ago: float, share: float | None) -> None:
    """Give a demo report a lived-in history: filed `days_ago` days back during office hours,
    its deadline counted in working time from then (the catalog's calendar), and each step
    taking a realistic time (resolved at a share of the time allowed: some late)."""
    now = utcnow()
    zone = ZoneInfo(get_settings().timezone)
    filed = (now - timedelta(days=days_ago)).astimezone(zone)
    if days_ago >= 1:  # an office hour of that day, varied per report
        filed = filed.replace(hour=7 + n % 9, minute=(n * 17) % 60, second=0, microsecond=0)
    created = min(filed.astimezone(UTC), now - timedelta(minutes=30 + n))
    due = await catalog_service.deadline(session=session, category=report.category, priority=report.priority,
                                         start=created)
    allowed = (due - created) if due else timedelta(days=3)
    took = allowed * (share if share is not None else RESOLVE_SHARES[n % len(RESOLVE_SHARES)])
    times = {"create": created, "route": created, "assign": created + timedelta(minutes=12 + n % 40)}
    times["start"] = times["assign"] + min(allowed * 0.15, timedelta(hours=6))
    times["resolve"] = max(times["start"] + timedelta(minutes=30), created + took)
    times["reject"] = times["assign"] + timedelta(hours=2)
    times["close"] = times["resolve"] + timedelta(days=2)
    latest = now - timedelta(minutes=5)
    times = {k: min(v, latest) for k, v in times.items()}
    report.created_at, report.due_at = created, due
    for column, action in (("assigned_at", "assign"), ("started_at", "start"), ("resolved_at", "resolve"),
                           ("closed_at", "close")):
        if getattr(report, column) is not None:
            setattr(report, column, times[action])
    if report.status == "rejected" and report.closed_at is not None:
        report.closed_at = times["reject"]
    report.updated_at = max(t for t in (report.created_at, report.assigned_at, report.started_at,
                                        report.resolved_at, report.closed_at) if t is not None)
    for event in await session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)):
        event.at = times.get(event.action, created)


async def _roll_up(session: AsyncSession) -> None:
    """The portal's scorecards and counters come from the daily rollup: bring it up to date now
    instead of waiting for the hourly job."""
    from backend.dashboard import service as dashboard_service

    await session.flush()
    today = dashboard_service.local_day(utcnow())
    first = await dashboard_service.first_report_day(session=session) or today
    day = first
    while day <= today:
        await dashboard_service.rollup_day(session=session, day=day)
        day += timedelta(days=1)

