"""Chat turns, the same on every channel: record → dialogue → commit → send → outbox fallback →
done (`run_turn`), and the rows of `chat_processed_events` behind them.

A turn and its replies are committed together, with the event's row "answered" and the replies
kept on it (Telegram records the row with the turn; the Zalo inbox stored it when the event
arrived). Only then are the replies sent, one at a time, each recorded right after its send
returns (`replies_sent`, its own short commit; the last one marks the row done): a reply never
announces what was not saved, a redelivered event finds its row and is not run again, and a turn
finished by someone else sends only the replies not yet recorded. What the channel cannot take
now goes to the outbox (retried with backoff) in the transaction that marks the event done.

Every row in progress carries its claimer's worker id (`claimed_by`, backend/core/claimers.py).
A process that dies between commit and send leaves the row "answered": `recover_answered()` (each
channel's recovery hook) sends the rest of its replies, at once when the claimer is provably dead
(`dead_claimers()`), after STALE when it is alive but hung. The window for a repeat is the one
message in flight when the process died (sent, not yet recorded).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens import service as citizens_service
from backend.core import claimers
from backend.core.config import get_settings
from backend.core.db import dialect_insert, session_scope, utcnow, writing
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage
from backend.notifications.sender import queue_reply
from bot.dialogue import engine
from bot.dialogue.messages import IncomingMessage
from bot.dialogue.models import ProcessedEvent
from nlu import service as nlu_service

log = logging.getLogger(__name__)

STALE = timedelta(minutes=5)  # an answered row older than this has lost its sender
EVENTS = ProcessedEvent.__table__


@dataclass(frozen=True)
class Channel:
    """What the turn runner needs of a channel: its name and how to send replies to someone
    (raising DeliveryError, with `sent` when some went out). `gated`: its writes take the
    process's SQLite write turn (backend.core.db.writing); set for background workers."""

    name: str
    send: Callable[[str, list[OutgoingMessage]], Awaitable[Any]]
    gated: bool = False


class _Redelivered(Exception):
    """The event was recorded before: its turn is rolled back."""


# ---- the rows ----------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def insert_new(dialect: str) -> Any:
    """INSERT … ON CONFLICT (channel, event_id) DO NOTHING RETURNING event_id: the ids not
    recorded before come back; a redelivered one (or one stored at the same moment by another
    process) does not."""
    ins = dialect_insert(dialect, ProcessedEvent)
    return ins.on_conflict_do_nothing(index_elements=["channel", "event_id"]).returning(ProcessedEvent.event_id)


async def seen(session: AsyncSession, channel: str, key: str) -> bool:
    """True when this event id was already recorded (a redelivery)."""
    conn = await session.connection()
    found = await conn.execute(select(EVENTS.c.id).where(EVENTS.c.channel == channel, EVENTS.c.event_id == key))
    return found.first() is not None


async def record(session: AsyncSession, channel: str, key: str, replies: list[OutgoingMessage],
                 to: dict[str, Any]) -> bool:
    """Record the event as answered, in the turn's transaction; False when it was recorded
    already (the caller then rolls the turn back: it ran before)."""
    now = utcnow()
    conn = await session.connection()
    new = (await conn.execute(insert_new(conn.dialect.name), {
        "channel": channel, "event_id": key, "status": "answered", "payload": to,
        "replies": [r.to_dict() for r in replies], "created_at": now, "claimed_at": now,
        "claimed_by": claimers.worker_id(),
    })).first()
    return new is not None


async def mark(session: AsyncSession, channel: str, keys: str | list[str], status: str, *,
               only_from: str | None = None, **values: Any) -> int:
    """Set the status (and other columns) of one event or several, in the caller's transaction;
    `only_from`: only rows still in that status. Returns how many rows changed. A Core statement:
    no object is loaded for these rows, and the ORM's bulk-update machinery cost the inbox worker
    a tenth of its time."""
    stmt = EVENTS.update().where(EVENTS.c.channel == channel)
    stmt = stmt.where(EVENTS.c.event_id == keys) if isinstance(keys, str) else stmt.where(EVENTS.c.event_id.in_(keys))
    if only_from is not None:
        stmt = stmt.where(EVENTS.c.status == only_from)
    result = await (await session.connection()).execute(stmt.values(status=status, **values))
    return int(result.rowcount)


