"""Conversation state per (channel, user): the database (`chat_states`), or Redis when REDIS_URL
is set (shared by several processes, no database write per turn; see RedisStore for what happens
when Redis is down), expiring after 24 h idle. State is a small JSON dict owned by the engine."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util import await_only

from backend.core.config import get_settings
from backend.core.db import dialect_insert, utcnow
from bot.dialogue.models import ChatState

log = logging.getLogger(__name__)

IDLE = timedelta(hours=24)
# Keys that survive expiry (facts about the person, not the conversation in progress).
DURABLE = ("consent_declined",)
# Set by the cleanup job on a state whose conversation it dropped: the person is still told.
DROPPED = "dropped"
# A state idle this long is deleted, durable facts too (as its Redis key expires: KEY_TTL).
RETENTION = timedelta(days=30)


class Store(Protocol):
    async def load(self, session: AsyncSession, channel: str, user_id: str) -> tuple[dict[str, Any], datetime | None]:
        ...

    async def save(self, session: AsyncSession, channel: str, user_id: str, data: dict[str, Any]) -> None:
        ...


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    ins = dialect_insert(dialect, ChatState)
    return ins.on_conflict_do_update(
        index_elements=["channel", "user_id"], set_={"data": ins.excluded.data, "updated_at": ins.excluded.updated_at}
    )


_DELETE = delete(ChatState).where(
    ChatState.channel == bindparam("channel"), ChatState.user_id == bindparam("user_id")
)
_LOAD = select(ChatState.data, ChatState.updated_at).where(
    ChatState.channel == bindparam("channel"), ChatState.user_id == bindparam("user_id")
)


class DbStore:
    """One row per (channel, user), read and written with one statement each (an upsert: the
    first message of a person and a concurrent second one cannot both insert)."""

    async def load(self, session: AsyncSession, channel: str, user_id: str) -> tuple[dict[str, Any], datetime | None]:
        conn = await session.connection()
        row = (await conn.execute(_LOAD, {"channel": channel, "user_id": user_id})).first()
        if row is None:
            return {}, None
        return dict(row.data or {}), row.updated_at

    async def save(self, session: AsyncSession, channel: str, user_id: str, data: dict[str, Any]) -> None:
        conn = await session.connection()
        await conn.execute(_upsert(conn.dialect.name),
                           {"channel": channel, "user_id": user_id, "data": data, "updated_at": utcnow()})


KEY_PREFIX = "phananh:chat:"  # phananh:chat:{channel}:{user_id}
# Set for KEY_TTL when a process reaches Redis again after using the database: loads then also read
# chat_states. Not under KEY_PREFIX, so no person's key can be it.
FALLBACK_MARKER = "phananh:chat-fallback"
# A key outlives the 24 h idle window by far: expire_if_idle still decides, and DURABLE facts last.
KEY_TTL = timedelta(days=30)
TIMEOUT = 1.0  # seconds to connect and per command: a slow Redis must not hold a turn
RETRY_AFTER = 5.0  # seconds the database is used, without trying Redis, after Redis failed
_PENDING = "phananh.chat_state.pending"  # session.info: states saved in this transaction
_DB_ROWS = "phananh.chat_state.db_rows"  # session.info: people found with a chat_states row


class RedisStore:
    """Chat state in Redis: several processes share it and a turn writes nothing to the database.

    Same contract as DbStore: `load` gives the saved dict as it was (JSON; Vietnamese kept as
    UTF-8) and `updated_at`, a tz-aware UTC datetime, which `expire_if_idle` compares with now.
    The key `phananh:chat:{channel}:{user_id}` holds `{"ts": ISO time, "data": {...}}` and
    lives KEY_TTL (30 days) after its last save.

    Written with the turn: `save` only notes the state on the session; it goes to Redis when the
    turn's transaction commits (a `before_commit` hook), and is dropped when the transaction rolls
    back. So, as with DbStore, a turn that fails after the engine (the Zalo event row cannot be
    marked, the commit fails) leaves the conversation as it was. Only a database commit failing
    after Redis took the state can leave Redis one turn ahead.

    Redis down (refused, 1 s timeout, any Redis error): the turn does not fail and is answered.
    The error is logged (ERROR; then Redis is not tried for RETRY_AFTER, 5 s, and turns go
    straight to the database: no error per message) and that turn's state is read from, or saved to, `chat_states`, in
    the turn's own transaction. Letting the error propagate would leave the person without any
    reply: the Zalo worker marks the event failed and does not answer it, a Telegram
    handler fails without a reply. During the outage a conversation continues from what the database has (usually
    nothing: the person starts the report again, the database being the only shared place).

    Back to Redis: `chat_states` is also read when Redis has no key for the person (first
    message, a state saved before REDIS_URL was set or during an outage) and, for KEY_TTL after
    an outage, on every load: a process that used the database sets FALLBACK_MARKER when it
    reaches Redis again. The newer of the two states wins, and at commit it goes to Redis and
    the row is deleted. A person therefore never goes back to an older state after an outage,
    except when a process used the database alone (a network split) and another process serves
    that person before the first one reaches Redis again.

    Redis clients are per event loop (a redis.asyncio connection pool belongs to the loop that
    opened its connections; tests and servers run several loops in one process).
    """

    def __init__(self, url: str, *, retry_after: float = RETRY_AFTER) -> None:
        import redis.asyncio  # optional dependency: ImportError tells get_store to use the database

        self._redis = redis.asyncio
        self.url = url
        self.retry_after = retry_after
        self.db = DbStore()
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, Any]] = {}
        self._down_until = 0.0  # time.monotonic(): Redis failed, not tried before then
        self._fell_back = False  # this process used the database since Redis last answered
        _listen()

    @staticmethod
    def _key(channel: str, user_id: str) -> str:
        return f"{KEY_PREFIX}{channel}:{user_id}"

    # ---- the Store protocol ---------------------------------------------------------------
    async def load(self, session: AsyncSession, channel: str, user_id: str) -> tuple[dict[str, Any], datetime | None]:
        pending = session.info.get(_PENDING)
        if pending and (channel, user_id) in pending:  # saved earlier in this transaction
            _store, data, ts = pending[(channel, user_id)]
            return copy.deepcopy(data), ts
        client = self.client()
        if client is None:
            return await self.db.load(session, channel, user_id)
        try:
            raw, marker = await client.mget(self._key(channel, user_id), FALLBACK_MARKER)
            if self._fell_back:
                marker = await self._recovered(client)
        except self._redis.RedisError as exc:
            self._failed("read", exc)
            return await self.db.load(session, channel, user_id)
        state = self._decode(raw, channel, user_id)
        if state is not None and marker is None:
            return state
        data, updated_at = await self.db.load(session, channel, user_id)
        if updated_at is None:
            return state or ({}, None)
        session.info.setdefault(_DB_ROWS, set()).add((channel, user_id))  # deleted when saved to Redis
        if state is None or updated_at > state[1]:
            return data, updated_at
        return state

    async def save(self, session: AsyncSession, channel: str, user_id: str, data: dict[str, Any]) -> None:
        if not session.in_transaction():  # the write happens at commit: there must be one
            await session.connection()
        session.info.setdefault(_PENDING, {})[(channel, user_id)] = (self, copy.deepcopy(data), utcnow())

    # ---- at commit ------------------------------------------------------------------------
    def _commit(self, session: Session, channel: str, user_id: str, data: dict[str, Any], ts: datetime) -> None:
        """Called inside the commit (synchronous, in SQLAlchemy's greenlet: `await_only` runs the
        Redis call on the loop); the database is still in the transaction for the fallback."""
        who = (channel, user_id)
        rows: set[tuple[str, str]] = session.info.setdefault(_DB_ROWS, set())
        client = self.client()
        if client is not None:
            try:
                await_only(self._set(client, self._key(channel, user_id), data, ts))
            except self._redis.RedisError as exc:
                self._failed("write", exc)
            else:
                if who in rows:  # moved to Redis: the row must not come back later
                    session.connection().execute(_DELETE, {"channel": channel, "user_id": user_id})
                    rows.discard(who)
                return
        conn = session.connection()
        conn.execute(_upsert(conn.dialect.name), {"channel": channel, "user_id": user_id, "data": data,
                                                  "updated_at": ts})
        rows.add(who)

    async def _set(self, client: Any, key: str, data: dict[str, Any], ts: datetime) -> None:
        if self._fell_back:
            await self._recovered(client)
        body = json.dumps({"ts": ts.isoformat(), "data": data}, ensure_ascii=False, separators=(",", ":"))
        await client.set(key, body, ex=KEY_TTL)

    # ---- Redis health ---------------------------------------------------------------------
    def client(self) -> Any:
        """This event loop's Redis client, or None while Redis is considered down."""
        if self._down_until and time.monotonic() < self._down_until:
            return None
        loop = asyncio.get_running_loop()
        entry = self._clients.get(id(loop))
        if entry is None or entry[0] is not loop:
            for key, (other, _client) in list(self._clients.items()):
                if other.is_closed():
                    del self._clients[key]
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            # One retry, at once: a pooled connection the server closed is reopened; a dead
            # server costs one refused connect (or TIMEOUT), not redis-py's default backoff.
            client = self._redis.from_url(self.url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT,
                                          retry=Retry(NoBackoff(), 1))
            entry = self._clients[id(loop)] = (loop, client)
        return entry[1]

    def _failed(self, what: str, exc: Exception) -> None:
        self._down_until = time.monotonic() + self.retry_after
        self._fell_back = True
        log.error("chat state: Redis %s failed (%s: %s); this turn's state is in the database, "
                  "Redis is tried again in %.0f s", what, type(exc).__name__, exc, self.retry_after)

    async def _recovered(self, client: Any) -> bytes:
        await client.set(FALLBACK_MARKER, b"1", ex=KEY_TTL)
        self._fell_back = False
        log.warning("chat state: Redis answers again; states saved in the database meanwhile are moved back")
        return b"1"

    @staticmethod
    def _decode(raw: bytes | None, channel: str, user_id: str) -> tuple[dict[str, Any], datetime] | None:
        if raw is None:
            return None
        try:
            body = json.loads(raw)
            data, ts = body["data"], datetime.fromisoformat(body["ts"])
            if not isinstance(data, dict):
                raise TypeError("data is not an object")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("chat state of %s:%s unreadable in Redis (%s); treated as missing", channel, user_id, exc)
            return None
        return data, ts if ts.tzinfo else ts.replace(tzinfo=UTC)

    async def aclose(self) -> None:
        """Close this event loop's client (its connections)."""
        entry = self._clients.pop(id(asyncio.get_running_loop()), None)
        if entry is not None:
            await entry[1].aclose()


