"""Message receipts: the channel's message id of each message an outbox row sent, which route
carried it, and how far it got (sent -> received -> seen), as the channel reports it back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.notifications.models import Outbox, Receipt

ROUTE_LABELS = {"cs": "tin tư vấn", "transaction": "tin giao dịch", "zns": "ZNS (số điện thoại)"}
STATUS_LABELS = {"sent": "đã gửi", "received": "đã nhận", "seen": "đã xem"}
ORDER = {"sent": 0, "received": 1, "seen": 2}


def record(session: AsyncSession, row: Outbox, receipts: Iterable[dict[str, Any]]) -> list[Receipt]:
    """Keep the receipts a sender returned for this outbox row (in the caller's transaction)."""
    now = utcnow()
    out = []
    for item in receipts:
        receipt = Receipt(outbox_id=row.id, report_id=row.report_id, channel=row.channel,
                          message_id=str(item.get("message_id") or "") or None, route=str(item.get("route", "")),
                          status="sent", sent_at=now)
        session.add(receipt)
        out.append(receipt)
    return out


async def mark(*, session: AsyncSession, channel: str, message_ids: Sequence[str], status: str) -> int:
    """The channel says these messages were received (or seen); a status never goes back.
    Returns how many receipts moved."""
    ids = [str(m) for m in message_ids if m]
    if not ids or status not in ("received", "seen"):
        return 0
    now = utcnow()
    values: dict[str, Any] = {"status": status}
    if status == "received":
        values["received_at"] = now
        allowed = ("sent",)
    else:
        values["seen_at"] = now
        allowed = ("sent", "received")
    result = await session.execute(
        update(Receipt).where(Receipt.channel == channel, Receipt.message_id.in_(ids), Receipt.status.in_(allowed))
        .values(**values)
    )
    if status == "seen":  # seen implies received
        await session.execute(update(Receipt).where(Receipt.channel == channel, Receipt.message_id.in_(ids),
                                                    Receipt.received_at.is_(None)).values(received_at=now))
    return int(result.rowcount or 0)


async def of_report(*, session: AsyncSession, report_id: int) -> dict[int, list[Receipt]]:
    """The receipts of a report's outbox rows, by outbox id."""
    rows = (await session.scalars(select(Receipt).where(Receipt.report_id == report_id).order_by(Receipt.id))).all()
    found: dict[int, list[Receipt]] = {}
    for r in rows:
        found.setdefault(r.outbox_id or 0, []).append(r)
    return found


def furthest(receipts: Sequence[Receipt]) -> str | None:
    """How far the row got: the least advanced of its messages (all seen -> seen)."""
    if not receipts:
        return None
    return min((r.status for r in receipts), key=lambda s: ORDER.get(s, 0))
