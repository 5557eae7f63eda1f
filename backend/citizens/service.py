"""Citizens on a channel: found or created by (channel, external id)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen
from backend.core.db import attach, dialect_insert, utcnow

_COLUMNS = tuple(c.key for c in Citizen.__table__.columns)


@lru_cache(maxsize=4)
def _upsert(dialect: str, language: bool) -> Any:
    """INSERT … ON CONFLICT (channel, external_id) DO UPDATE … RETURNING the row: one statement
    finds or creates the person and stamps last_seen_at (no race between two first messages)."""
    ins = dialect_insert(dialect, Citizen)
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
    return attach(session, Citizen, {key: row[key] for key in _COLUMNS})


async def record_consent(*, session: AsyncSession, citizen: Citizen, phone: str | None = None) -> Citizen:
    citizen.consent_at = citizen.consent_at or utcnow()
    if phone:
        citizen.phone = phone
    return citizen