def _commit_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the turn is not over
        return
    pending = session.info.pop(_PENDING, None)
    for (channel, user_id), (store, data, ts) in (pending or {}).items():
        store._commit(session, channel, user_id, data, ts)


def _drop_pending(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # rolled back or closed (a commit took them already)
        session.info.pop(_PENDING, None)


def _listen() -> None:
    if not event.contains(Session, "before_commit", _commit_pending):
        event.listen(Session, "before_commit", _commit_pending)
        event.listen(Session, "after_transaction_end", _drop_pending)


_stores: dict[str | None, Store] = {}


def get_store() -> Store:
    """The store for the current settings (one per REDIS_URL, so a changed setting is seen)."""
    url = get_settings().redis_url or None
    store = _stores.get(url)
    if store is None:
        store = DbStore()
        if url:
            try:
                store = RedisStore(url)
            except ImportError:
                log.warning('REDIS_URL is set but the redis package is missing (pip install -e ".[redis]"): '
                            "chat state is kept in the database")
        store = _stores.setdefault(url, store)
    return store


def expire_if_idle(data: dict[str, Any], updated_at: datetime | None, now: datetime) -> tuple[dict[str, Any], bool]:
    """Drop a conversation idle for 24 h; True when something in progress was dropped."""
    if updated_at is None or now - updated_at < IDLE:
        return data, False
    in_progress = bool(data.get("draft") or data.get("await") or data.get(DROPPED))
    return {k: v for k, v in data.items() if k in DURABLE}, in_progress


def _expired(data: dict[str, Any]) -> dict[str, Any]:
    """What an expired state keeps: durable facts, and a note when a conversation was dropped."""
    kept = {k: v for k, v in data.items() if k in DURABLE}
    if data.get("draft") or data.get("await") or data.get(DROPPED):
        kept[DROPPED] = True
    return kept


async def cleanup(*, session: AsyncSession, now: datetime, batch: int = 500) -> dict[str, int]:
    """Remove what expiry already made unreachable from `chat_states` (the database store; Redis
    keys expire by themselves). A state idle for RETENTION is deleted. A state idle for IDLE loses
    the conversation in progress (descriptions, places, photos: personal data kept no longer
    than the conversation lasts) and keeps only its durable facts and, when a conversation was
    dropped, a note, so the person is told as before when they come back; a state left with
    nothing is deleted. `updated_at` is left alone (a state saved meanwhile is not touched: each
    write is conditional on it)."""
    deleted = (await session.execute(
        delete(ChatState).where(ChatState.updated_at < now - RETENTION))).rowcount or 0
    trimmed = last = 0
    while True:  # by id, a page at a time: states trimmed before are read again, never in the way
        rows = (await session.execute(
            select(ChatState.id, ChatState.data, ChatState.updated_at)
            .where(ChatState.updated_at < now - IDLE, ChatState.id > last)
            .order_by(ChatState.id).limit(batch))).all()
        for row_id, data, updated_at in rows:
            kept = _expired(data or {})
            if kept and kept == data:
                continue  # trimmed before
            same = (ChatState.id == row_id) & (ChatState.updated_at == updated_at)
            if kept:
                trimmed += (await session.execute(update(ChatState).where(same).values(data=kept))).rowcount or 0
            else:
                deleted += (await session.execute(delete(ChatState).where(same))).rowcount or 0
        if len(rows) < batch:
            break
        last = rows[-1][0]
    return {"deleted": int(deleted), "trimmed": int(trimmed)}
