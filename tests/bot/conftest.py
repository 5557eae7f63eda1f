"""Fixtures for dialogue transcripts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).parent))  # chatkit, stand-ins: helpers shared by these tests
from chatkit import Chat
from standins import TelegramStandIn, ZaloStandIn

import bot.dialogue.models
import bot.zalo.models  # noqa: F401


@pytest.fixture
def chat(session: AsyncSession) -> Chat:
    return Chat(session)


@pytest.fixture
def make_chat(session: AsyncSession) -> Any:
    def make(**kw: Any) -> Chat:
        return Chat(session, **kw)

    return make


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def zalo() -> Any:
    """Zalo's OA API stand-in (a real HTTP server on 127.0.0.1), one per test module."""
    server = ZaloStandIn()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def telegram() -> Any:
    """Telegram's Bot API stand-in (a real HTTP server on 127.0.0.1), one per test module."""
    server = TelegramStandIn()
    await server.start()
    yield server
    await server.stop()
