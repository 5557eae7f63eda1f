"""Conversation state per (channel, user): the database, or Redis when REDIS_URL is set (several
processes), expiring after 24 h idle. State is a small JSON dict owned by the engine."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.db import utcnow
from bot.dialogue.models import ChatState

IDLE = timedelta(hours=24)
# Keys that survive expiry (facts about the person, not the conversation in progress).
DURABLE = ("consent_declined",)


class Store(Protocol):
    async def load(self, session: AsyncSession, channel: str, user_id: str) -> tuple[dict[str, Any], datetime | None]:
        ...

    async def save(self, session: AsyncSession, channel: str, user_id: str, data: dict[str, Any]) -> None:
        ...


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ChatState)
    return ins.on_conflict_do_update(
        index_elements=["channel", "user_id"], set_={"data": ins.excluded.data, "updated_at": ins.excluded.updated_at}
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


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis  # optional dependency

        self.redis = redis.from_url(url)

    @staticmethod
    def _key(channel: str, user_id: str) -> str:
        return f"phananh:chat:{channel}:{user_id}"

    async def load(self, session: AsyncSession, channel: str, user_id: str) -> tuple[dict[str, Any], datetime | None]:
        raw = await self.redis.get(self._key(channel, user_id))
        if not raw:
            return {}, None
        data = json.loads(raw)
        ts = data.pop("_ts", None)
        return data, datetime.fromisoformat(ts) if ts else None

    async def save(self, session: AsyncSession, channel: str, user_id: str, data: dict[str, Any]) -> None:
        body = json.dumps({**data, "_ts": utcnow().isoformat()}, ensure_ascii=False)
        await self.redis.set(self._key(channel, user_id), body, ex=int(timedelta(days=30).total_seconds()))


_store: Store | None = None


def get_store() -> Store:
    global _store
    if _store is None:
        url = get_settings().redis_url
        store: Store = DbStore()
        if url:
            try:
                store = RedisStore(url)
            except ImportError:  # redis not installed: the database is shared by every process anyway
                store = DbStore()
        _store = store
    return _store


def expire_if_idle(data: dict[str, Any], updated_at: datetime | None, now: datetime) -> tuple[dict[str, Any], bool]:
    """Drop a conversation idle for 24 h; True when something in progress was dropped."""
    if updated_at is None or now - updated_at < IDLE:
        return data, False
    in_progress = bool(data.get("draft") or data.get("await"))
    return {k: v for k, v in data.items() if k in DURABLE}, in_progress
