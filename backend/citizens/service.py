"""Citizens on a channel: found or created by (channel, external id)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.core.db import utcnow


async def get_or_create(
    *, session: AsyncSession, channel: str, external_id: str, display_name: str | None = None
) -> Citizen:
    stmt = select(Citizen).where(Citizen.channel == channel, Citizen.external_id == external_id)
    citizen = await session.scalar(stmt)
    if citizen is None:
        try:
            async with session.begin_nested():
                citizen = Citizen(channel=channel, external_id=external_id, display_name=display_name)
                session.add(citizen)
                await session.flush()
        except IntegrityError:  # another request created it first
            citizen = await session.scalar(stmt)
            assert citizen is not None
    citizen.last_seen_at = utcnow()
    if display_name and not citizen.display_name:
        citizen.display_name = display_name
    return citizen


async def record_consent(*, session: AsyncSession, citizen: Citizen, phone: str | None = None) -> Citizen:
    citizen.consent_at = citizen.consent_at or utcnow()
    if phone:
        citizen.phone = phone
    return citizen
