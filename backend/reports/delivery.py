"""What a report does when the outbox gives up on a message to its citizen: a non-public timeline
entry (staff see on the report that the person was not told) and, when nothing reached the
person, a call-back task for the hotline. Registered with the outbox at start-up
(backend/main.py: install_edges -> notifications.channels.on_failure)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.notifications.models import Outbox
from backend.notifications.staff import STAFF_ALERT
from backend.reports.models import Report
from backend.reports.questions import open_callback
from backend.reports.timeline import add_event


async def delivery_failed(session: AsyncSession, row: Outbox) -> None:
    if row.report_id is None:
        return
    report = await session.get(Report, row.report_id)
    if report is None:
        return
    add_event(session, report, Actor.system(), "notify_failed", public=False,
              note=f"Không gửi được tin '{row.kind}' cho người dân qua {row.channel}: {row.last_error}",
              data={"outbox": row.id, "kind": row.kind})
    if row.citizen_id is None or row.kind == STAFF_ALERT:
        return
    await open_callback(session=session, report=report, reason="unreachable",
                        note=f"Không nhắn được tin '{row.kind}' qua {row.channel}: {(row.last_error or '')[:300]}")
