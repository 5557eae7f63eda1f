"""Alerts to staff: IOC incidents (a site down, a camera offline, congestion), escalations,
late data. One durable outbox row per reachable person, written in the caller's transaction and
delivered (and retried) by the outbox sender like every message to citizens.

Who: the officers of the agency concerned (when there is one) and the IOC's supervisors and
admins. Where: each person's own contacts (Telegram chat, Zalo user, e-mail), all that are set.
A `dedupe_key` makes an alert once per person whatever calls it again: callers build it from what
makes the event one (incident id and step), so a flapping check or a rerun job never storms."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.notifications.models import Outbox
from backend.staff.models import Role, User

STAFF_ALERT = "staff_alert"


@dataclass(frozen=True)
class Contact:
    user_id: int
    channel: str  # telegram | zalo | email
    address: str


def contacts(user: User) -> list[Contact]:
    out = []
    for channel, address in (("telegram", user.telegram_chat_id), ("zalo", user.zalo_user_id),
                             ("email", user.email)):
        if address and address.strip():
            out.append(Contact(user.id, channel, address.strip()))
    return out


async def recipients(*, session: AsyncSession, agency_id: int | None, ioc: bool = True) -> list[User]:
    """Active staff to alert: the agency's officers, and (ioc) every supervisor and admin."""
    wanted = []
    if agency_id is not None:
        wanted.append((User.role == Role.officer) & (User.agency_id == agency_id))
    if ioc:
        wanted.append(User.role.in_((Role.supervisor, Role.admin)))
    if not wanted:
        return []
    stmt = select(User).where(User.active.is_(True), or_(*wanted)).order_by(User.id)
    return list((await session.scalars(stmt)).unique().all())


async def alert_staff(
    *,
    session: AsyncSession,
    kind: str,
    text: str,
    agency_id: int | None,
    dedupe_key: str | None = None,
    report_id: int | None = None,
    subject: str | None = None,
    ioc: bool = True,
) -> int:
    """Queue `text` to every reachable staff member concerned; returns the rows written (0 when
    nobody has a contact, or when this alert was queued before)."""
    rows = 0
    for user in await recipients(session=session, agency_id=agency_id, ioc=ioc):
        for contact in contacts(user):
            key = f"{dedupe_key}:u{user.id}:{contact.channel}" if dedupe_key else None
            if key is not None and await session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key)):
                continue
            session.add(Outbox(
                report_id=report_id, citizen_id=None, channel=contact.channel, recipient=contact.address,
                kind=STAFF_ALERT, dedupe_key=key, status="pending", next_attempt_at=utcnow(),
                payload={"text": text, "alert": kind, "user_id": user.id,
                         "subject": subject or text.split("\n", 1)[0][:120]},
            ))
            rows += 1
    await session.flush()
    return rows
