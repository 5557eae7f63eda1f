"""Citizens on a channel: found or created by (channel, external id)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens.models import Citizen, Erasure
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


def normalize_phone(phone: str) -> str:
    """Vietnamese numbers as people type or Zalo sends them: +84… and 84… become 0…"""
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    if digits.startswith("+84"):
        return "0" + digits[3:]
    if digits.startswith("84") and len(digits) >= 11:
        return "0" + digits[2:]
    return digits.lstrip("+")


async def record_consent(*, session: AsyncSession, citizen: Citizen, phone: str | None = None) -> Citizen:
    citizen.consent_at = citizen.consent_at or utcnow()
    if phone:
        citizen.phone = normalize_phone(phone)
    return citizen


async def erase(*, session: AsyncSession, citizen: Citizen, source: str) -> Erasure:
    """The person withdrew consent or asked to delete their data: name, phone and chat id are
    removed from their person row and their reports (the reports stay, anonymous), messages not
    yet sent to them are dropped, and an audit entry records it (no personal data in it).

    The chat id is replaced by a placeholder unique to the row, so the person writing again starts
    afresh as somebody new. The caller deletes the conversation state (the channel's store)."""
    # The models of reports and the outbox are not imported here (reports depend on citizens):
    # their tables are reached through the metadata all models share.
    tables = Citizen.metadata.tables
    reports, outbox, events = tables["reports"], tables["outbox"], tables["report_events"]
    questions = tables["report_questions"]
    now = utcnow()
    ids = (await session.execute(select(reports.c.id).where(reports.c.citizen_id == citizen.id))).scalars().all()
    if ids:
        await session.execute(update(reports).where(reports.c.id.in_(ids))
                              .values(reporter_name=None, reporter_phone=None, citizen_id=None))
        await session.execute(events.insert(), [{
            "report_id": rid, "at": now, "actor_kind": "citizen", "actor_user_id": None, "actor_label": "Người dân",
            "action": "erased", "from_status": None, "to_status": None, "public": False,
            "note": "Người dân yêu cầu xóa dữ liệu cá nhân: đã xóa tên, số điện thoại và định danh chat",
            "data": {"source": source}} for rid in ids])
    await session.execute(update(outbox).where(outbox.c.citizen_id == citizen.id, outbox.c.status == "pending")
                          .values(status="failed", last_error="erased: người dân yêu cầu xóa dữ liệu"))
    await session.execute(update(outbox).where(outbox.c.citizen_id == citizen.id).values(recipient="", payload={}))
    await session.execute(update(questions).where(questions.c.citizen_id == citizen.id,
                                                  questions.c.status == "waiting").values(status="cancelled"))
    entry = Erasure(citizen_id=citizen.id, channel=citizen.channel, source=source, reports=len(ids), at=now)
    session.add(entry)
    citizen.display_name = None
    citizen.phone = None
    citizen.consent_at = None
    citizen.external_id = f"erased:{citizen.id}"
    citizen.erased_at = now
    citizen.bot_paused_until = None
    await session.flush()
    return entry
