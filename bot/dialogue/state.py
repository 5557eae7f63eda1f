"""Conversation state per (channel, user): the database, or Redis when REDIS_URL is set (several
processes), expiring after 24 h idle. State is a small JSON dict owned by the engine."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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


_LOADED = "chat_state_rows"


class DbStore:
    async def load(self, session: AsyncSession, channel: str, user_id: str) -> tuple[dict[str, Any], datetime | None]:
        row = await session.scalar(select(ChatState).where(ChatState.channel == channel, ChatState.user_id == user_id))
        if row is None:
            return {}, None
        session.info.setdefault(_LOADED, {})[(channel, user_id)] = row  # save() needs no second look-up
        return copy.deepcopy(row.data or {}), row.updated_at

    async def save(self, session: AsyncSession, channel: str, user_id: str, data: dict[str, Any]) -> None:
        stmt = select(ChatState).where(ChatState.channel == channel, ChatState.user_id == user_id)
        row = session.info.get(_LOADED, {}).pop((channel, user_id), None)
        if row is None or row not in session:
            row = await session.scalar(stmt)
        if row is None:
            try:
                async with session.begin_nested():
                    session.add(ChatState(channel=channel, user_id=user_id, data=data, updated_at=utcnow()))
                    await session.flush()
                return
            except IntegrityError:  # a concurrent message from the same person created it
                row = await session.scalar(stmt)
                assert row is not None
        row.data = data
        row.updated_at = utcnow()


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