async def claim(session: AsyncSession, where: Any, limit: int, values: dict[str, Any], *columns: Any) -> list[Any]:
    """Claim up to `limit` rows matching `where`, oldest first, atomically: the ids are picked
    (`SKIP LOCKED` on PostgreSQL), then updated with `values` only if they still match, so two
    claimers never get the same row. Returns the rows' `columns`, oldest first."""
    pick = select(EVENTS.c.id).where(where).order_by(EVENTS.c.id).limit(limit).with_for_update(skip_locked=True)
    conn = await session.connection()
    ids = list((await conn.execute(pick)).scalars().all())
    if not ids:
        return []
    rows = (await conn.execute(
        EVENTS.update().where(EVENTS.c.id.in_(ids), where).values(**values).returning(EVENTS.c.id, *columns)
    )).all()
    return [row[1:] for row in sorted(rows, key=lambda r: r[0])]


async def dead_claimers(channel: str) -> list[str]:
    """The provably dead workers (backend/core/claimers.py) still holding events of this channel
    (taken for processing, or answered and not all sent)."""
    async with session_scope() as session:
        held = (await session.execute(
            select(EVENTS.c.claimed_by).where(EVENTS.c.channel == channel,
                                              EVENTS.c.status.in_(("processing", "answered")),
                                              EVENTS.c.claimed_by.is_not(None)).distinct()
        )).scalars().all()
    return await claimers.dead(held)


async def release(channel: str, dead: list[str], *, gated: bool = False) -> int:
    """Events a dead worker had taken but not answered go back to "received" (its turn was never
    committed: it runs again, nothing was sent). Returns how many."""
    if not dead:
        return 0
    stmt = EVENTS.update().where(EVENTS.c.channel == channel, EVENTS.c.status == "processing",
                                 EVENTS.c.claimed_by.in_(dead)).values(status="received", claimed_by=None)
    async with _gate(gated), session_scope() as session:
        return int((await (await session.connection()).execute(stmt)).rowcount)


async def take_unsent(channel: str, limit: int = 200, *, gated: bool = False, dead: list[str] | None = None,
                      where: Any = None) -> list[tuple[str, dict[str, Any], list[OutgoingMessage], int]]:
    """Answered rows whose replies are not all out, held by a `dead` claimer or not renewed
    within STALE: (event id, stored payload, replies, how many were sent). Each is claimed again
    (claimed_at, claimed_by renewed, atomically): two recoveries never send the same replies."""
    lost = EVENTS.c.claimed_at < utcnow() - STALE
    if dead:
        lost = or_(lost, EVENTS.c.claimed_by.in_(dead))
    cond = and_(EVENTS.c.channel == channel, EVENTS.c.status == "answered", lost,
                *([where] if where is not None else []))
    async with _gate(gated), session_scope() as session:
        rows = await claim(session, cond, limit, {"claimed_at": utcnow(), "claimed_by": claimers.worker_id()},
                           EVENTS.c.event_id, EVENTS.c.payload, EVENTS.c.replies, EVENTS.c.replies_sent)
    return [(key, payload or {}, [OutgoingMessage.from_dict(r) for r in replies or []], sent or 0)
            for key, payload, replies, sent in rows]


# ---- the turn ----------------------------------------------------------------------------------


def _gate(gated: bool) -> contextlib.AbstractAsyncContextManager[Any]:
    return writing() if gated else contextlib.nullcontext()


