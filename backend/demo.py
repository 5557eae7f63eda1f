"""Demo data: staff accounts and realistic reports in every status (from data/demo.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Setting
from backend.citizens import service as citizen_service
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.reports import queries
from backend.reports import service as report_service
from backend.reports.models import Rating, ReportEvent
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
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


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
        # Age the report: shift every timestamp back by days_ago so queues and scorecards look lived-in.
        shift = timedelta(days=float(item.get("days_ago", 0)))
        if shift:
            for column in (
                "created_at",
                "updated_at",
                "assigned_at",
                "started_at",
                "resolved_at",
                "closed_at",
                "due_at",
            ):
                value = getattr(report, column)
                if value is not None:
                    setattr(report, column, value - shift)
            for event in await session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)):
                event.at = event.at - shift
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
    return {"users": users, "reports": count}

