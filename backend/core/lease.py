"""Named leader leases on the `scheduler_lease` table: exactly one process holds a name
("scheduler", "camera-ingest", ...) until it expires; the holder renews well before.

One conditional UPDATE (ours, or expired) then an INSERT for the very first time: atomic on
SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from backend.core.db import session_scope, utcnow
from backend.dashboard.models import SchedulerLease


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def acquire_lease(name: str, holder: str, now: datetime | None = None, seconds: int = 60) -> bool:
    """Take or renew the lease `name`; True when `holder` holds it until now + seconds."""
    now = now or utcnow()
    expires = now + timedelta(seconds=seconds)
    async with session_scope() as session:
        result = await session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name,
                   (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=expires)
            .execution_options(synchronize_session=False))
        if result.rowcount:  # type: ignore[attr-defined]
            return True
        exists = await session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == name))
        if exists is not None:
            return False
    try:
        async with session_scope() as session:
            await session.execute(insert(SchedulerLease).values(name=name, holder=holder, expires_at=expires,
                                                                acquired_at=now))
        return True
    except IntegrityError:
        return False  # another instance inserted it first


async def release_lease(name: str, holder: str) -> None:
    """Give the lease up now (only when `holder` has it), so another process takes over at once."""
    async with session_scope() as session:
        await session.execute(update(SchedulerLease)
                              .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                              .values(expires_at=utcnow() - timedelta(seconds=1))
                              .execution_options(synchronize_session=False))