@contextlib.asynccontextmanager
async def _transaction(channel: Channel, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
    """The caller's session, committed at the end; or a transaction of its own (after the
    channel's write gate)."""
    if session is None:
        async with _gate(channel.gated), session_scope() as own:
            yield own
        return
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


async def run_turn(incoming: IncomingMessage, *, channel: Channel, key: str | None, recipient: str,
                   session: AsyncSession | None = None, to: dict[str, Any] | None = None,
                   stored: bool = False) -> list[OutgoingMessage] | None:
    """Run one turn and deliver its replies to `recipient`.

    `key`: the event id (Telegram's update id, Zalo's msg id). `stored`: the event's row exists
    (the Zalo inbox stored it when it arrived) and is marked answered; otherwise the turn records
    it, with `to` (where the replies go, for the recovery hook). `session`: the caller's
    transaction (one per update); otherwise each step opens its own. Each reply is recorded
    right after it goes out; the last marks the event done. Returns the replies, or None when the
    turn did not run (a redelivery) or failed (logged; a stored event is marked failed)."""
    try:
        if session is None and incoming.text and get_settings().nlu_backend != "rasa":
            # Classify before the transaction (the parse is remembered): on SQLite the write
            # lock, which the webhook's answers also need, is then held for less time.
            await nlu_service.parse(incoming.text.strip())
        async with _transaction(channel, session) as tx:
            replies = await engine.handle(incoming, session=tx)
            if key is not None and stored:
                await mark(tx, channel.name, key, "answered", replies=[r.to_dict() for r in replies])
            elif key is not None and not await record(tx, channel.name, key, replies, to or {}):
                raise _Redelivered
    except _Redelivered:
        return None
    except Exception:
        log.exception("%s event %s failed", channel.name, key)
        if key is not None and stored:
            async with _transaction(channel, None) as tx:
                await mark(tx, channel.name, key, "failed")
        return None
    await deliver(channel, key, recipient, replies, user_id=incoming.user_id, session=session)
    return replies


async def deliver(channel: Channel, key: str | None, recipient: str, replies: list[OutgoingMessage], *,
                  first: int = 0, user_id: str | None = None, session: AsyncSession | None = None) -> str:
    """Send an answered event's replies from `first` on, one at a time, each recorded as sent
    (`replies_sent`) right after its send returns, the last together with "done"; what the channel
    cannot take now goes to the outbox (retried with backoff) in the same transaction that marks
    the event done. Returns "sent", "queued", "given_up" (a final error: the person cannot be
    reached) or "kept" (an unexpected failure: the rest stays stored and the recovery hook tries
    again)."""
    if not replies[first:]:
        if key is not None:
            await _record_sent(channel, key, len(replies), done=True, session=session)
        return "sent"
    for index in range(first, len(replies)):
        try:
            await channel.send(recipient, [replies[index]])
        except DeliveryError as exc:
            return await _not_sent(channel, key, recipient, replies, index + exc.sent, exc,
                                   user_id=user_id, session=session)
        except Exception:
            log.exception("%s reply to %s failed", channel.name, recipient)
            return "kept"
        if key is not None:
            await _record_sent(channel, key, index + 1, done=index + 1 == len(replies), session=session)
    return "sent"


async def _record_sent(channel: Channel, key: str, sent: int, *, done: bool, session: AsyncSession | None) -> None:
    """One short commit right after a send: a crash now repeats no reply recorded here."""
    async with _transaction(channel, session) as tx:
        if done:
            await mark(tx, channel.name, key, "done", replies_sent=sent)
        else:
            await mark(tx, channel.name, key, "answered", only_from="answered", replies_sent=sent)


async def _not_sent(channel: Channel, key: str | None, recipient: str, replies: list[OutgoingMessage], sent: int,
                    exc: DeliveryError, *, user_id: str | None, session: AsyncSession | None) -> str:
    unsent = replies[sent:]
    log.warning("%s reply to %s not sent (%s)", channel.name, recipient, exc)
    async with _transaction(channel, session) as tx:
        if not exc.final and unsent:
            citizen = await citizens_service.get_or_create(session=tx, channel=channel.name,
                                                           external_id=user_id or recipient)
            await queue_reply(tx, citizen=citizen, messages=unsent, error=str(exc))
        if key is not None:
            await mark(tx, channel.name, key, "done", replies_sent=sent)
    return "queued" if not exc.final and unsent else "given_up"


async def recover_answered(channel: Channel, recipient_of: Callable[[dict[str, Any]], str | None],
                           limit: int = 200, *, dead: list[str] | None = None, where: Any = None) -> int:
    """Send the rest of the stored replies of turns whose process died between commit and the
    last send (held by a `dead` claimer, or not renewed within STALE; `recipient_of`: who, from
    the row's stored payload). Returns how many events were finished."""
    finished = 0
    for key, stored, replies, sent in await take_unsent(channel.name, limit, gated=channel.gated, dead=dead,
                                                        where=where):
        recipient = recipient_of(stored)
        if recipient and await deliver(channel, key, recipient, replies, first=sent) == "sent":
            finished += 1
    return finished
