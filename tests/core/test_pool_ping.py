"""PostgreSQL pool: a connection idle for a while is pinged (and replaced when the server dropped
it); one just used is not (no extra round trips in a busy request path)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import exc, text

from backend.core import db

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def pg_url(pg_server):
    return pg_server.createdb("phananh_pool_ping")


async def _pooled_then_one_dropped(engine, url: str) -> int:
    """Two connections into the pool, then the server drops one (as a restart or a firewall would)."""
    async with engine.connect() as a, engine.connect() as b:
        dropped = int(await a.scalar(text("SELECT pg_backend_pid()")))
        await b.scalar(text("SELECT 1"))
    outside = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await outside.execute("SELECT pg_terminate_backend($1)", dropped)
    finally:
        await outside.close()
    return dropped


async def _backend_pid(engine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT pg_backend_pid()")))


async def test_a_connection_dropped_while_idle_is_replaced_unnoticed(pg_url, monkeypatch):
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 0.0)
    engine = db.make_engine(pg_url)
    try:
        dropped = await _pooled_then_one_dropped(engine, pg_url)
        for _ in range(3):  # every pooled connection, the dropped one included, answers
            assert await _backend_pid(engine) != dropped
    finally:
        await engine.dispose()


async def test_a_connection_just_used_is_not_pinged(pg_url, monkeypatch):
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 3600.0)
    engine = db.make_engine(pg_url)
    try:
        await _pooled_then_one_dropped(engine, pg_url)
        with pytest.raises(exc.DBAPIError):  # no ping found the dropped one first
            for _ in range(2):
                await _backend_pid(engine)
    finally:
        await engine.dispose()
