"""Citizens on a channel: found or created by (channel, external id)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import func, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from backend.citizens.models import Citizen
from backend.core.db import detached, utcnow

_COLUMNS = tuple(c.key for c in Citizen.__table__.columns)


@lru_cache(maxsize=4)
def _upsert(dialect: str, language: bool) -> Any:
    """INSERT … ON CONFLICT (channel, external_id) DO UPDATE … RETURNING the row: one statement
    finds or creates the person and stamps last_seen_at (no race between two first messages)."""
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Citizen)
    table = Citizen.__table__
    values = {
        "last_seen_at": ins.excluded.last_seen_at,
        "display_name": func.coalesce(table.c.display_name, ins.excluded.display_name),
    }
    if language:
        values["language"] = ins.excluded.language
    return ins.on_conflict_do_update(index_elements=["channel", "external_id"], set_=values).returning(
        *table.columns
    )


async def get_or_create(
    *,
    session: AsyncSession,
    channel: str,
    external_id: str,
    display_name: str | None = None,
    language: str | None = None,
) -> Citizen:
    """The person on this channel (created on first contact), seen now; `language` ("vi"/"en")
    updates their language when given; a display name is kept once known."""
    now = utcnow()
    conn = await session.connection()
    row = (await conn.execute(_upsert(conn.dialect.name, language is not None), {
        "channel": channel, "external_id": external_id, "display_name": display_name,
        "language": language or "vi", "created_at": now, "last_seen_at": now,
    })).mappings().one()
    values = {key: row[key] for key in _COLUMNS}
    known = session.identity_map.get(inspect(Citizen).identity_key_from_primary_key((values["id"],)))
    if isinstance(known, Citizen):  # already in this session (perhaps expired): bring it up to date
        for key, value in values.items():
            set_committed_value(known, key, value)
        return known
    citizen = detached(Citizen, values)
    session.add(citizen)
    return citizen


async def record_consent(*, session: AsyncSession, citizen: Citizen, phone: str | None = None) -> Citizen:
    citizen.consent_at = citizen.consent_at or utcnow()
    if phone:
        citizen.phone = phone
    return citizen
