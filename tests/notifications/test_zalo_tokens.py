"""The Zalo token pair: seeded from env, refreshed ahead of expiry, one refresh at a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from backend.core.db import utcnow
from bot.zalo import scheduled, tokens
from bot.zalo.models import ZaloToken


async def test_tokens_are_seeded_from_env_on_first_use(session, zalo):
    assert await tokens.access_token() == "access-1"
    row = await session.scalar(select(ZaloToken))
    assert row.refresh_token == "refresh-1" and row.source == "env"


async def test_fresh_tokens_are_not_refreshed(session, zalo):
    await tokens.access_token()
    assert (await scheduled.zalo_token_refresh())["refreshed"] is False
    assert zalo.refreshes == 0


async def test_tokens_close_to_expiry_are_refreshed_and_stored(session, zalo):
    await tokens.access_token()
    await session.execute(update(ZaloToken).values(expires_at=utcnow() + timedelta(minutes=30)))
    await session.commit()
    assert (await scheduled.zalo_token_refresh())["refreshed"] is True
    row = await session.scalar(select(ZaloToken))
    await session.refresh(row)
    assert row.access_token == "access-2" and row.refresh_token == "refresh-2"
    assert row.expires_at > utcnow() + timedelta(hours=24)


async def test_concurrent_refreshes_use_the_single_use_refresh_token_once(session, zalo):
    await tokens.access_token()
    await session.execute(update(ZaloToken).values(expires_at=utcnow() + timedelta(minutes=30)))
    await session.commit()
    results = await asyncio.gather(*(tokens.refresh_if_needed() for _ in range(5)))
    assert sum(1 for r in results if r["refreshed"]) == 1
    assert zalo.refreshes == 1


async def test_a_refused_refresh_is_recorded_loudly(session, zalo):
    await tokens.access_token()
    zalo.refresh_token = "someone-else-used-it"
    await session.execute(update(ZaloToken).values(expires_at=utcnow() + timedelta(minutes=30)))
    await session.commit()
    result = await scheduled.zalo_token_refresh()
    assert result["refreshed"] is False and "Invalid refresh token" in result["error"]
    row = await session.scalar(select(ZaloToken))
    await session.refresh(row)
    assert "Invalid refresh token" in row.last_error


async def test_refresh_job_does_nothing_without_zalo(session):
    assert (await scheduled.zalo_token_refresh())["refreshed"] is False
