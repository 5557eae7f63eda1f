"""Named leader leases in the database: exactly one process holds a lease (the scheduler's
"scheduler", the camera ingest's "camera-ingest", ...) until it expires; the holder renews it
well before. One row per lease name in `scheduler_lease`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, session_scope, utcnow


class SchedulerLease(Base):
    """Leader lock: the holder of lease `name` leads until `expires_at`."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


async def acquire_lease(name: str, holder: str, now: datetime | None = None, seconds: int = 60) -> bool:
    """Take or renew lease `name`; True when `holder` leads until now + seconds. One conditional
    UPDATE (ours, or expired) then an INSERT for the very first time: atomic on SQLite and
    PostgreSQL alike."""
    now = now or utcnow()
    expires = now + timedelta(seconds=seconds)
    async with session_scope() as session:
        result = await session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=expires)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            return True
        exists = await session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == name))
        if exists is not None:
            return False
    try:
        async with session_scope() as session:
            await session.execute(
                insert(SchedulerLease).values(name=name, holder=holder, expires_at=expires, acquired_at=now)
            )
        return True
    except IntegrityError:
        return False  # another instance inserted it first


async def release_lease(name: str, holder: str) -> None:
    """Give lease `name` up now (when `holder` has it): the next instance need not wait for expiry."""
    async with session_scope() as session:
        await session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(expires_at=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
