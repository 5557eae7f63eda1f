"""Fixtures of the API tests: an Open311 API key."""

from __future__ import annotations

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession


@pytest_asyncio.fixture(loop_scope="session")
async def open311_key(session: AsyncSession) -> str:
    from backend.open311 import keys

    _row, key = await keys.issue(session=session, name="tich-hop-thu")
    await session.commit()
    return key
